"""--ring-buffer: one BPF ring buffer instead of the per-CPU perf buffers.
The same events, byte for byte; events a full ring refused are reported as lost samples."""

import base64
import os
import re
import subprocess
import tempfile
import time
import unittest

from tracer import BINARY, Tracer, free_port, require_root, run_python, select

require_root()

REQUEST = bytes(range(256)) * 12  # 3072 B, every byte value, under the 4096 B capture
REPLY = bytes((i * 7 + 3) & 0xff for i in range(10000))  # over it: truncated captures
SMALL_MESSAGES = 500  # well over the 64 events per CPU that wake the reader

# A TCP request/response of known bytes, then many small messages on a
# socketpair; reports its fds and ports.
EXCHANGE = r"""
import json, os, socket, sys
request = bytes(range(256)) * 12
reply = bytes((i * 7 + 3) & 0xff for i in range(10000))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(request)
got = b""
while len(got) < len(request):
    got += conn.recv(65536)
conn.sendall(reply)
back = b""
while len(back) < len(reply):
    back += cli.recv(65536)
assert (got, back) == (request, reply)
a, b = socket.socketpair()
for i in range(int(sys.argv[1])):
    a.send(b"msg%04d" % i)
    b.recv(7)
print(json.dumps({"pid": os.getpid(), "client_fd": cli.fileno(), "server_fd": conn.fileno(),
                  "port": srv.getsockname()[1], "client_port": cli.getsockname()[1],
                  "a": a.fileno(), "b": b.fileno()}))
cli.close(); conn.close(); a.close(); b.close()
"""

# One connection over IPv4 and one over IPv6 (port in argv), closed at once.
CONNECT_BOTH_FAMILIES = r"""
import json, os, socket, sys
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    srv = socket.socket(family); srv.bind((host, 0)); srv.listen(1)
    c = socket.create_connection(srv.getsockname()[:2]); a, _ = srv.accept()
    c.close(); a.close(); srv.close()
print(json.dumps({"pid": os.getpid()}))
"""

# Sends `count` writes of 4096 B, `pause` seconds apart; the other end
# reads them all.
TRICKLE = r"""
import json, os, socket, sys, threading, time
count, pause = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname()); conn, _ = srv.accept()
def drain():
    got = 0
    while got < count * 4096:
        got += len(conn.recv(1 << 20))
t = threading.Thread(target=drain); t.start()
for _ in range(count):
    cli.sendall(os.urandom(4096))
    time.sleep(pause)
t.join()
print(json.dumps({"pid": os.getpid(), "client_fd": cli.fileno()}))
cli.close(); conn.close()
"""


def payload(event):
    return base64.b64decode(event["data_b64"])


def summary_counts(tracer):
    summary, _ = tracer.summary()
    match = re.search(r"lost samples (\d+), malformed samples (\d+), refused samples (\d+)",
                      summary)
    return tuple(int(n) for n in match.groups())


def online_cpus():
    count = 0
    with open("/sys/devices/system/cpu/online") as f:
        for part in f.read().strip().split(","):
            first, _, last = part.partition("-")
            count += int(last or first) - int(first) + 1
    return count


def dumped_program():
    return subprocess.run([BINARY, "--dump-bpf"], capture_output=True, check=True).stdout.decode()


