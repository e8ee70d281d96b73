"""Lost samples: with the tracer stopped (SIGSTOP) while a peer keeps sending,
its perf buffer fills and the kernel drops samples. Every event is then
either printed or counted lost, and the live "lost N samples" lines add up
to the summary's total, also for losses reported within a second of an
earlier line."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from tracer import Tracer, require_root

require_root()

MESSAGE = 4096  # bytes, the default capture: one ~4.3 KB sample per send or recv
# A perf buffer (4 MiB) holds about 970 such samples; each round sends and
# receives BURST messages while the tracer is stopped, so most are lost.
BURST = 1500
TAIL = 20  # messages once the tracer is back: the kernel reports a loss at its next write

# One thread on one CPU, so that every event goes to one perf buffer, driven
# by lines on stdin: "open", "send N SECONDS" (N messages over a TCP
# connection, each read back with one recv, spread over SECONDS), "close".
# Answers each line with a JSON line; gives up after 60 s, so a hang ends
# the test instead of stalling it.
PEER = r"""
import json, os, signal, socket, sys, time
signal.alarm(60)
os.sched_setaffinity(0, {int(sys.argv[1])})
print(json.dumps({"pid": os.getpid()}), flush=True)
payload = b"m" * %d
for line in sys.stdin:
    words = line.split()
    if words[0] == "open":
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        cli = socket.create_connection(srv.getsockname())
        conn, _ = srv.accept()
    elif words[0] == "send":
        count, seconds = int(words[1]), float(words[2])
        start = time.monotonic()
        for i in range(count):
            assert cli.send(payload) == len(payload)
            assert len(conn.recv(len(payload), socket.MSG_WAITALL)) == len(payload)
            pause = start + seconds * (i + 1) / count - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    elif words[0] == "close":
        cli.close(); conn.close(); srv.close()
    print(json.dumps({"done": words[0]}), flush=True)
""" % MESSAGE

LIVE_LINE = re.compile(
    r"^socket-tracer: lost (\d+) samples on CPU (\d+) \(perf buffer full; (\d+) so far\)$", re.M)
EXIT_CPU_LINE = re.compile(r"^socket-tracer: lost (\d+) samples on CPU (\d+)$", re.M)


class Peer:
    """The PEER script in the background, pinned to one CPU."""

    def __init__(self, cpu):
        self.proc = subprocess.Popen([sys.executable, "-c", PEER, str(cpu)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.pid = json.loads(self.proc.stdout.readline())["pid"]

    def do(self, command):
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise AssertionError("peer died on %r" % command)
        return json.loads(answer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def wait_drained(tracer, timeout=10):
    """Waits until the tracer's output has not grown for 0.3 s."""
    deadline = time.monotonic() + timeout
    size = -1
    while time.monotonic() < deadline:
        now = len(tracer.stdout_so_far())
        if now == size:
            return
        size = now
        time.sleep(0.3)
    raise AssertionError("the tracer's output kept growing for %d s" % timeout)


def lose_a_burst(tracer, peer, seconds):
    """Stops the tracer while the peer sends BURST messages over `seconds`,
    lets it drain its buffer, then sends TAIL: the kernel reports the loss
    with the first sample after the reader is back."""
    tracer.proc.send_signal(signal.SIGSTOP)
    try:
        peer.do("send %d %g" % (BURST, seconds))
    finally:
        tracer.proc.send_signal(signal.SIGCONT)
    wait_drained(tracer)
    peer.do("send %d 0" % TAIL)


class StoppedTracer(unittest.TestCase):
    def test_live_losses_add_up_to_the_summary(self):
        cpu = min(os.sched_getaffinity(0))
        with Peer(cpu) as peer, Tracer("-p", str(peer.pid)) as tracer:
            peer.do("open")
            # Stopped for 2 s while the peer sends; the loss is printed as
            # soon as the kernel reports it.
            lose_a_burst(tracer, peer, 2)
            # At once again: this loss arrives within a second of the first
            # line, so it waits for that second, and must then be printed
            # with no lost record after it.
            lose_a_burst(tracer, peer, 0)
            peer.do("close")
            time.sleep(1.5)  # past the once-a-second limit of the live lines
            self.assertEqual(tracer.stop(), 0)

        summary, _ = tracer.summary()
        lost, malformed, refused = map(int, re.search(
            r"lost samples (\d+), malformed samples (\d+), refused samples (\d+)",
            summary).groups())
        self.assertEqual((malformed, refused), (0, 0), summary)
        self.assertGreater(lost, 0, tracer.stderr)

        live = [(int(n), int(c), int(so_far)) for n, c, so_far in LIVE_LINE.findall(tracer.stderr)]
        self.assertEqual(sum(n for n, _, _ in live), lost, tracer.stderr)
        self.assertEqual({c for _, c, _ in live}, {cpu}, tracer.stderr)
        self.assertEqual(live[-1][2], lost, tracer.stderr)
        # At exit the per-CPU lines are the kernel's records and add up to
        # the total: nothing was left that only the BPF program counted.
        by_cpu = [(int(n), int(c)) for n, c in EXIT_CPU_LINE.findall(tracer.stderr)]
        self.assertEqual(by_cpu, [(lost, cpu)], tracer.stderr)
        self.assertNotIn("had not reported", tracer.stderr)

        data = [e for e in tracer.events() if e["event"] == "data" and e["pid"] == peer.pid]
        self.assertEqual(len(data) + lost, 2 * (2 * BURST + 2 * TAIL), tracer.stderr)
        self.assertTrue(all(e["bytes"] == MESSAGE for e in data))


if __name__ == "__main__":
    unittest.main()
