"""Hostile load on the tracer's tables: 70,000 sockets across processes
(more than the 65,536 the socket table holds) and 17,000 threads blocked
in traced syscalls. Nothing is silent: every socket that moved a byte is
either closed with its exact totals or counted by cause, and a connection
made meanwhile is traced byte for byte."""

import json
import re
import socket
import subprocess
import sys
import time
import unittest

from tracer import Tracer, require_root, run_python, select

require_root()

PROCESSES = 4
PAIRS = 8750  # per process: 17,500 fds, under the 20,000 hard limit

# Creates all its socketpairs first, then moves one byte through each,
# paced, and exits holding every socket (the kernel closes them).
FLOOD = r"""
import json, os, resource, socket, sys, time
pairs = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
made = [socket.socketpair() for _ in range(pairs)]
print(json.dumps({"pid": os.getpid()}), flush=True)
sys.stdin.readline()  # all processes have made theirs
for i, (a, b) in enumerate(made):
    a.send(b"x"); b.recv(1)
    if i % 200 == 199:
        time.sleep(0.05)
print(json.dumps({"done": True}), flush=True)
os._exit(0)
"""

# 17,000 threads blocked in recv(), then released.
BLOCKED_THREADS = r"""
import json, os, socket, sys, threading
threading.stack_size(64 * 1024)
count = int(sys.argv[1])
pairs = [socket.socketpair() for _ in range(count // 1000)]
def wait(sock):
    sock.recv(1)
threads = []
for i in range(count):
    t = threading.Thread(target=wait, args=(pairs[i % len(pairs)][1],))
    t.start()
    threads.append(t)
print(json.dumps({"pid": os.getpid(), "threads": len(threads)}), flush=True)
sys.stdin.readline()
for a, b in pairs:
    a.send(b"r" * (count // len(pairs)))
for t in threads:
    t.join()
print(json.dumps({"done": True}), flush=True)
"""

PROBE = r"""
import json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"probe-request " * 100)
got = b""
while len(got) < 1400:
    got += conn.recv(4096)
conn.sendall(b"probe-reply")
cli.recv(100)
print(json.dumps({"pid": os.getpid(), "fd": cli.fileno()}))
cli.close(); conn.close()
"""


def probe_exact(test, events, pid, fd):
    mine = select(events, pid=pid, fd=fd)
    sends = select(mine, event="data", direction="send")
    test.assertEqual(sum(e["bytes"] for e in sends), 1400)
    for e in sends:
        test.assertEqual(e["data"], ("probe-request " * 100)[e["pos"]:e["pos"] + e["captured"]])
    (close,) = select(mine, event="close")
    test.assertEqual((close["bytes_sent"], close["bytes_recv"]), (1400, 11))


class SocketFloodTest(unittest.TestCase):
    def test_seventy_thousand_sockets_nothing_silent(self):
        with Tracer("-c", "python3", "--data-size", "16", ready_timeout=120) as tracer:
            flood = [subprocess.Popen([sys.executable, "-c", FLOOD, str(PAIRS)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                     for _ in range(PROCESSES)]
            pids = [json.loads(p.stdout.readline())["pid"] for p in flood]
            for p in flood:
                p.stdin.write(b"go\n")
                p.stdin.flush()
            probe_pid, (probe,) = run_python(PROBE)
            for p in flood:
                self.assertEqual(json.loads(p.stdout.readline()), {"done": True})
                p.wait(timeout=120)
                p.stdin.close()
                p.stdout.close()
            self.assertEqual(tracer.stop(settle=2.0, timeout=120), 0)
        events = tracer.events()
        summary, rest = tracer.summary()
        lost = int(re.search(r"lost samples (\d+)", summary).group(1))
        probe_exact(self, events, probe_pid, probe["fd"])

        # Every flood socket moved one byte. Each is closed at its process's
        # exit with exactly that byte, or counted: evicted before its close,
        # or its events lost.
        capacity = "".join(l for l in rest if "table full" in l)

        def counted(what):
            found = re.search(r"(\d+) %s" % what, capacity)
            return int(found.group(1)) if found else 0
        untotalled = counted("closes at exit not reported")
        stateless = counted("events without connection state")
        closes = [e for e in events if e["event"] == "close" and e["pid"] in pids]
        self.assertTrue(all(e["process_exited"] for e in closes))
        wrong = [e for e in closes if (e["bytes_sent"], e["bytes_recv"]) not in ((1, 0), (0, 1))]
        self.assertEqual(wrong, [])
        # Each socket's one data event either found room in the connection
        # table or was counted; each with room is closed or counted.
        accounted = len(closes) + untotalled + stateless
        if lost:
            self.assertGreaterEqual(accounted + lost, PROCESSES * PAIRS * 2, capacity)
        else:
            self.assertEqual(accounted, PROCESSES * PAIRS * 2, capacity)


class BlockedThreadsTest(unittest.TestCase):
    def test_seventeen_thousand_blocked_threads_blind_nothing(self):
        with Tracer("-c", "python3", ready_timeout=120) as tracer:
            blocked = subprocess.Popen([sys.executable, "-c", BLOCKED_THREADS, "17000"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            try:
                started = json.loads(blocked.stdout.readline())
                self.assertEqual(started["threads"], 17000)
                probe_pid, (probe,) = run_python(PROBE)
                blocked.stdin.write(b"go\n")
                blocked.stdin.flush()
                self.assertEqual(json.loads(blocked.stdout.readline()), {"done": True})
            finally:
                blocked.kill()
                blocked.wait()
                blocked.stdin.close()
                blocked.stdout.close()
            self.assertEqual(tracer.stop(), 0)
        probe_exact(self, tracer.events(), probe_pid, probe["fd"])
        # The released threads' receives are all there.
        recvs = select(tracer.events(), pid=started["pid"], event="data", direction="recv")
        self.assertEqual(sum(e["bytes"] for e in recvs), 17000)
        self.assertIn("lost samples 0", tracer.summary()[0])


if __name__ == "__main__":
    unittest.main()
