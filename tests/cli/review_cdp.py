"""A minimal Chrome DevTools Protocol client over a WebSocket (RFC 6455), standard library only:
enough to start headless Chromium, open a page, evaluate script, click with the mouse, press
keys and let downloads through. Used by review_browser.py (the review page's browser test) and
bench/run-review."""
import base64
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Error(Exception):
    pass


class WebSocket:
    """A client WebSocket on a plain TCP connection to localhost (the DevTools endpoint)."""

    def __init__(self, host, port, path, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Error("the DevTools endpoint closed during the handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        self.message, self.kind = b"", None
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise Error(f"handshake refused: {lines[0]}")
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if fields.get("sec-websocket-accept") != accept:
            raise Error("handshake: wrong Sec-WebSocket-Accept")

    def _fill(self, n):
        """At least n bytes in the buffer; a timeout leaves what was read there."""
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise Error("the DevTools connection closed")
            self.buffer += chunk

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self):
        """The next text message (a fragmented one joined); answers pings. A frame is taken from
        the buffer only once it is whole, so a timeout loses nothing."""
        while True:
            self._fill(2)
            b0, b1 = self.buffer[0], self.buffer[1]
            fin, opcode, n, at = b0 & 0x80, b0 & 0x0F, b1 & 0x7F, 2
            if n == 126:
                self._fill(4)
                n, at = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif n == 127:
                self._fill(10)
                n, at = struct.unpack("!Q", self.buffer[2:10])[0], 10
            mask = None
            if b1 & 0x80:
                self._fill(at + 4)
                mask, at = self.buffer[at:at + 4], at + 4
            self._fill(at + n)
            payload, self.buffer = self.buffer[at:at + n], self.buffer[at + n:]
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise Error("the DevTools connection was closed")
            if opcode in (0x1, 0x2):
                self.message, self.kind = payload, opcode
            elif opcode == 0x0:
                self.message += payload
            if fin and self.kind is not None:
                text, self.message, self.kind = self.message.decode(), b"", None
                return text

    def close(self):
        try:
            self._frame(0x8, b"")
        except OSError:
            pass
        self.sock.close()


class Browser:
    """Headless Chromium with a DevTools session on one page (flat sessions over the browser's
    connection)."""

    def __init__(self, chromium="chromium", timeout=30.0, width=1200, height=900):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="rf-chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ws = None
        self.next_id = 0
        self.events = []
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self):
        marker = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while True:
            if os.path.exists(marker):
                with open(marker) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            if self.proc.poll() is not None:
                raise Error(f"chromium exited ({self.proc.returncode}) before listening")
            if time.monotonic() > deadline:
                raise Error("chromium did not write DevToolsActivePort in time")
            time.sleep(0.05)
        self.ws = WebSocket("127.0.0.1", int(lines[0]), lines[1], self.timeout)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Error(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise Error(f"{method}: no answer in {self.timeout} s")

    def wait_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for k, e in enumerate(self.events):
                if e["method"] == method:
                    return self.events.pop(k)
            if time.monotonic() > deadline:
                raise Error(f"no {method} in time")
            self.ws.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                reply = json.loads(self.ws.recv())
            except socket.timeout:
                continue
            finally:
                self.ws.sock.settimeout(self.timeout)
            if "method" in reply:
                self.events.append(reply)

    def js(self, expression, await_promise=False):
        """The value of a script expression (JSON-able), or an Error with its exception."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": await_promise}, session=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise Error(f"script failed: {d.get('exception', {}).get('description', d.get('text'))}")
        return r["result"].get("value")

    def open(self, url):
        """Navigates and waits for the new document's load (the old one is marked first, so a
        load event of an earlier navigation cannot pass for it)."""
        self.js("window.__rfOld = 1")
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("!window.__rfOld && document.readyState === 'complete'")

    def wait_for(self, expression, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                if self.js(expression):
                    return
            except Error:  # the page between two documents
                pass
            if time.monotonic() > deadline:
                raise Error(f"timed out waiting for {expression}")
            time.sleep(0.02)

    def click(self, x, y):
        """A left click at page coordinates (the viewport's), as a mouse does it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none",
                      "clickCount": 1 if kind != "mouseMoved" else 0}
            self.call("Input.dispatchMouseEvent", params, session=True)

    def click_element(self, selector):
        """Scrolls the element into view and clicks its centre."""
        rect = self.js(
            "(() => { const e = document.querySelector(" + json.dumps(selector) + ");"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if rect is None:
            raise Error(f"no element {selector}")
        self.click(rect[0], rect[1])

    def set_file(self, selector, path):
        """Puts a file in a file input, as a person choosing it would (input and change fire)."""
        r = self.call("Runtime.evaluate", {"expression": f"document.querySelector({json.dumps(selector)})"},
                      session=True)
        object_id = r["result"].get("objectId")
        if object_id is None:
            raise Error(f"no element {selector}")
        self.call("DOM.setFileInputFiles", {"files": [path], "objectId": object_id}, session=True)

    def key(self, char):
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": char, "code": "Key" + char.upper() if char.isalpha() else "Digit" + char,
                      "windowsVirtualKeyCode": ord(char.upper())}
            if kind == "keyDown":
                params["text"] = char
            self.call("Input.dispatchKeyEvent", params, session=True)

    def screenshot(self, path):
        """The viewport as a PNG file."""
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def downloads_to(self, directory):
        self.call("Browser.setDownloadBehavior",
                  {"behavior": "allow", "downloadPath": directory, "eventsEnabled": True})

    def wait_download(self, timeout=None):
        """The path of the next download completed (Browser.downloadProgress)."""
        begin = self.wait_event("Browser.downloadWillBegin", timeout)
        name = begin["params"]["suggestedFilename"]
        guid = begin["params"]["guid"]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            e = self.wait_event("Browser.downloadProgress", max(0.1, deadline - time.monotonic()))
            if e["params"]["guid"] != guid:
                continue
            if e["params"]["state"] == "completed":
                return name
            if e["params"]["state"] == "canceled":
                raise Error("the download was canceled")

    def close(self):
        if self.ws is not None:
            try:
                self.call("Browser.close")
            except (Error, OSError):
                pass
            self.ws.close()
            self.ws = None
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None