class RingBufferData(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tracer = Tracer("--ring-buffer", "--json-b64", "-v", "-c", "python3")
        cls.pid, (cls.info,) = run_python(EXCHANGE, SMALL_MESSAGES)
        cls.exit_code = cls.tracer.stop(settle=1.0)
        cls.events = [e for e in cls.tracer.events() if e["pid"] == cls.pid]

    def data(self, fd, direction):
        return select(self.events, event="data", fd=fd, direction=direction)

    def test_compiled_for_a_ring_buffer_as_large_as_the_perf_buffers(self):
        stderr = self.tracer.stderr
        self.assertIn("BPF compile flag: -DST_RING_BUFFER\n", stderr)
        pages = int(re.search(r"BPF compile flag: -DST_RING_PAGES=(\d+)\n", stderr).group(1))
        self.assertEqual(pages & (pages - 1), 0, pages)  # a power of two
        self.assertGreaterEqual(pages, 1024 * online_cpus())
        self.assertLess(pages, 2 * 1024 * online_cpus())
        self.assertRegex(stderr, r"\nReading the ring buffer: \d+ probes attached")
        self.assertNotIn("Reading perf buffers", stderr)

    def test_clean_exit_nothing_lost(self):
        self.assertEqual(self.exit_code, 0)
        self.assertEqual(summary_counts(self.tracer), (0, 0, 0))

    def test_connect_and_accept(self):
        (connect,) = select(self.events, event="connect")
        self.assertEqual((connect["fd"], connect["family"], connect["transport"], connect["role"],
                          connect["remote"], connect["result"]),
                         (self.info["client_fd"], "inet", "tcp", "client",
                          "127.0.0.1:%d" % self.info["port"], 0))
        (accept,) = select(self.events, event="accept")
        self.assertEqual((accept["fd"], accept["family"], accept["transport"], accept["role"],
                          accept["remote"], accept["result"]),
                         (self.info["server_fd"], "inet", "tcp", "server",
                          "127.0.0.1:%d" % self.info["client_port"], self.info["server_fd"]))

    def check_stream(self, events, expected, syscall, role, remote):
        """Events of one direction carry `expected`: contiguous, each capture
        the stream's bytes at its position."""
        self.assertTrue(events)
        pos = 0
        for e in events:
            self.assertEqual((e["syscall"], e["role"], e["remote"], e["transport"]),
                             (syscall, role, remote, "tcp"), e)
            self.assertEqual((e["pos"], e["gap_bytes"]), (pos, 0), e)
            self.assertEqual(e["captured"], min(e["bytes"], 4096), e)
            self.assertEqual(e["truncated"], e["bytes"] > 4096, e)
            self.assertEqual(payload(e), expected[pos:pos + e["captured"]], e)
            pos += e["bytes"]
        self.assertEqual(pos, len(expected))

    def test_request_bytes_on_both_ends(self):
        server = "127.0.0.1:%d" % self.info["port"]
        client = "127.0.0.1:%d" % self.info["client_port"]
        self.check_stream(self.data(self.info["client_fd"], "send"), REQUEST, "sendto",
                          "client", server)
        self.check_stream(self.data(self.info["server_fd"], "recv"), REQUEST, "recvfrom",
                          "server", client)

    def test_reply_bytes_on_both_ends_truncated_at_the_capture_size(self):
        server = "127.0.0.1:%d" % self.info["port"]
        client = "127.0.0.1:%d" % self.info["client_port"]
        sent = self.data(self.info["server_fd"], "send")
        self.check_stream(sent, REPLY, "sendto", "server", client)
        self.assertTrue(any(e["truncated"] for e in sent))
        self.check_stream(self.data(self.info["client_fd"], "recv"), REPLY, "recvfrom",
                          "client", server)

    def test_many_small_events_complete_and_in_order(self):
        expected = [b"msg%04d" % i for i in range(SMALL_MESSAGES)]
        for fd, direction in ((self.info["a"], "send"), (self.info["b"], "recv")):
            events = self.data(fd, direction)
            self.assertEqual([payload(e) for e in events], expected)
            self.assertEqual([e["pos"] for e in events], [7 * i for i in range(SMALL_MESSAGES)])
            self.assertTrue(all(e["transport"] == "unix-stream" and e["gap_bytes"] == 0
                                for e in events))

    def test_close_counts(self):
        closes = {e["fd"]: (e["bytes_sent"], e["bytes_recv"])
                  for e in select(self.events, event="close")}
        self.assertEqual(closes[self.info["client_fd"]], (len(REQUEST), len(REPLY)))
        self.assertEqual(closes[self.info["server_fd"]], (len(REPLY), len(REQUEST)))
        self.assertEqual(closes[self.info["a"]], (7 * SMALL_MESSAGES, 0))
        self.assertEqual(closes[self.info["b"]], (0, 7 * SMALL_MESSAGES))


class RingBufferOptions(unittest.TestCase):
    def test_no_data_events_arrive_within_the_poll_timeout(self):
        # A few events wake nobody: the reader's 100 ms timeout drains them.
        with Tracer("--ring-buffer", "--no-data", "-c", "python3") as tracer:
            pid, _ = run_python(CONNECT_BOTH_FAMILIES)
            deadline = time.monotonic() + 2
            while b'"pid":%d' % pid not in tracer.stdout_so_far() and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn(b'"pid":%d' % pid, tracer.stdout_so_far())
            self.assertEqual(tracer.stop(), 0)
        mine = [e for e in tracer.events() if e["pid"] == pid]
        self.assertEqual(sorted((e["event"], e["family"]) for e in mine),
                         sorted([("connect", "inet"), ("accept", "inet"), ("close", "inet"),
                                 ("close", "inet"), ("connect", "inet6"), ("accept", "inet6"),
                                 ("close", "inet6"), ("close", "inet6")]))
        self.assertEqual(summary_counts(tracer), (0, 0, 0))

    def test_edited_bpf_file(self):
        source = dumped_program().replace("return family == AF_INET ||",
                                          "return family == AF_INET6 ||")
        with tempfile.NamedTemporaryFile("w", suffix=".bpf.c", delete=False) as f:
            f.write(source)
        try:
            with Tracer("--ring-buffer", "--bpf", f.name, "--no-data", "-c", "python3") as tracer:
                pid, _ = run_python(CONNECT_BOTH_FAMILIES)
                self.assertEqual(tracer.stop(), 0)
        finally:
            os.unlink(f.name)
        # The edit stops IPv4 tracing; IPv6 still arrives through the ring.
        families = {e["family"] for e in tracer.events() if e["pid"] == pid}
        self.assertEqual(families, {"inet6"})

    def test_program_without_a_ring_buffer_is_refused(self):
        # A program from before --ring-buffer: events is a perf event array.
        source = dumped_program().replace("#ifdef ST_RING_BUFFER", "#ifdef ST_NOT_DEFINED")
        with tempfile.NamedTemporaryFile("w", suffix=".bpf.c", delete=False) as f:
            f.write(source)
        try:
            result = subprocess.run([BINARY, "--ring-buffer", "--bpf", f.name, "--no-data",
                                     "-d", "5"], capture_output=True, timeout=60)
        finally:
            os.unlink(f.name)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"socket-tracer: failed to open the ring buffer: Invalid argument",
                      result.stderr)
        self.assertNotIn(b"Reading", result.stderr)


