#!/usr/bin/env python3
"""The service's documented answers to broken and rude peers (issue 16, docs/format.md "The
service"), while a feed and a watch go on beside them and still give run's output:

  a garbage JSON line or protobuf frame   an error message naming it, then the connection closes
  a frame over --max-frame                an error message naming the size and the limit, closed
  a first message that is not a hello     an error message, closed
  half a frame, then the peer leaves      the bytes are dropped (logged), nothing acknowledged
  a gateway that never reads its acks     not read from until it does; then every record is acked
  a subscriber that never reads           disconnected once the output made since it came passes
                                          --subscriber-lag (logged)

Only the standard library; every wait is bounded.
  serve_faults.py RETAILFUSE WORKDIR
"""
import os
import shutil
import socket
import subprocess
import sys
import time

RF, WORK = sys.argv[1], sys.argv[2]
MAX_FRAME = 65536
MAGIC = b"\x89RFP\r\n\x1a\n"


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(number, payload):  # a length-delimited field
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def frame(message):
    return varint(len(message)) + message


PB_HEADER = MAGIC + varint(1) + varint(0)
PB_HELLO = frame(field(40, field(1, b"gateway") + field(2, b"faulty")))


def connect(addr, rcvbuf=None):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = addr[5:]
    else:
        host, port = addr[len("tcp://"):].rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, int(port))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(target)
    return s


def read_to_end(s, limit_s=10):
    """Everything the service sends until it closes the connection."""
    s.settimeout(limit_s)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def expect_error(name, addr, payload, needle):
    s = connect(addr)
    s.sendall(payload)
    reply = read_to_end(s)
    s.close()
    if needle.encode() not in reply:
        fail(f"{name}: the service answered {reply!r}, not an error with {needle!r}")
    # the answer is a stream of the format spoken: a protobuf one begins with its header
    if payload.startswith(MAGIC) != reply.startswith(MAGIC):
        fail(f"{name}: the answer {reply!r} is not a stream of the format spoken")


def start_service(scenario):
    out = open(os.path.join(WORK, "serve.out"), "w")
    err = open(os.path.join(WORK, "serve.err"), "w")
    proc = subprocess.Popen(
        [RF, "serve", "--store", scenario, "--listen", "unix:" + os.path.join(WORK, "s.sock"),
         "--listen", "tcp://127.0.0.1:0", "--journal", os.path.join(WORK, "j"),
         "--max-frame", str(MAX_FRAME), "--gateway-queue", "65536",
         "--subscriber-lag", "8192"], stdout=out, stderr=err)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = open(os.path.join(WORK, "serve.out")).read()
        if line.endswith("\n"):
            return proc, line.split()
        time.sleep(0.05)
    proc.kill()
    fail("serve did not print its addresses")


def serve_log():
    return open(os.path.join(WORK, "serve.err")).read()


