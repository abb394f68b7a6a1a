/* What `feed` and `watch` share as clients of a service: connecting to "tcp://HOST:PORT" or
 * "unix:PATH" on a libuv loop, reading into a wire decoder, and writing copies of bytes. */
#ifndef RF_TOOLS_CLIENT_H
#define RF_TOOLS_CLIENT_H

#include <uv.h>

#include "retailfuse/retailfuse.h"

typedef struct client_conn client_conn;

/* Called once connected (status 0) or when connecting failed (status < 0, a libuv error). */
typedef void (*client_connected_fn)(client_conn *c, int status);
/* Called with each message the peer sends; return non-zero to stop reading this connection. */
typedef int (*client_message_fn)(client_conn *c, const rf_wire_msg *m);
/* Called once when the connection is closed (by the peer, an error, or client_close). `why` is
 * the decoder's or the socket's error, or NULL for a plain end. */
typedef void (*client_closed_fn)(client_conn *c, const char *why);

struct client_conn {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  uv_connect_t connect_req;
  rf_wire_decoder *dec;
  client_connected_fn on_connected;
  client_message_fn on_message;
  client_closed_fn on_closed;
  void *payload;
  int open, closing;
  char why[256];
  char readbuf[64 * 1024];
};

/* Whether `address` is one a client can connect to; 0, or a usage error's message in why. */
int client_check_address(const char *address, char *why, size_t cap);

/* Starts connecting c (zeroed but for its callbacks and payload) to address on loop. */
int client_connect(client_conn *c, uv_loop_t *loop, const char *address);

/* Writes a copy of data[0, len) after what was written before. */
int client_write(client_conn *c, const void *data, size_t len);

/* Closes; on_closed follows (with `why`, which may be NULL). */
void client_close(client_conn *c, const char *why);

/* Writes a protocol-buffer stream's header and a hello (a gateway's `source`, a subscriber's
 * `from`). 0, or RF_ENOMEM / RF_EINVAL from the encoder. */
int client_hello(client_conn *c, rf_wire_role role, const char *source, int64_t from);

/* Reconnecting waits *ms (from CLIENT_RETRY_FIRST_MS), doubling each time up to
 * CLIENT_RETRY_MOST_MS: returns the wait, and moves *ms on. */
#define CLIENT_RETRY_FIRST_MS 50
#define CLIENT_RETRY_MOST_MS 1000
unsigned client_backoff(unsigned *ms);

/* Bytes written and not yet taken by the socket. */
size_t client_queued(const client_conn *c);

#endif
