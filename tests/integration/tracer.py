"""Runs the real socket-tracer binary for the integration tests."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

BINARY = os.environ.get("SOCKET_TRACER") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "socket-tracer")
READY_LINES = ("Reading perf buffers", "Reading the ring buffer")  # default, --ring-buffer
SKIP_EXIT_CODE = 77  # ctest SKIP_RETURN_CODE


def require_root():
    """Skips the whole test program, loudly, without the privilege to load BPF."""
    if os.geteuid() != 0:
        sys.stderr.write("SKIPPED: integration tests load BPF programs and need root\n")
        sys.exit(SKIP_EXIT_CODE)


class Tracer:
    """socket-tracer in the background; stop() returns its output.

    stdout: where the events go instead of this object (an fd, for a pipe into
    another program); then stdout_text stays empty. env: the tracer's
    environment, if not the test's."""

    def __init__(self, *args, json_output=True, ready_timeout=60, stdout=subprocess.PIPE,
                 env=None):
        self.args = [BINARY] + (["--json"] if json_output else []) + list(args)
        self.proc = subprocess.Popen(self.args, stdout=stdout, stderr=subprocess.PIPE, env=env)
        self.stderr_lines = []
        self.stdout_text = None
        self._ready = threading.Event()
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()
        self._stdout_chunks = []
        self._stdout_thread = threading.Thread(target=self._read_stdout, daemon=True)
        if self.proc.stdout:
            self._stdout_thread.start()
        if not self._ready.wait(ready_timeout):
            self.proc.kill()
            raise AssertionError("tracer not ready: %s" % "".join(self.stderr_lines))

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.stderr_lines.append(line)
            if line.startswith(READY_LINES):
                self._ready.set()
        self._ready.set()

    def _read_stdout(self):
        while True:
            chunk = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") \
                else self.proc.stdout.read(65536)
            if not chunk:
                break
            self._stdout_chunks.append(chunk)

    def stop(self, sig=signal.SIGINT, settle=0.3, timeout=30):
        """Lets the last events through, signals, waits; returns the exit code."""
        time.sleep(settle)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        if self.proc.stdout:
            self._stdout_thread.join(timeout)
            self.proc.stdout.close()
        self._stderr_thread.join(timeout)
        self.stdout_text = b"".join(self._stdout_chunks)
        self.proc.stderr.close()
        return code

    def stdout_so_far(self):
        """What the tracer has written to stdout up to now, while it runs."""
        return b"".join(self._stdout_chunks)

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    def summary(self):
        """The exit summary's first line, and the ranking lines after it."""
        for i, line in enumerate(self.stderr_lines):
            if re.match(r"socket-tracer: \d+ events \(", line):
                return line, self.stderr_lines[i + 1:]
        raise AssertionError("no exit summary in: %s" % self.stderr)

    def events(self):
        """Every stdout line parsed as JSON (each must parse)."""
        return [json.loads(line) for line in self.stdout_text.decode("utf-8").splitlines()]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc.stderr.close()


def select(events, **fields):
    """Events whose fields equal every given value."""
    return [e for e in events if all(e.get(k) == v for k, v in fields.items())]


def run_python(code, *args, timeout=30, check=True):
    """Runs a python snippet as its own process; returns (pid, parsed JSON stdout lines)."""
    proc = subprocess.Popen([sys.executable, "-c", code] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("python peer failed: %s" % err.decode())
    lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    return proc.pid, lines


def free_port(family=None):
    import socket
    sock = socket.socket(family or socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Server:
    """A python peer process started in the background; its stdout lines are JSON."""

    def __init__(self, code, *args):
        self.proc = subprocess.Popen([sys.executable, "-c", code] + [str(a) for a in args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.proc.pid
        self.first = json.loads(self.proc.stdout.readline())

    def finish(self, timeout=30):
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode not in (0, -signal.SIGTERM):
            raise AssertionError("server failed: %s" % err.decode())
        return [json.loads(l) for l in out.decode().splitlines() if l.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
