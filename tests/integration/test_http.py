"""HTTP/1.x through the real binary: framing that survives size, exact
sizes, early final responses, masked credentials, and a linear cost for a
header block that arrives a byte at a time.

Each scenario's peer is one Python process (a server thread and a client)
that waits for "go" on stdin, so the tracer can follow that pid alone (-p):
other tests tracing at the same time cannot get into the assertions."""

import json
import os
import glob
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from peers import HttpServer, NginxServer
from tracer import Tracer, require_root, select

require_root()

# The peer: a listening socket, then (after "go") the scenario in argv[1]:
#   chunked  GET /big (200,000 B chunked: size lines split across writes,
#            chunks of 1 B to 64 KiB, a trailer), then GET /s1 and GET /s2
#            on the same keep-alive connection;
#   close    an HTTP/1.0 response of 44 B of headers and 5,000 B of body
#            in one write, framed by closing;
#   drip N   a request of N bytes: its request line in one send(), then each
#            byte of its header block in a send() of its own; then a 204.
# It prints what each side sent and received, byte for byte.
PEER = r"""
import json, os, socket, sys, threading

mode = sys.argv[1]
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print(json.dumps({"pid": os.getpid(), "port": listener.getsockname()[1]}), flush=True)
sys.stdin.readline()

BIG = 200000
SIZES = [1, 7, 4096, 65536, 3, 60000, 17, 0x1a3f]
SIZES.append(BIG - sum(SIZES))
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
TRAILER = b"0\r\nX-Trailer: done\r\n\r\n"
SMALL = {b"/s1": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
         b"/s2": b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Second: yes\r\n\r\nsecond body"}
CLOSE_HEAD = b"HTTP/1.0 200 OK\r\nServer: close-delimited\r\n\r\n"  # 44 B
CLOSE_BODY = b"c" * 5000

def chunked_writes():
    yield HEAD
    for i, size in enumerate(SIZES):
        line = b"%x\r\n" % size
        yield line[:1]          # a size line split across writes
        yield line[1:]
        yield bytes(97 + (i + k) % 26 for k in range(size))
        yield b"\r\n"
    yield TRAILER[:2]
    yield TRAILER[2:9]
    yield TRAILER[9:]

def read_head(conn, buf):
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    end = buf.index(b"\r\n\r\n") + 4
    return buf[:end], buf[end:]

def serve(out):
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while True:
        head, buf = read_head(conn, buf)
        if head is None:
            break
        path = head.split(b" ")[1]
        if mode == "chunked" and path == b"/big":
            sent = 0
            for piece in chunked_writes():
                conn.sendall(piece)
                sent += len(piece)
            out.append(sent)
        elif mode == "chunked":
            conn.sendall(SMALL[path])
            out.append(len(SMALL[path]))
        elif mode == "close":
            conn.sendall(CLOSE_HEAD + CLOSE_BODY)
            out.append(len(CLOSE_HEAD) + len(CLOSE_BODY))
            break
        else:
            answer = b"HTTP/1.1 204 No Content\r\n\r\n"
            conn.sendall(answer)
            out.append(len(answer))
    conn.close()

served = []
server = threading.Thread(target=serve, args=(served,))
server.start()
client = socket.create_connection(listener.getsockname())
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
result = {"fd": client.fileno(), "sent": [], "received": []}

def read_exactly(n):
    got = 0
    while got < n:
        data = client.recv(min(65536, n - got))
        if not data:
            break
        got += len(data)
    return got

if mode == "chunked":
    total = len(HEAD) + sum(len(b"%x\r\n" % s) + s + 2 for s in SIZES) + len(TRAILER)
    for path, size in ((b"/big", total), (b"/s1", len(SMALL[b"/s1"])),
                       (b"/s2", len(SMALL[b"/s2"]))):
        request = b"GET " + path + b" HTTP/1.1\r\nHost: chunk.test\r\n\r\n"
        client.sendall(request)
        result["sent"].append(len(request))
        result["received"].append(read_exactly(size))
elif mode == "close":
    request = b"GET /a HTTP/1.0\r\nHost: close.test\r\n\r\n"
    client.sendall(request)
    result["sent"].append(len(request))
    got = 0
    while True:
        data = client.recv(65536)
        if not data:
            break
        got += len(data)
    result["received"].append(got)
else:
    n = int(sys.argv[2])
    block = b"GET /drip-%d HTTP/1.1\r\nHost: drip.test\r\n" % n
    i = 0
    while len(block) < n - 2:
        line = b"X-Drip-%04d: " % i
        room = n - 2 - len(block) - len(line) - 2
        block += line + b"v" * max(0, min(48, room)) + b"\r\n"
        i += 1
    block += b"\r\n"
    # The request line whole (the tracer tells HTTP from one event's bytes),
    # then every other byte in a send() of its own.
    start = block.index(b"\r\n") + 2
    client.send(block[:start])
    for k in range(start, len(block)):
        client.send(block[k:k + 1])
    result["sent"].append(len(block))
    result["received"].append(read_exactly(len(b"HTTP/1.1 204 No Content\r\n\r\n")))
client.close()
server.join()
result["served"] = served
print(json.dumps(result), flush=True)
"""


