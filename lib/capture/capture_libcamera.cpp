/* Capture through libcamera (RF_WITH_LIBCAMERA): capture.h's C face on libcamera's C++ API.
 *
 * The flow is libcamera's own (its simple-cam example): a started CameraManager, the camera
 * acquired, a Viewfinder configuration asked for NV12 (else YUV420) at the wanted size and
 * validated (the camera may adjust the size), its frame buffers allocated and their luma planes
 * mapped, one request per buffer, the camera started and every request queued. libcamera's
 * thread hands completed requests over through a ring under a mutex; rf_capture_next takes them
 * and queues each again once the caller is done with its frame (on the next call).
 *
 * No exception crosses into C: every entry point catches them all. */
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <libcamera/libcamera.h>

#include "retailfuse/capture.h"
#include "retailfuse/status.h"

namespace lc = libcamera;

namespace {

/* Writes the message into err (when there is one) and returns code. */
int say(char *err, size_t err_cap, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int say(char *err, size_t err_cap, int code, const char *fmt, ...) {
  if (err != nullptr && err_cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_cap, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ---- One CameraManager for the process ------------------------------------------------------
 * libcamera allows one CameraManager per process (making a second aborts it), so listings and
 * captures share one: made and started by the first user, stopped and deleted by the last. This
 * is the library's only process-wide state, forced on it by libcamera. */
std::mutex manager_lock;
lc::CameraManager *manager = nullptr;
long manager_users = 0;
bool logs_quieted = false;

/* libcamera logs INFO and WARN lines to stderr from the start. Version 0.0.3 reads its levels
 * from LIBCAMERA_LOG_LEVELS once, when its logger is made, and its logSetLevel() matches no
 * wildcard; so unless the user set the variable, it is set to errors only for the moment the
 * logger is made (any logSetLevel call makes it) and taken away again. Under manager_lock. */
void quiet_logs() {
  if (logs_quieted) return;
  logs_quieted = true;
  if (std::getenv("LIBCAMERA_LOG_LEVELS") != nullptr) return;
  if (setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0) != 0) return;
  lc::logSetLevel("Camera", "ERROR");
  unsetenv("LIBCAMERA_LOG_LEVELS");
}

int manager_get(lc::CameraManager **out, char *err, size_t err_cap) {
  std::lock_guard<std::mutex> hold(manager_lock);
  if (manager == nullptr) {
    quiet_logs();
    std::unique_ptr<lc::CameraManager> made(new lc::CameraManager);
    int rc = made->start();
    if (rc < 0) return say(err, err_cap, RF_EIO, "libcamera cannot start: %s", strerror(-rc));
    manager = made.release();
  }
  manager_users++;
  *out = manager;
  return 0;
}

void manager_put() {
  std::lock_guard<std::mutex> hold(manager_lock);
  if (--manager_users == 0) {
    delete manager; /* stops it */
    manager = nullptr;
  }
}

/* Holds the manager for a scope. */
class ManagerRef {
 public:
  ManagerRef() = default;
  ~ManagerRef() {
    if (cm_ != nullptr) manager_put();
  }
  ManagerRef(const ManagerRef &) = delete;
  ManagerRef &operator=(const ManagerRef &) = delete;
  int get(char *err, size_t err_cap) { return manager_get(&cm_, err, err_cap); }
  lc::CameraManager *operator->() const { return cm_; }

 private:
  lc::CameraManager *cm_ = nullptr;
};

/* Maps exceptions to codes and messages at the C boundary. */
int caught(char *err, size_t err_cap) {
  try {
    throw;
  } catch (const std::bad_alloc &) {
    return say(err, err_cap, RF_ENOMEM, "out of memory");
  } catch (const std::exception &e) {
    return say(err, err_cap, RF_EIO, "libcamera: %s", e.what());
  } catch (...) {
    return say(err, err_cap, RF_EIO, "libcamera: an unknown exception");
  }
}

bool is_yuv420(const lc::PixelFormat &f) {
  return f == lc::formats::NV12 || f == lc::formats::YUV420;
}

}  // namespace

/* ---- A capture --------------------------------------------------------------------------- */

struct rf_capture {
  ManagerRef manager;
  std::shared_ptr<lc::Camera> camera;
  bool acquired = false, started = false;
  std::unique_ptr<lc::CameraConfiguration> config;
  lc::Stream *stream = nullptr;
  int width = 0, height = 0;
  size_t stride = 0;
  std::unique_ptr<lc::FrameBufferAllocator> allocator;
  std::vector<std::unique_ptr<lc::Request>> requests; /* cookie: the index */
  std::vector<const uint8_t *> luma;                  /* each request's Y plane */
  struct Mapping {
    void *addr;
    size_t len;
  };
  std::vector<Mapping> maps;
  lc::Request *given = nullptr; /* the request whose frame the caller holds */
  int failed = 0;               /* sticky: the code every call returns after a failure */
  char errmsg[256] = "";

  /* Completed requests, oldest first: a ring as long as the requests, so that libcamera's
   * thread never allocates (there are never more completed than made). */
  std::mutex lock;
  std::condition_variable ready;
  std::vector<lc::Request *> ring;
  size_t ring_head = 0, ring_count = 0;
  bool lost = false; /* the camera was disconnected */

  /* libcamera's thread: a request completed (or was cancelled by stop: dropped). */
  void completed(lc::Request *request) {
    if (request->status() == lc::Request::RequestCancelled) return;
    {
      std::lock_guard<std::mutex> hold(lock);
      if (ring_count == ring.size()) return; /* cannot happen: one entry per request */
      ring[(ring_head + ring_count++) % ring.size()] = request;
    }
    ready.notify_one();
  }

  /* libcamera's thread: the camera went away. */
  void disconnected() {
    {
      std::lock_guard<std::mutex> hold(lock);
      lost = true;
    }
    ready.notify_one();
  }

  __attribute__((format(printf, 3, 4))) int fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    failed = code;
    return code;
  }

  /* Gives a request back to the camera, its buffer with it. */
  int requeue(lc::Request *request) {
    request->reuse(lc::Request::ReuseBuffers);
    int rc = camera->queueRequest(request);
    if (rc < 0) return fail(RF_EIO, "cannot queue a request: %s", strerror(-rc));
    return 0;
  }
};

namespace {

/* The Viewfinder stream in NV12 (else YUV420) at about width x height, configured. */
int configure(rf_capture *c, const char *id, int width, int height, char *err, size_t err_cap) {
  c->config = c->camera->generateConfiguration({lc::StreamRole::Viewfinder});
  if (c->config == nullptr || c->config->empty())
    return say(err, err_cap, RF_EIO, "camera '%s' gives no viewfinder stream", id);
  lc::StreamConfiguration &sc = c->config->at(0);
  bool ok = false;
  for (const lc::PixelFormat &format : {lc::formats::NV12, lc::formats::YUV420}) {
    sc.pixelFormat = format;
    sc.size = lc::Size(static_cast<unsigned>(width), static_cast<unsigned>(height));
    if (c->config->validate() != lc::CameraConfiguration::Invalid && is_yuv420(sc.pixelFormat)) {
      ok = true;
      break;
    }
  }
  if (!ok)
    return say(err, err_cap, RF_EIO, "camera '%s' gives neither NV12 nor YUV420 frames (only %s)",
               id, sc.pixelFormat.toString().c_str());
  int rc = c->camera->configure(c->config.get());
  if (rc < 0)
    return say(err, err_cap, RF_EIO, "camera '%s' cannot be configured for %s %s: %s", id,
               sc.pixelFormat.toString().c_str(), sc.size.toString().c_str(), strerror(-rc));
  c->stream = sc.stream();
  c->width = static_cast<int>(sc.size.width);
  c->height = static_cast<int>(sc.size.height);
  c->stride = sc.stride != 0 ? sc.stride : sc.size.width;
  return 0;
}

/* The stream's buffers, their luma planes mapped, and a request for each. */
int make_requests(rf_capture *c, const char *id, char *err, size_t err_cap) {
  c->allocator = std::make_unique<lc::FrameBufferAllocator>(c->camera);
  int rc = c->allocator->allocate(c->stream);
  if (rc <= 0)
    return say(err, err_cap, RF_EIO, "camera '%s': cannot allocate frame buffers: %s", id,
               rc < 0 ? strerror(-rc) : "none given");
  const std::vector<std::unique_ptr<lc::FrameBuffer>> &buffers = c->allocator->buffers(c->stream);
  c->maps.reserve(buffers.size());
  c->luma.reserve(buffers.size());
  c->requests.reserve(buffers.size());
  c->ring.assign(buffers.size(), nullptr);
  size_t luma_bytes = c->stride * static_cast<size_t>(c->height);
  for (size_t i = 0; i < buffers.size(); ++i) {
    const lc::FrameBuffer::Plane &y = buffers[i]->planes().at(0);
    size_t offset = y.offset == lc::FrameBuffer::Plane::kInvalidOffset ? 0 : y.offset;
    if (y.length < luma_bytes)
      return say(err, err_cap, RF_EIO, "camera '%s': a luma plane of %u bytes, %zu expected", id,
                 y.length, luma_bytes);
    /* Mapped from the buffer's start: mmap's offset must be page-aligned, a plane's need not. */
    void *addr = mmap(nullptr, offset + y.length, PROT_READ, MAP_SHARED, y.fd.get(), 0);
    if (addr == MAP_FAILED)
      return say(err, err_cap, RF_EIO, "camera '%s': cannot map a frame buffer: %s", id,
                 strerror(errno));
    c->maps.push_back({addr, offset + y.length});
    std::unique_ptr<lc::Request> request = c->camera->createRequest(i);
    if (request == nullptr || request->addBuffer(c->stream, buffers[i].get()) < 0)
      return say(err, err_cap, RF_EIO, "camera '%s': cannot make a request", id);
    c->luma.push_back(static_cast<const uint8_t *>(addr) + offset);
    c->requests.push_back(std::move(request));
  }
  return 0;
}

int start(rf_capture *c, const char *id, int width, int height, char *err, size_t err_cap) {
  int rc = c->manager.get(err, err_cap);
  if (rc != 0) return rc;
  c->camera = c->manager->get(id);
  if (c->camera == nullptr)
    return say(err, err_cap, RF_ENOTFOUND,
               "no camera '%s' (retailfuse cameras lists those libcamera sees)", id);
  if ((rc = c->camera->acquire()) < 0)
    return say(err, err_cap, RF_EIO, "camera '%s' cannot be acquired: %s", id, strerror(-rc));
  c->acquired = true;
  if ((rc = configure(c, id, width, height, err, err_cap)) != 0 ||
      (rc = make_requests(c, id, err, err_cap)) != 0)
    return rc;
  c->camera->requestCompleted.connect(c, &rf_capture::completed);
  c->camera->disconnected.connect(c, &rf_capture::disconnected);
  if ((rc = c->camera->start()) < 0)
    return say(err, err_cap, RF_EIO, "camera '%s' cannot start: %s", id, strerror(-rc));
  c->started = true;
  for (std::unique_ptr<lc::Request> &request : c->requests) {
    if ((rc = c->camera->queueRequest(request.get())) < 0)
      return say(err, err_cap, RF_EIO, "camera '%s': cannot queue a request: %s", id,
                 strerror(-rc));
  }
  return 0;
}

/* Takes the oldest completed request, waiting until the deadline (none when timeout_ms < 0):
 * 1 and *out, 0 at the deadline, or RF_EIO when the camera went away. */
int take(rf_capture *c, std::chrono::steady_clock::time_point deadline, int timeout_ms,
         lc::Request **out) {
  std::unique_lock<std::mutex> hold(c->lock);
  auto any = [c] { return c->ring_count > 0 || c->lost; };
  if (timeout_ms < 0) c->ready.wait(hold, any);
  else if (!c->ready.wait_until(hold, deadline, any)) return 0;
  if (c->lost) return RF_EIO;
  *out = c->ring[c->ring_head];
  c->ring_head = (c->ring_head + 1) % c->ring.size();
  c->ring_count--;
  return 1;
}

}  // namespace

/* ---- capture.h --------------------------------------------------------------------------- */

int rf_capture_available(void) { return 1; }

int rf_capture_list(rf_capture_camera_fn fn, void *payload, size_t *count, char *err,
                    size_t err_cap) {
  if (count != nullptr) *count = 0;
  if (err != nullptr && err_cap > 0) err[0] = '\0';
  try {
    ManagerRef manager;
    int rc = manager.get(err, err_cap);
    if (rc != 0) return rc;
    std::vector<std::shared_ptr<lc::Camera>> cameras = manager->cameras();
    if (count != nullptr) *count = cameras.size();
    for (const std::shared_ptr<lc::Camera> &camera : cameras) {
      std::optional<std::string> model = camera->properties().get(lc::properties::Model);
      if (fn == nullptr) continue;
      rc = fn(camera->id().c_str(), model ? model->c_str() : "", payload);
      if (rc != 0) return say(err, err_cap, rc, "the listing was stopped (%d)", rc);
    }
    return 0;
  } catch (...) {
    return caught(err, err_cap);
  }
}

int rf_capture_open(rf_capture **out, const char *id, int width, int height, char *err,
                    size_t err_cap) {
  if (err != nullptr && err_cap > 0) err[0] = '\0';
  if (out == nullptr || id == nullptr || width <= 0 || height <= 0)
    return say(err, err_cap, RF_EINVAL, "no place for the capture, no id, or a size not > 0");
  *out = nullptr;
  rf_capture *c = nullptr;
  try {
    c = new rf_capture;
    int rc = start(c, id, width, height, err, err_cap);
    if (rc != 0) {
      rf_capture_close(c);
      return rc;
    }
    *out = c;
    return 0;
  } catch (...) {
    rf_capture_close(c);
    return caught(err, err_cap);
  }
}

void rf_capture_size(const rf_capture *capture, int *width, int *height, size_t *stride) {
  if (width != nullptr) *width = capture != nullptr ? capture->width : 0;
  if (height != nullptr) *height = capture != nullptr ? capture->height : 0;
  if (stride != nullptr) *stride = capture != nullptr ? capture->stride : 0;
}

int rf_capture_next(rf_capture *capture, const uint8_t **luma, int64_t *timestamp_ns,
                    int timeout_ms) {
  if (capture == nullptr || luma == nullptr || timestamp_ns == nullptr) return RF_EINVAL;
  rf_capture *c = capture;
  if (c->failed != 0) return c->failed;
  try {
    if (c->given != nullptr) {
      lc::Request *done = c->given;
      c->given = nullptr;
      if (int rc = c->requeue(done)) return rc;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      lc::Request *request = nullptr;
      int rc = take(c, deadline, timeout_ms, &request);
      if (rc == RF_EIO) return c->fail(RF_EIO, "the camera was disconnected");
      if (rc == 0) return 0;
      lc::FrameBuffer *buffer = request->findBuffer(c->stream);
      if (buffer == nullptr || buffer->metadata().status != lc::FrameMetadata::FrameSuccess) {
        if ((rc = c->requeue(request)) != 0) return rc; /* a frame lost: wait for the next */
        continue;
      }
      std::optional<int64_t> sensor = request->metadata().get(lc::controls::SensorTimestamp);
      *timestamp_ns = sensor ? *sensor : static_cast<int64_t>(buffer->metadata().timestamp);
      *luma = c->luma.at(request->cookie());
      c->given = request;
      return 1;
    }
  } catch (...) {
    int rc = caught(c->errmsg, sizeof c->errmsg);
    c->failed = rc;
    return rc;
  }
}

const char *rf_capture_errmsg(const rf_capture *capture) {
  return capture != nullptr ? capture->errmsg : "";
}

void rf_capture_close(rf_capture *capture) {
  if (capture == nullptr) return;
  rf_capture *c = capture;
  try {
    if (c->started) c->camera->stop(); /* pending requests come back cancelled */
    if (c->camera != nullptr) {
      c->camera->requestCompleted.disconnect(c);
      c->camera->disconnected.disconnect(c);
    }
    c->requests.clear(); /* before the buffers they name */
    for (const rf_capture::Mapping &m : c->maps) munmap(m.addr, m.len);
    c->maps.clear();
    c->allocator.reset();
    if (c->acquired) c->camera->release();
    c->config.reset();
    c->camera.reset();
  } catch (...) {
    /* nothing to report to: the capture goes either way */
  }
  delete c; /* and the manager with its last user */
}
