"""Human output as a person sees it: columns that fit 120 characters, colour
only on a terminal, UTF-8 on a UTF-8 locale, process names, loss told from
truncation, and the startup and quiet modes. Real clients and servers, the
real binary."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from tracer import BINARY, Tracer, free_port, require_root, select

require_root()

# A server that answers each connection with its request's length, and a
# client that sends what it is given (hex; in two halves if asked) on a
# thread named THREAD, from a process whose main thread keeps the name
# python3.
PEERS = r"""
import ctypes, json, socket, sys, threading
port, payload, thread_name = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3]
pieces = [payload[:len(payload) // 2], payload[len(payload) // 2:]] if sys.argv[4] == "split" \
    else [payload]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(1)
def serve():
    conn, _ = srv.accept()
    data = b""
    while len(data) < len(payload):
        data += conn.recv(65536)
    conn.sendall(b"%d\n" % len(data)); conn.close()
server = threading.Thread(target=serve); server.start()
result = {}
def client():
    ctypes.CDLL(None).prctl(15, thread_name.encode(), 0, 0, 0)  # PR_SET_NAME
    c = socket.create_connection(("127.0.0.1", port))
    result.update(tid=threading.get_native_id(), fd=c.fileno())
    for piece in pieces:
        c.sendall(piece)
    result["answer"] = c.recv(100).decode().strip()
    c.close()
worker = threading.Thread(target=client); worker.start(); worker.join(); server.join()
print(json.dumps(result))
"""

HEADER_TITLES = ["TIME", "PID", "COMM", "FD", "EVENT", "ROLE", "REMOTE", "DETAIL"]
SGR = re.compile(r"\x1b\[[0-9;]*m")


def peers(payload, thread_name="st-worker", split=False):
    """Runs the peers once; returns their report."""
    proc = subprocess.run([sys.executable, "-c", PEERS, str(free_port()), payload.hex(),
                           thread_name, "split" if split else "whole"], capture_output=True,
                          timeout=30)
    if proc.returncode:
        raise AssertionError(proc.stderr.decode())
    return json.loads(proc.stdout)


def started(path):
    with open(path, "rb") as f:
        return b"Reading perf buffers" in f.read()


def traced_under_terminal(args, env_extra=None, payload=b"GET / HTTP/1.0\r\n\r\n"):
    """The tracer's stdout as a terminal shows it (under script(1))."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    # The duration counts from the attach; the traffic comes once the
    # startup line is out.
    command = " ".join([BINARY, "-c", "st-worker", "-d", "3"] + args)
    proc = subprocess.Popen(["script", "-qfec", command, out.name], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while not started(out.name):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError("the tracer under script did not start")
        time.sleep(0.1)
    peers(payload)
    proc.wait(timeout=30)
    with open(out.name, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    os.unlink(out.name)
    return text


class Columns(unittest.TestCase):
    def test_real_lines_fit_120_columns_in_their_columns(self):
        with Tracer("-c", "st-worker", "-c", "curl", json_output=False) as tracer:
            report = peers(b"x" * 3000)
            subprocess.run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:%d/" % free_port()],
                           timeout=30)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(report["answer"], "3000")
        lines = tracer.stdout_text.decode().splitlines()
        header = lines[0]
        self.assertEqual(header.split(), HEADER_TITLES)
        self.assertEqual(header.index("DETAIL"), 80)
        rows = lines[1:]
        kinds = {row[41:51].split()[0] for row in rows}
        self.assertLessEqual({"connect", "accept", "send", "recv", "close"}, kinds)
        for row in rows:
            self.assertLessEqual(len(row), 120, row)
            # Every value starts (left columns) or ends (PID, FD) where
            # its title does, with a space before DETAIL.
            self.assertRegex(row[:13], r"^\d\d:\d\d:\d\d\.\d{3} $")
            self.assertRegex(row[13:21], r"^ *\d+ $")
            self.assertRegex(row[37:41], r"^ *-?\d+ $")
            self.assertEqual(row[79], " ", row)
        worker = [r for r in rows if " st-worker " in r or " python3 " in r]
        # The thread's events show the process name and end with its tid.
        sends = [r for r in worker if " send " in r and "(tid %d)" % report["tid"] in r]
        self.assertTrue(sends, worker)
        self.assertTrue(all(r[21:37].strip() == "python3" for r in sends), sends)
        # The preview fills the line to 120 columns exactly.
        self.assertEqual(len(sends[0]), 120, sends[0])
        self.assertRegex(sends[0], r' sendto 3000B "x+"\.\.\. \(tid \d+\)$')


class ProcessNames(unittest.TestCase):
    def test_thread_events_carry_the_process_name(self):
        with Tracer("-c", "st-worker") as tracer:
            report = peers(b"hello")
            self.assertEqual(tracer.stop(), 0)
        mine = select(tracer.events(), tid=report["tid"])
        self.assertEqual({e["event"] for e in mine}, {"connect", "data", "close"})
        for e in mine:
            self.assertEqual((e["comm"], e["thread"]), ("python3", "st-worker"), e)
            self.assertNotEqual(e["pid"], e["tid"])


class Colour(unittest.TestCase):
    def test_colour_only_on_a_terminal_and_never_with_no_color(self):
        coloured = traced_under_terminal([])
        self.assertIn("\x1b[1mTIME", coloured)          # the bold header
        self.assertIn("\x1b[32msend\x1b[0m", coloured)   # sends green
        self.assertIn("\x1b[36mrecv\x1b[0m", coloured)   # receives cyan
        plain = SGR.sub("", coloured)
        self.assertRegex(plain, r" send +client +127\.0\.0\.1:\d+ +http sendto 18B ")
        self.assertNotRegex(traced_under_terminal([], {"NO_COLOR": "1"}), SGR)
        self.assertNotRegex(traced_under_terminal(["--color=never"]), SGR)

    def test_a_pipe_is_plain_unless_asked(self):
        for args, expect_colour in (([], False), (["--color=always"], True)):
            with Tracer("-c", "st-worker", *args, json_output=False) as tracer:
                peers(b"ping")
                self.assertEqual(tracer.stop(), 0)
            out = tracer.stdout_text.decode()
            self.assertIn(" send ", SGR.sub("", out))
            self.assertEqual(bool(SGR.search(out)), expect_colour, out)


class Utf8(unittest.TestCase):
    PAYLOAD = "{\"name\":\"Zoë\",\"city\":\"Köln\",\"x\":\"\u202eevil\"}".encode()

    def sent_detail(self, lang):
        with Tracer("-c", "st-worker", "--data-chars", "100", json_output=False,
                    env=dict(os.environ, LC_ALL=lang)) as tracer:
            report = peers(self.PAYLOAD)
            self.assertEqual(tracer.stop(), 0, tracer.stderr)
        lines = tracer.stdout_text.decode("utf-8").splitlines()
        sends = [l for l in lines if " send " in l and "(tid %d)" % report["tid"] in l]
        self.assertEqual(len(sends), 1, lines)
        return sends[0]

    def test_printable_utf8_as_itself_on_a_utf8_locale(self):
        line = self.sent_detail("C.UTF-8")
        self.assertIn('"name":"Zoë","city":"Köln"', line)
        self.assertIn('"\\xe2\\x80\\xaeevil"', line)  # the bidi override stays escaped
        line = self.sent_detail("C")
        self.assertIn('"name":"Zo\\xc3\\xab","city":"K\\xc3\\xb6ln"', line)


class Truncation(unittest.TestCase):
    def test_not_captured_is_said_once_and_is_no_loss(self):
        with Tracer("-c", "st-worker", "--data-size", "16", "--data-chars", "40",
                    json_output=False) as tracer:
            report = peers(b"a" * 100 + b"b" * 100, split=True)
            self.assertEqual(tracer.stop(), 0)
        lines = tracer.stdout_text.decode().splitlines()
        sends = [l for l in lines if " sendto " in l and "(tid %d)" % report["tid"] in l]
        self.assertEqual(len(sends), 2, lines)
        for line, text in zip(sends, ("a" * 16, "b" * 16)):
            self.assertIn('sendto 100B (84B not captured: --data-size) "%s"' % text, line)
        self.assertFalse([l for l in lines if "[lost" in l or "gap" in l], lines)
        # JSON: the second send's gap is the first's uncaptured bytes, none lost.
        with Tracer("-c", "st-worker", "--data-size", "16") as tracer:
            report = peers(b"a" * 100 + b"b" * 100, split=True)
            self.assertEqual(tracer.stop(), 0)
        sent = select(tracer.events(), event="data", tid=report["tid"], direction="send")
        self.assertEqual([(e["pos"], e["captured"], e["gap_bytes"], e.get("gap_lost"))
                          for e in sent], [(0, 16, 0, None), (100, 16, 84, 0)])


class StartupAndQuiet(unittest.TestCase):
    def test_one_startup_line_and_probes_with_v(self):
        result = subprocess.run([BINARY, "-d", "0.5", "--no-data"], capture_output=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        err = result.stderr.decode().splitlines()
        self.assertRegex(err[0], r"^Reading perf buffers: \d+ probes attached; Ctrl-C to stop$")
        self.assertEqual(len(err), 2, err)  # and the summary
        attached = int(re.search(r"(\d+) probes", err[0]).group(1))
        result = subprocess.run([BINARY, "-d", "0.5", "--no-data", "-v"], capture_output=True,
                                timeout=60)
        loaded = re.findall(r"^Probe loaded: id \d+, name (\w+)$", result.stderr.decode(), re.M)
        self.assertEqual(len(loaded), attached)
        self.assertIn("exit_connect", loaded)

    def test_tls_libraries_on_the_startup_line(self):
        result = subprocess.run([BINARY, "-d", "0.5"], capture_output=True, timeout=60)
        first = result.stderr.decode().splitlines()[0]
        self.assertRegex(first, r"^Reading perf buffers: \d+ probes attached, TLS in \d+ files? "
                                r"\(\d+ uprobes\): .*libssl\.so\.3.*; Ctrl-C to stop$")

    def test_quiet_prints_events_only(self):
        # No startup line tells when -q is ready: the peers run until the
        # tracer shows their traffic (bounded).
        proc = subprocess.Popen([BINARY, "-q", "--json", "-c", "st-worker"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(proc.stdout.fileno(), False)
        out = b""
        for _ in range(60):
            report = peers(b"quiet")
            time.sleep(0.5)
            out += proc.stdout.read() or b""
            if ('"tid":%d' % report["tid"]).encode() in out:
                break
        proc.send_signal(signal.SIGINT)
        os.set_blocking(proc.stdout.fileno(), True)
        rest, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(err, b"")
        events = [json.loads(l) for l in (out + rest).decode().splitlines()]
        sent = select(events, event="data", tid=report["tid"], direction="send")
        self.assertEqual([(e["bytes"], e["data"]) for e in sent], [(5, "quiet")])


if __name__ == "__main__":
    unittest.main()