class Peer:
    """The PEER script, waiting for go()."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, "-c", PEER] + [str(a) for a in args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        first = json.loads(self.proc.stdout.readline())
        self.pid, self.port = first["pid"], first["port"]

    def go(self, timeout=60):
        out, err = self.proc.communicate(b"go\n", timeout=timeout)
        if self.proc.returncode != 0:
            raise AssertionError("peer failed: %s" % err.decode())
        return json.loads(out.decode().splitlines()[-1])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def exchanges(events, **fields):
    return select(events, event="exchange", **fields)


def cpu_ns(pid):
    """CPU time of every thread of pid so far, in ns (schedstat's first field)."""
    total = 0
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        with open(path) as f:
            total += int(f.read().split()[0])
    return total


class Framing(unittest.TestCase):
    def test_chunked_200k_then_two_small_on_one_connection(self):
        with Peer("chunked") as peer, Tracer("-p", str(peer.pid), "--exchanges-only") as tracer:
            result = peer.go()
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        self.assertEqual(result["received"], result["served"])  # the client got it all
        for role, fd in (("client", result["fd"]), ("server", None)):
            mine = [e for e in exchanges(events, pid=peer.pid, role=role)
                    if fd is None or e["fd"] == fd]
            self.assertEqual(len(mine), 3, mine)
            self.assertEqual([e["request"]["target"] for e in mine], ["/big", "/s1", "/s2"])
            self.assertEqual([e["response"]["status"] for e in mine], [200, 200, 200])
            self.assertEqual([e["response_bytes"] for e in mine], result["received"])
            self.assertEqual([e["request_bytes"] for e in mine], result["sent"])
            self.assertTrue(mine[0]["response"]["chunked"])
            self.assertTrue(mine[0]["response"]["body"].startswith("a" + "bcdefgh" + "cdefg"))
            self.assertEqual(mine[2]["response"]["body"], "second body")
            self.assertEqual(mine[2]["response"]["headers"],
                             [["Content-Length", "11"], ["X-Second", "yes"]])
        # The server writes each size line, chunk and CRLF apart: the parser
        # frames every chunk (the client's 64 KiB reads are captured 4 KiB
        # each, so its side may lose the framing: then partial, still exact).
        served = exchanges(events, pid=peer.pid, role="server")
        self.assertNotIn("partial", served[0]["response"])

    def test_close_delimited_response_sized_exactly(self):
        with Peer("close") as peer, Tracer("-p", str(peer.pid), "--exchanges-only") as tracer:
            result = peer.go()
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(result["received"], [5044])
        (client,) = exchanges(tracer.events(), pid=peer.pid, role="client")
        self.assertEqual(client["request"]["target"], "/a")
        self.assertEqual(client["response"]["status"], 200)
        self.assertEqual(client["response"]["content_length"], -1)
        self.assertEqual(client["request_bytes"], result["sent"][0])
        self.assertEqual(client["response_bytes"], 5044)


@unittest.skipUnless(shutil.which("nginx") and shutil.which("curl"), "needs nginx and curl")
class EarlyResponse(unittest.TestCase):
    def test_nginx_405_before_the_body_pairs_with_its_post(self):
        body = os.path.join(tempfile.mkdtemp(prefix="st-body-"), "big")
        with open(body, "wb") as f:
            f.write(b"p" * (4 << 20))
        try:
            with NginxServer() as server, Tracer("-c", "curl", "-c", "nginx") as tracer:
                out = subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-H", "Expect:", "--data-binary",
                     "@" + body, "-w", "%{http_code} %{size_request} %{size_upload} "
                     "%{size_header} %{size_download}",
                     "http://127.0.0.1:%d/index.html" % server.port],
                    capture_output=True, timeout=60, check=True).stdout.decode()
                self.assertEqual(tracer.stop(), 0)
        finally:
            shutil.rmtree(os.path.dirname(body), ignore_errors=True)
        code, size_request, size_upload, size_header, size_download = map(int, out.split())
        self.assertEqual(code, 405)
        # curl stops uploading when the 405 comes (or sends none of it).
        self.assertLess(size_upload, 4 << 20)
        events = tracer.events()
        remote = "127.0.0.1:%d" % server.port
        (mine,) = [e for e in exchanges(events, comm="curl") if e["remote"] == remote]
        self.assertEqual(mine["request"]["method"], "POST")
        self.assertEqual(mine["request"]["content_length"], 4 << 20)
        self.assertEqual(mine["response"]["status"], 405)
        self.assertEqual(mine["response_bytes"], size_header + size_download)
        self.assertEqual(mine["request_bytes"], size_request + size_upload)
        # nginx's side: it answered after the head, before the body was in.
        conn = [e for e in events if e["comm"] == "nginx" and e["event"] == "data"
                and e["direction"] == "send" and e["bytes"] == size_header + size_download]
        self.assertEqual(len(conn), 1, conn)
        nginx = [e for e in events if e["comm"] == "nginx" and e.get("conn") == conn[0]["conn"]]
        (served,) = exchanges(nginx)
        (close,) = select(nginx, event="close")
        self.assertEqual(served["request"]["method"], "POST")
        self.assertEqual(served["response"]["status"], 405)
        self.assertEqual(served["request_bytes"], close["bytes_recv"])
        self.assertEqual(served["response_bytes"], close["bytes_sent"])
        # When nginx sent the 405, the request had not all arrived.
        before = sum(e["bytes"] for e in select(nginx, event="data", direction="recv")
                     if e["ts_ns"] < conn[0]["ts_ns"])
        self.assertGreaterEqual(before, size_request)
        self.assertLess(before, size_request + (4 << 20))