def rude_gateway(unix, good):
    """Sends truth records (not a gateway's: each acked as set aside) and never reads, until the
    service stops reading it; then reads, and every record is acknowledged."""
    s = connect(unix)
    s.sendall(b'{"type":"hello","role":"gateway","source":"noisy"}\n')
    line = b'{"type":"truth","t":1,"shopper":"x","sku":"y","qty":1}\n'
    s.setblocking(False)
    sent, pending, blocked_since = 0, b"", None
    for _ in range(200000):
        try:
            pending = pending or line
            n = s.send(pending)
            pending = pending[n:]
            sent += pending == b""
            blocked_since = None
        except BlockingIOError:
            blocked_since = blocked_since or time.time()
            if time.time() - blocked_since > 0.5:
                break
            time.sleep(0.01)
    else:
        fail("a gateway that never read its acks was never held back")
    # Held back; another gateway is still served meanwhile.
    good.sendall(b'{"type":"truth","t":2,"shopper":"x","sku":"y","qty":1}\n')
    good.settimeout(5)
    answer = good.recv(4096)
    if b'"type":"ack"' not in answer or b'"reason":"invalid"' not in answer:
        fail(f"another gateway got {answer!r} while one was held back")
    # Now it reads: the rest of its records go through, and every one is acknowledged.
    acks, data = 0, b""
    deadline = time.time() + 30
    while (acks < sent or pending) and time.time() < deadline:
        try:
            if pending:
                pending = pending[s.send(pending):]
                sent += pending == b""
        except BlockingIOError:
            pass
        try:
            data += s.recv(1 << 20)
        except BlockingIOError:
            time.sleep(0.005)
        *lines, data = data.split(b"\n")
        acks += sum(1 for x in lines if x.startswith(b'{"type":"ack","source":"noisy"'))
    s.close()
    if acks != sent:
        fail(f"a gateway held back sent {sent} records and got {acks} acks")
    return sent


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    subprocess.run([RF, "sim", "--preset", "day", "--seed", "7", "--out",
                    os.path.join(WORK, "sim")], check=True, stdout=subprocess.DEVNULL)
    scenario = os.path.join(WORK, "sim", "scenario.jsonl")
    ref = os.path.join(WORK, "ref.jsonl")
    subprocess.run([RF, "run", scenario, "-o", ref], check=True, stderr=subprocess.DEVNULL)
    proc, (unix, tcp) = start_service(scenario)
    try:
        # The good ones: a watch from the start, and (below) a feed of the whole day.
        watched = os.path.join(WORK, "watched.jsonl")
        watch = subprocess.Popen([RF, "watch", tcp, "-o", watched, "--until-finish",
                                  "--timeout", "30"], stderr=subprocess.DEVNULL)
        # A subscriber that never reads, with a small receive buffer.
        sleeper = connect(tcp, rcvbuf=4096)
        sleeper.sendall(b'{"type":"hello","role":"subscriber","from":1}\n')

        expect_error("JSON garbage", unix,
                     b'{"type":"hello","role":"gateway","source":"g"}\nnot json\n',
                     '{"type":"error","message":"line 2: malformed JSON near column 1"}')
        expect_error("protobuf garbage", tcp, PB_HEADER + PB_HELLO + frame(b"\xff" * 5),
                     f"frame 2 (byte {len(PB_HEADER + PB_HELLO)}): not a Record message")
        expect_error("a frame too large", unix, PB_HEADER + varint(MAX_FRAME + 1),
                     f"frame 1 (byte 10): {MAX_FRAME + 1} bytes, over the limit of {MAX_FRAME}")
        expect_error("no hello", unix, b'{"type":"enter","t":0,"shopper":"s"}\n',
                     "the first message must be a hello")
        half = connect(unix)
        half.sendall(PB_HEADER + PB_HELLO + varint(100) + b"x" * 10)
        half.close()

        good = connect(unix)
        good.sendall(b'{"type":"hello","role":"gateway","source":"polite"}\n')
        held = rude_gateway(unix, good)
        good.close()

        feed = subprocess.run([RF, "feed", scenario, "--to", unix, "--finish", "--timeout", "30"],
                              stderr=subprocess.PIPE, text=True, timeout=120)
        if feed.returncode != 0:
            fail("the feed failed beside the faults: " + feed.stderr)
        if watch.wait(timeout=60) != 0:
            fail("the watch failed beside the faults")
        if open(ref, "rb").read() != open(watched, "rb").read():
            fail("the watch beside the faults differs from run's output")

        got = read_to_end(sleeper)
        log = serve_log()
        if "a subscriber too slow" not in log or "over the bound of 8192" not in log:
            fail("the subscriber that never read was not disconnected: " + log)
        if len(got) >= os.path.getsize(watched):
            fail("the subscriber that never read got everything")
        if "ended 11 bytes into a message: they are dropped" not in log:
            fail("the half frame was not reported: " + log)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if proc.returncode != 0:
        fail(f"serve exited {proc.returncode} on SIGTERM")
    print(f"ok: a held-back gateway sent {held} records, each acknowledged")


main()
