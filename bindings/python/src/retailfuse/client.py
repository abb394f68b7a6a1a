"""A client of a retailfuse service (`retailfuse serve`), over its JSON Lines protocol
(docs/format.md, "The service"): feed it records as a gateway, watch its output as a subscriber.
Only the standard library: a socket per connection, "tcp://HOST:PORT" or "unix:PATH".

    client = retailfuse.Client("tcp://127.0.0.1:7420")
    client.feed(records, finish=True)        # every record acknowledged: {"taken": n, ...}
    for message in client.watch(until_finish=True):
        ...                                  # diffs and receipts as dicts, and the service's
                                             # fault, source and finish messages
"""

import json
import socket
import time

from ._native import Error

_EVENT_TYPES = ("enter", "exit", "link", "position", "samples", "delta", "hand", "restock",
                "review")
# The source of an event that names none, by its kind (docs/format.md, section 3).
_DEFAULT_SOURCE = {"samples": "shelves", "delta": "shelves", "restock": "shelves",
                   "hand": "cameras"}


class ServiceError(Error):
    """The service refused the connection's stream (its error message says why)."""


def _connect(address, timeout):
    if address.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = address[5:]
    elif address.startswith("tcp://"):
        host, _, port = address[6:].rpartition(":")
        family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        target = (host.strip("[]"), int(port))
    else:
        raise ValueError(f"{address!r} is not tcp://HOST:PORT or unix:PATH")
    s.settimeout(timeout)
    try:
        s.connect(target)
    except OSError:
        s.close()
        raise
    return s


class _Lines:
    """JSON objects, one per line, from a socket."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def next(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the service closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)


class Client:
    """A service at `address`; `timeout` bounds each wait on a socket (seconds), `retry_for`
    how long a dropped connection is tried again before giving up."""

    def __init__(self, address, timeout=10.0, retry_for=30.0):
        self.address, self.timeout, self.retry_for = address, timeout, retry_for

    def _hello(self, hello):
        deadline = time.monotonic() + self.retry_for
        while True:
            try:
                s = _connect(self.address, self.timeout)
                s.sendall((json.dumps(hello, separators=(",", ":")) + "\n").encode())
                return s
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def feed(self, records, source=None, finish=False, window=256):
        """Sends the input events among `records` (dicts) as one gateway (named `source`, the
        source of records naming none; None: their kind's default), numbering those without a
        seq, `window` at a time; a dropped connection is made again and what was not
        acknowledged is sent again. With `finish`, ends the day once all are acknowledged.
        Returns {"taken": n, "set_aside": {reason: n}}; ServiceError if the service refuses
        the stream."""
        pending = []
        seqs = {}
        for r in records:
            if r.get("type") not in _EVENT_TYPES:
                continue
            r = dict(r)
            if r["type"] == "review":  # a verdict bears no time: its source's count is not used
                pending.append(json.dumps({"type": r.pop("type"), **r}, separators=(",", ":")))
                continue
            # numbered per source: the kinds that share a default source share its count
            key = r.get("source") or source or _DEFAULT_SOURCE.get(r["type"], "tracker")
            if "seq" not in r:
                seqs[key] = seqs.get(key, 0) + 1
                r["seq"] = seqs[key]
            else:
                seqs[key] = r["seq"]
            pending.append(json.dumps({"type": r.pop("type"), **r}, separators=(",", ":")))
        counts = {"taken": 0, "set_aside": {}}
        done = 0
        hello = {"type": "hello", "role": "gateway"}
        if source is not None:
            hello["source"] = source
        while done < len(pending) or finish:
            try:
                done, finished = self._feed_once(hello, pending, done, finish, window, counts)
            except OSError:  # the connection dropped (ConnectionError and timeouts are OSErrors)
                continue  # made again from `done` on
            if finished or not finish:
                break
        return counts

    def _feed_once(self, hello, pending, done, finish, window, counts):
        s = self._hello(hello)
        try:
            lines, sent = _Lines(s), done
            while done < len(pending):
                upto = min(len(pending), done + window)
                if sent < upto:
                    s.sendall(("\n".join(pending[sent:upto]) + "\n").encode())
                    sent = upto
                msg = lines.next()
                if msg.get("type") == "error":
                    raise ServiceError(msg.get("message", ""))
                if msg.get("type") != "ack":
                    continue
                done += 1
                if "reason" in msg:
                    counts["set_aside"][msg["reason"]] = counts["set_aside"].get(msg["reason"], 0) + 1
                else:
                    counts["taken"] += 1
            if not finish:
                return done, False
            s.sendall(b'{"type":"finish"}\n')
            while True:
                msg = lines.next()
                if msg.get("type") == "error":
                    raise ServiceError(msg.get("message", ""))
                if msg.get("type") == "ack" and msg.get("finish"):
                    return done, True
        finally:
            s.close()

    def watch(self, start=1, until_finish=False):
        """The service's output from output seq `start` on, as dicts — diffs and receipts as
        `retailfuse run` writes them, and {"type": "fault"|"source"|"finish", ...} — resuming
        after a dropped connection; with `until_finish`, ends after a day's finish."""
        seq = start
        while True:
            try:
                s = self._hello({"type": "hello", "role": "subscriber", "from": seq})
            except OSError:
                return  # no service for retry_for
            s.settimeout(None)  # output may pause for as long as the store is quiet
            try:
                lines = _Lines(s)
                while True:
                    msg = lines.next()
                    kind = msg.get("type")
                    if kind == "hello":
                        seq = msg["from"]
                        continue
                    if kind == "error":
                        break  # closed by the service (too slow): resume
                    seq += 1
                    yield msg
                    if kind == "finish" and until_finish:
                        return
            except OSError:  # dropped: resumed from the next seq
                time.sleep(0.1)
            finally:
                s.close()