class Secrets(unittest.TestCase):
    # base64("user:secretpw"), and a cookie value
    AUTH = "dXNlcjpzZWNyZXRwdw=="
    COOKIE = "sid=s3cr3t-cookie"

    def run_curl(self, *options):
        with HttpServer() as server, Tracer("-c", "curl", *options) as tracer:
            subprocess.run(["curl", "-s", "-o", "/dev/null", "-u", "user:secretpw", "-b",
                            self.COOKIE, "http://127.0.0.1:%d/auth" % server.port],
                           check=True, timeout=30)
            self.assertEqual(tracer.stop(), 0)
        events = [e for e in tracer.events() if e.get("remote") == "127.0.0.1:%d" % server.port]
        (exchange,) = exchanges(events)
        sends = select(events, event="data", direction="send")
        return tracer.stdout_text.decode(), exchange, "".join(e.get("data", "") for e in sends)

    def test_authorization_and_cookie_masked_by_default(self):
        text, exchange, sent = self.run_curl()
        headers = dict(exchange["request"]["headers"])
        self.assertEqual(headers["Authorization"], "***")
        self.assertEqual(headers["Cookie"], "***")
        self.assertEqual(headers["Host"], exchange["request"]["host"])
        self.assertIn("Authorization: " + "*" * len("Basic " + self.AUTH) + "\r\n", sent)
        self.assertIn("Cookie: " + "*" * len(self.COOKIE) + "\r\n", sent)
        self.assertNotIn(self.AUTH, text)
        self.assertNotIn("s3cr3t", text)

    def test_show_secrets_shows_them(self):
        text, exchange, sent = self.run_curl("--show-secrets")
        headers = dict(exchange["request"]["headers"])
        self.assertEqual(headers["Authorization"], "Basic " + self.AUTH)
        self.assertEqual(headers["Cookie"], self.COOKIE)
        self.assertIn("Authorization: Basic " + self.AUTH + "\r\n", sent)
        self.assertIn("Cookie: " + self.COOKIE + "\r\n", sent)


class DripCost(unittest.TestCase):
    """A header block written one byte per send(): the tracer's CPU grows
    with the bytes, not with their square. Measured as the tracer's CPU time
    (all threads, /proc/PID/task/*/schedstat) from "go" until the exchange is
    printed, for N and 4N bytes: linear work gives about 4x; the bound is 8x
    (generous for scheduling noise). Re-parsing the block from its start on
    each event, as before, made it 4x the events times 4x the bytes each."""

    def drip(self, n):
        with Peer("drip", n) as peer, Tracer("-p", str(peer.pid), "--exchanges-only") as tracer:
            before = cpu_ns(tracer.proc.pid)
            started = time.monotonic()
            result = peer.go(timeout=120)
            target = b'"target":"/drip-%d"' % n
            deadline = time.monotonic() + 30
            while target not in tracer.stdout_so_far() and time.monotonic() < deadline:
                time.sleep(0.01)
            used = cpu_ns(tracer.proc.pid) - before
            elapsed = time.monotonic() - started
            self.assertEqual(tracer.stop(), 0)
            lost = [l for l in tracer.stderr_lines if "lost" in l]
        mine = exchanges(tracer.events(), pid=peer.pid, role="client")
        self.assertEqual(len(mine), 1, mine)
        self.assertEqual(mine[0]["request_bytes"], n)
        self.assertEqual(mine[0]["request"]["host"], "drip.test")
        self.assertEqual(mine[0]["response"]["status"], 204)
        return used, elapsed, lost

    def test_one_byte_writes_cost_linear_time(self):
        n = 8192
        small, small_s, _ = self.drip(n)
        large, large_s, lost = self.drip(4 * n)
        sys.stderr.write("\ndrip: %d B: %.1f ms tracer CPU (%.2f s); %d B: %.1f ms (%.2f s); "
                         "ratio %.2f\n" % (n, small / 1e6, small_s, 4 * n, large / 1e6, large_s,
                                           large / small))
        self.assertLess(large / small, 8.0)


if __name__ == "__main__":
    unittest.main()
