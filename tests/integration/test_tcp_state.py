"""What the kernel's TCP state tells: a non-blocking connect's outcome, and
the peer of a socket accepted without an address."""

import socket
import unittest

from tracer import Tracer, require_root, run_python, select

require_root()

# Non-blocking connects: refused (nothing listens), accepted at once, and
# accepted only after the SYN is retransmitted (the listener's queue is
# full until the first connection is taken, about a second later).
NON_BLOCKING = r"""
import errno, json, os, select, socket, threading, time
def outcome(s, timeout=10):
    select.select([], [s], [], timeout)
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
closed = socket.socket(); closed.bind(("127.0.0.1", 0)); port = closed.getsockname()[1]
closed.close()
refused = socket.socket(); refused.setblocking(False)
assert refused.connect_ex(("127.0.0.1", port)) == errno.EINPROGRESS
refused_error = outcome(refused)
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(0)
quick = socket.socket(); quick.setblocking(False)
assert quick.connect_ex(srv.getsockname()) == errno.EINPROGRESS
quick_error = outcome(quick)
# the queue holds quick now: the next SYN is dropped until it is accepted
slow = socket.socket(); slow.setblocking(False)
start = time.monotonic()
assert slow.connect_ex(srv.getsockname()) == errno.EINPROGRESS
threading.Timer(0.3, lambda: srv.accept()).start()
slow_error = outcome(slow)
slow_took = time.monotonic() - start
print(json.dumps({"pid": os.getpid(), "refused": [refused.fileno(), refused_error],
                  "quick": [quick.fileno(), quick_error], "slow": [slow.fileno(), slow_error],
                  "slow_took": slow_took, "server_port": srv.getsockname()[1],
                  "closed_port": port}))
"""

# accept(fd, NULL, NULL), as libuv does: the peer is not returned.
NULL_ACCEPT = r"""
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
fd = libc.accept(srv.fileno(), None, None)
assert fd >= 0
os.write(fd, b"hello from a NULL accept")
cli.recv(100)
os.close(fd)
print(json.dumps({"pid": os.getpid(), "fd": fd, "peer": "%s:%d" % cli.getsockname()}))
cli.close()
"""


class NonBlockingConnectTest(unittest.TestCase):
    def test_outcomes_refused_at_once_and_after_a_retransmit(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(NON_BLOCKING)
            self.assertEqual(tracer.stop(), 0)
        events = select(tracer.events(), pid=pid)
        connected = {e["fd"]: e for e in select(events, event="connected")}
        refused_fd, refused_error = info["refused"]
        self.assertEqual(refused_error, 111)
        self.assertEqual((connected[refused_fd]["result"], connected[refused_fd]["error"]),
                         (-111, "ECONNREFUSED"))
        self.assertEqual(connected[refused_fd]["remote"], "127.0.0.1:%d" % info["closed_port"])
        for name in ("quick", "slow"):
            fd, error = info[name]
            self.assertEqual(error, 0)
            self.assertEqual(connected[fd]["result"], 0)
            self.assertEqual(connected[fd]["remote"], "127.0.0.1:%d" % info["server_port"])
        # The slow one was decided by the retransmitted SYN, after connect()
        # had returned: its duration is the wait the client saw.
        slow = connected[info["slow"][0]]
        self.assertGreater(slow["duration_ns"], 0.5e9)
        self.assertLess(slow["duration_ns"], info["slow_took"] * 1e9)
        self.assertLess(connected[info["quick"][0]]["duration_ns"], 0.5e9)
        # Each outcome follows its own connect line.
        for fd in connected:
            kinds = [e["event"] for e in events if e["fd"] == fd and
                     e["event"] in ("connect", "connected")]
            self.assertEqual(kinds, ["connect", "connected"])
            self.assertEqual(select(events, event="connect", fd=fd)[0]["error"], "EINPROGRESS")

    def test_blocking_connect_has_no_outcome_line(self):
        with Tracer() as tracer:
            pid, _ = run_python("import json, os, socket\n"
                                "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
                                "socket.create_connection(s.getsockname()).close()\n"
                                "print(json.dumps({}))\n")
            self.assertEqual(tracer.stop(), 0)
        events = select(tracer.events(), pid=pid)
        self.assertEqual(len(select(events, event="connect", result=0)), 1)
        self.assertEqual(select(events, event="connected"), [])


class NullAcceptTest(unittest.TestCase):
    def test_peer_known_from_the_kernel(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(NULL_ACCEPT)
            self.assertEqual(tracer.stop(), 0)
        events = select(tracer.events(), pid=pid, fd=info["fd"])
        (send,) = select(events, event="data", direction="send")
        self.assertEqual((send["remote"], send["data"]),
                         (info["peer"], "hello from a NULL accept"))
        (close,) = select(events, event="close")
        self.assertEqual((close["remote"], close["bytes_sent"]), (info["peer"], 24))


if __name__ == "__main__":
    unittest.main()
