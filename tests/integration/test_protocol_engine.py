"""The protocol engine under hostile traffic: state of exited processes given
back, and messages that never end costing linear time."""

import os
import re
import socket
import subprocess
import sys
import time
import unittest

from tracer import Tracer, require_root, select

require_root()

# Opens N connections to a listener that never accepts, sends each a
# POST whose header block never ends (8 KiB), and exits without close().
HALF_OPEN_CLIENT = r"""
import json, os, resource, socket, sys
port, count, comm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open("/proc/self/comm", "w") as f:
    f.write(comm)
resource.setrlimit(resource.RLIMIT_NOFILE, (count + 64, count + 64))
head = b"POST /upload HTTP/1.1\r\nHost: x\r\nX-Pad: "
head += b"a" * (8192 - len(head))
socks = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    socks.append(s)
print(json.dumps({"pid": os.getpid(), "sent": len(head)}), flush=True)
os._exit(0)
"""

# One byte per send() on one connection, after a first line that sets the
# protocol: the tracer sees one data event per byte.
DRIP_CLIENT = r"""
import json, os, socket, sys, time
port, kind, count, comm = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open("/proc/self/comm", "w") as f:
    f.write(comm)
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
start = {"plain": b"hello there, just bytes\n",
         "http": b"GET / HTTP/1.1\r\nX-Never-Ends: ",
         "redis": b"*1000000\r\n"}[kind]
body = {"plain": b"z", "http": b"a", "redis": b"$1\r\nv\r\n"}[kind]
s.sendall(start)
sent = len(start)
begin = time.monotonic()
for i in range(count):
    b = body[i % len(body):i % len(body) + 1]
    s.send(b)
    sent += 1
    if i % 100 == 99:  # 15,000 a second, as the review's drip
        ahead = begin + (i + 1) / 15000 - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
print(json.dumps({"pid": os.getpid(), "sent": sent}), flush=True)
time.sleep(0.5)
s.close()
"""


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ExitedProcesses(unittest.TestCase):
    def test_half_open_connections_of_exited_processes_free_their_state(self):
        """3 rounds of 3,000 connections whose process exits mid-request:
        each request is reported, partial and unanswered, at the exit; the
        state is given back (the 128 MiB bound would refuse connections of
        later rounds otherwise), and a later client is still decoded."""
        comm = "st-halfopen"
        rounds, count = 3, 3000
        with Tracer("-c", comm, "-c", "st-after") as tracer:
            for _ in range(rounds):
                listener = socket.socket()
                listener.bind(("127.0.0.1", 0))
                listener.listen(4096)
                port = listener.getsockname()[1]
                out = subprocess.run([sys.executable, "-c", HALF_OPEN_CLIENT, str(port),
                                      str(count), comm], capture_output=True, timeout=120,
                                     check=True)
                self.assertIn(b'"pid"', out.stdout, out.stderr)
                listener.close()
            time.sleep(1.5)
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            port = server.getsockname()[1]
            after = subprocess.Popen(
                [sys.executable, "-c",
                 "import socket,sys\n"
                 "open('/proc/self/comm','w').write('st-after')\n"
                 "s=socket.create_connection(('127.0.0.1',%d))\n"
                 "s.sendall(b'GET /after HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
                 "print(s.recv(100))\n" % port],
                stdout=subprocess.PIPE)
            conn, _ = server.accept()
            conn.recv(1000)
            conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            after.communicate(timeout=30)
            conn.close()
            server.close()
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        half = [e for e in select(events, event="exchange", comm=comm)]
        self.assertEqual(len(half), rounds * count, tracer.stderr)
        for e in half:
            self.assertTrue(e["request"]["partial"])
            self.assertEqual(e["request"]["method"], "POST")
            self.assertIsNone(e["response"])
            self.assertEqual(e["request_bytes"], 8192)
        closes = select(events, event="close", comm=comm)
        self.assertEqual(len(closes), rounds * count)
        self.assertTrue(all(c["process_exited"] for c in closes))
        later = select(events, event="exchange", comm="st-after")
        self.assertEqual(len(later), 1, later)
        self.assertEqual(later[0]["request"]["target"], "/after")
        self.assertEqual(later[0]["response"]["status"], 204)
        summary = "".join(tracer.stderr_lines)
        self.assertNotRegex(summary, r"connections not decoded for memory [1-9]")


class Drip(unittest.TestCase):
    """A message that never ends, one byte per event, against the same
    number of events of bytes no protocol claims: what parsing adds must
    stay a fraction of what printing the events costs."""

    COUNT = 60000

    def drip_cpu(self, kind):
        comm = "st-drip-" + kind
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with Tracer("-c", comm, "--exchanges-only") as tracer:
            client = subprocess.Popen([sys.executable, "-c", DRIP_CLIENT, str(port), kind,
                                       str(self.COUNT), comm],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            conn, _ = listener.accept()
            before = proc_cpu_seconds(tracer.proc.pid)
            received = 0
            conn.settimeout(30)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
            out, err = client.communicate(timeout=60)
            time.sleep(1.0)  # the tracer catches up
            used = proc_cpu_seconds(tracer.proc.pid) - before
            conn.close()
            listener.close()
            self.assertEqual(tracer.stop(), 0)
        summary, _ = tracer.summary()
        lost = int(re.search(r"lost samples (\d+)", summary).group(1))
        self.assertEqual(lost, 0, summary)
        data = int(re.search(r"data (\d+)\)", summary).group(1))
        self.assertGreaterEqual(data, self.COUNT)
        return used

    def test_never_ending_messages_cost_linear_time(self):
        plain = self.drip_cpu("plain")
        http = self.drip_cpu("http")
        redis = self.drip_cpu("redis")
        # The review measured 5.7 s (HTTP) and 4.4 s (Redis) against 0.17 s
        # of plain bytes: 26-34 times. Linear parsing is within a few times.
        bound = 3 * plain + 0.5
        sys.stderr.write("tracer CPU for %d events: plain %.2fs, http %.2fs, redis %.2fs\n"
                         % (self.COUNT, plain, http, redis))
        self.assertLess(http, bound, "http %.2fs, plain %.2fs" % (http, plain))
        self.assertLess(redis, bound, "redis %.2fs, plain %.2fs" % (redis, plain))


if __name__ == "__main__":
    unittest.main()