class RingBufferFull(unittest.TestCase):
    def test_events_without_room_are_lost_and_show_as_gaps(self):
        # A 2-page ring holds one data event until the reader drains it, on
        # its 100 ms timeout: most of the 200 writes over ~1 s are refused.
        with Tracer("--ring-buffer", "-D", "ST_RING_PAGES=2", "-c", "python3") as tracer:
            pid, (info,) = run_python(TRICKLE, 200, 0.005)
            time.sleep(1.2)  # the loss is checked once a second while tracing
            self.assertEqual(tracer.stop(), 0)
        lost, malformed, refused = summary_counts(tracer)
        live = [int(n) for n in re.findall(
            r"^socket-tracer: lost \d+ samples \(ring buffer full; (\d+) so far\)$",
            tracer.stderr, re.M)]
        self.assertTrue(live, tracer.stderr)
        self.assertEqual(live, sorted(live))
        self.assertLessEqual(live[-1], lost)
        # A full ring sends no lost records: the BPF program counts each
        # event the ring had no room for, and the summary reports them lost.
        self.assertEqual((malformed, refused), (0, 0))
        sent = select(tracer.events(), event="data", pid=pid, fd=info["client_fd"],
                      direction="send")
        self.assertGreater(len(sent), 1)
        self.assertGreaterEqual(lost, 200 - len(sent))
        expected_pos = 0
        for e in sent:
            # Whole captures: a gap here is refused events, and is reported.
            self.assertEqual((e["bytes"], e["captured"]), (4096, 4096), e)
            self.assertEqual(e["gap_bytes"], e["pos"] - expected_pos, e)
            # No event told of those bytes: all of the gap is lost.
            self.assertEqual(e.get("gap_lost", 0), e["gap_bytes"], e)
            expected_pos = e["pos"] + 4096
        self.assertLess(len(sent), 200)
        self.assertTrue(any(e["gap_bytes"] for e in sent))


if __name__ == "__main__":
    unittest.main()
