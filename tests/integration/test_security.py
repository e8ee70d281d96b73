"""What a hostile local user can and cannot do to a root tracer: no header
from the working directory reaches the BPF compile, no capture reads past
the caller's buffer, and signals, bad files and a closed stdout end the
tracer at once with one line."""

import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from tracer import BINARY, READY_LINES, Tracer, require_root, run_python, select

require_root()

# A TCP pair on loopback: the client sends a known request, the server
# answers; both report what they saw.
ECHO_PAIR = r"""
import json, os, socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
request = b"GET /planted-header-check HTTP/1.1\r\nHost: x\r\n\r\n"
cli.sendall(request)
got = b""
while len(got) < len(request):
    got += conn.recv(4096)
conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
reply = cli.recv(4096)
print(json.dumps({"pid": os.getpid(), "fd": cli.fileno(), "sent": len(request),
                  "request": request.decode(), "reply": len(reply)}))
cli.close(); conn.close()
"""

# Receives with MSG_TRUNC into a 10-byte buffer followed in memory by a
# marker: recvfrom and recvmsg of a 60-byte UDP datagram, then a TCP recv
# whose bytes MSG_TRUNC discards unread. ctypes keeps the buffer and the
# marker in one block, the layout a C program has.
TRUNC_PEER = r"""
import ctypes, json, os, socket, sys
from libc_abi import iovec, libc, msghdr
MARKER = b"SECRET-ADJACENT-MEMORY-NOT-FROM-THE-SOCKET"
MSG_TRUNC = 0x20
block = ctypes.create_string_buffer(b"\0" * 10 + MARKER * 4)

def check(n):
    if n < 0:
        raise OSError(ctypes.get_errno(), "recv")
    return n

rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
datagrams = [b"D" * 10 + b"d" * 50, b"M" * 10 + b"m" * 50]
tx.sendto(datagrams[0], rx.getsockname())
from_len = check(libc.recvfrom(rx.fileno(), block, 10, MSG_TRUNC, None, None))
tx.sendto(datagrams[1], rx.getsockname())
vec = iovec(ctypes.cast(block, ctypes.c_void_p), 10)
msg = msghdr(None, 0, ctypes.pointer(vec), 1, None, 0, 0)
msg_len = check(libc.recvmsg(rx.fileno(), ctypes.byref(msg), MSG_TRUNC))

srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"T" * 30)
discarded = 0
while discarded < 30:
    discarded += check(libc.recvfrom(conn.fileno(), block, 10, MSG_TRUNC, None, None))
print(json.dumps({"pid": os.getpid(), "udp_fd": rx.fileno(), "tcp_fd": conn.fileno(),
                  "recvfrom": from_len, "recvmsg": msg_len, "discarded": discarded,
                  "marker": MARKER.decode()}))
"""

# A server blocked in accept() takes three signals (Python retries the
# call, PEP 475), then one connection.
SIGNALLED_ACCEPT = r"""
import json, os, signal, socket, threading, time
signal.signal(signal.SIGUSR1, lambda *a: None)
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
main = threading.get_ident()
def poke():
    for _ in range(3):
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGUSR1)
    time.sleep(0.2)
    socket.create_connection(srv.getsockname()).close()
threading.Thread(target=poke).start()
conn, _ = srv.accept()
print(json.dumps({"pid": os.getpid(), "fd": conn.fileno()}))
conn.close()
"""

# What a planted header does if it is compiled: linux/types.h keeps the
# real one working and cuts every capture to one byte; the others stop the
# compile.
PLANTED = {
    "linux/types.h": "#include_next <linux/types.h>\n"
                     "#undef ST_DATA_SIZE\n#define ST_DATA_SIZE 1\n",
    "asm/types.h": "#error planted asm/types.h compiled\n",
    "asm-generic/int-ll64.h": "#error planted asm-generic header compiled\n",
    "uapi/linux/bpf.h": "#error planted uapi header compiled\n",
    "generated/autoconf.h": "#error planted generated header compiled\n",
    "vdso/bits.h": "#error planted vdso header compiled\n",
}


def planted_directory():
    """A directory in /tmp owned by nobody, holding the planted headers."""
    nobody = pwd.getpwnam("nobody")
    top = tempfile.mkdtemp(prefix="st-planted-")
    for name, text in PLANTED.items():
        path = os.path.join(top, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for root, dirs, files in os.walk(top):
        for entry in [root] + [os.path.join(root, f) for f in files]:
            os.chown(entry, nobody.pw_uid, nobody.pw_gid)
    os.chmod(top, 0o777)
    return top


def wchan_seen(pid, name, timeout=5):
    """Whether the process is seen waiting in the kernel function name."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/%d/wchan" % pid) as wchan:
            if name in wchan.read():
                return True
        time.sleep(0.01)
    return False


def wait_ready(proc, timeout=60):
    """Reads stderr until the tracer is tracing; returns the lines so far."""
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = proc.stderr.readline()
        if not raw:
            break
        lines.append(raw.decode("utf-8", "replace"))
        if lines[-1].startswith(READY_LINES):
            return lines
    raise AssertionError("tracer not ready: %s" % "".join(lines))


class PlantedHeaderTest(unittest.TestCase):
    def test_headers_in_the_working_directory_never_compile(self):
        top = planted_directory()
        self.addCleanup(shutil.rmtree, top)
        proc = subprocess.Popen([BINARY, "--json", "-v"], cwd=top, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            startup = wait_ready(proc)
            pid, (peer,) = run_python(ECHO_PAIR)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stderr = "".join(startup) + err.decode()
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertNotIn("planted", stderr)

        # -v names every directory searched: "/" first (bcc's "-I cwd"),
        # then the kernel trees and bcc's in-memory headers, never ours.
        headers = re.search(r"kernel headers (\S+)", stderr).group(1)
        dirs = re.findall(r"^BPF compile include directory: (.*)$", stderr, re.M)
        self.assertEqual(dirs[0], "/")
        self.assertIn(headers + "/include", dirs)
        for d in dirs[1:]:
            self.assertTrue(d.startswith(("/usr/src/", "/lib/modules/", "/virtual/")), d)
            self.assertFalse(d.startswith(top), d)

        # Traced normally: the whole request captured, byte for byte.
        events = [json.loads(l) for l in out.decode().splitlines()]
        sends = select(events, pid=pid, fd=peer["fd"], event="data", direction="send")
        self.assertEqual(len(sends), 1, sends)
        self.assertEqual(sends[0]["bytes"], peer["sent"])
        self.assertEqual(sends[0]["captured"], peer["sent"])
        self.assertEqual(sends[0]["data"], peer["request"])

    def test_include_path_variables_never_reach_the_compile(self):
        top = planted_directory()
        self.addCleanup(shutil.rmtree, top)
        env = dict(os.environ, CPATH=top, C_INCLUDE_PATH=top)
        result = subprocess.run([BINARY, "--no-data", "-d", "0.1", "-v"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 0, stderr)
        # clang's driver appends CPATH to the search list: it is not there.
        dirs = re.findall(r"^BPF compile include directory: (.*)$", stderr, re.M)
        self.assertEqual(dirs[0], "/")
        self.assertNotIn(top, dirs)
        self.assertNotIn("planted", stderr)


class CaptureBoundsTest(unittest.TestCase):
    def test_msg_trunc_never_captures_past_the_buffer(self):
        with Tracer() as tracer:
            pid, (peer,) = run_python(TRUNC_PEER)
            self.assertEqual(tracer.stop(), 0)
        self.assertNotIn(peer["marker"][:12].encode(), tracer.stdout_text)
        events = tracer.events()

        udp = select(events, pid=pid, fd=peer["udp_fd"], event="data", direction="recv")
        self.assertEqual([(e["syscall"], e["bytes"], e["delivered"], e["captured"], e["data"])
                          for e in udp],
                         [("recvfrom", 60, 10, 10, "D" * 10), ("recvmsg", 60, 10, 10, "M" * 10)])
        self.assertEqual(peer["recvfrom"], 60)
        self.assertEqual(peer["recvmsg"], 60)

        # TCP discards the bytes: counted, nothing captured.
        tcp = select(events, pid=pid, fd=peer["tcp_fd"], event="data", direction="recv")
        self.assertEqual(sum(e["bytes"] for e in tcp), peer["discarded"])
        self.assertEqual({(e["delivered"], e["captured"], e["data"]) for e in tcp},
                         {(0, 0, "")})

    def test_msg_trunc_human_line(self):
        with Tracer("-c", "python3", "--data-chars", "64", json_output=False) as tracer:
            pid, (peer,) = run_python(TRUNC_PEER)
            self.assertEqual(tracer.stop(), 0)
        lines = [l for l in tracer.stdout_text.decode().splitlines()
                 if re.match(r"\S+\s+%d\s" % pid, l)]
        self.assertTrue(any(l.endswith('recvfrom datagram 60B, 10B delivered "DDDDDDDDDD"')
                            for l in lines), "\n".join(lines))
        self.assertTrue(any('recvfrom 10B, 0B delivered (MSG_TRUNC discards)' in l
                            or 'recvfrom 30B, 0B delivered (MSG_TRUNC discards)' in l
                            for l in lines), "\n".join(lines))


class InterruptedCallTest(unittest.TestCase):
    def test_signals_in_accept_are_not_failed_accepts(self):
        with Tracer("--no-data") as tracer:
            pid, (peer,) = run_python(SIGNALLED_ACCEPT)
            self.assertEqual(tracer.stop(), 0)
        accepts = select(tracer.events(), pid=pid, event="accept")
        self.assertEqual([(a["fd"], a["result"]) for a in accepts],
                         [(peer["fd"], peer["fd"])])
        self.assertNotIn(b"E512", tracer.stdout_text)


class BadInputTest(unittest.TestCase):
    def refused(self, *args):
        start = time.monotonic()
        result = subprocess.run([BINARY] + list(args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=30)
        return result, time.monotonic() - start

    def test_bpf_that_is_not_a_regular_file_is_refused_at_once(self):
        top = tempfile.mkdtemp(prefix="st-bpf-")
        self.addCleanup(shutil.rmtree, top)
        fifo = os.path.join(top, "program.bpf.c")
        os.mkfifo(fifo)
        for path in (fifo, top, "/dev/zero", "/dev/null"):
            result, elapsed = self.refused("--bpf", path)
            self.assertEqual(result.returncode, 2, path)
            self.assertEqual(result.stderr.decode(),
                             "socket-tracer: cannot read BPF program %s: not a regular file\n"
                             % path)
            self.assertEqual(result.stdout, b"")
            self.assertLess(elapsed, 5)

    def test_closed_stdout_is_refused_before_any_work(self):
        result = subprocess.run(["bash", "-c", '"$0" --no-data -d 1 >&-', BINARY],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.decode().splitlines(),
                         ["socket-tracer: stdout is closed: give the events somewhere to go "
                          "(a file, a pipe or /dev/null)"])


class StopTest(unittest.TestCase):
    def test_stop_during_a_compile_that_never_ends(self):
        # The program includes a FIFO nobody writes: clang blocks opening it.
        top = tempfile.mkdtemp(prefix="st-fifo-")
        self.addCleanup(shutil.rmtree, top)
        fifo = os.path.join(top, "never.h")
        os.mkfifo(fifo)
        program = os.path.join(top, "program.bpf.c")
        with open(program, "w") as f:
            f.write('#include "%s"\n' % fifo)
        proc = subprocess.Popen([BINARY, "--bpf", program], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(1.5)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        self.assertEqual(len(children), 1)  # the compile child, blocked
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(err.decode().splitlines()[-1],
                         "socket-tracer: stopped during the BPF compile: nothing loaded")
        self.assertFalse(os.path.exists("/proc/%s" % children[0]))

    def test_signals_stop_it_while_stdout_is_stalled(self):
        # Nobody reads the tracer's stdout: its writes block once the pipe
        # and its own buffer are full.
        for sig in (signal.SIGINT, signal.SIGTERM):
            read_end, write_end = os.pipe()
            proc = subprocess.Popen([BINARY, "--json", "-c", "python3"], stdout=write_end,
                                    stderr=subprocess.PIPE)
            os.close(write_end)
            try:
                wait_ready(proc)
                run_python("import socket\n"
                           "a, b = socket.socketpair()\n"
                           "for _ in range(20000):\n"
                           "    a.send(b'x' * 200); b.recv(200)\n", timeout=120)
                time.sleep(0.5)
                self.assertIsNone(proc.poll())
                # blocked writing (a read may catch it between two tries)
                self.assertTrue(wchan_seen(proc.pid, "pipe_write"))
                start = time.monotonic()
                proc.send_signal(sig)
                # The line that gives up on stdout comes
                # within a second; the probes' detach after it is the
                # kernel's (one RCU grace period per tracepoint, longer on
                # a loaded machine).
                before = []
                first = proc.stderr.readline().decode()
                while first and "output cut short" not in first:
                    before.append(first)  # live loss lines may come first
                    first = proc.stderr.readline().decode()
                gave_up = time.monotonic() - start
                proc.wait(timeout=30)
                elapsed = time.monotonic() - start
                err = "".join(before) + first + proc.stderr.read().decode()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stderr.close()
                os.close(read_end)
            self.assertEqual(proc.returncode, 0, err)
            self.assertRegex(first, r"^socket-tracer: output cut short: stdout's reader stalled "
                                    r"for 0.5 s after the stop; \d+ bytes of events not written$")
            self.assertLess(gave_up, 1.0, err)
            self.assertLess(elapsed, 10, err)
            self.assertRegex(err, r"socket-tracer: \d+ events \(")


if __name__ == "__main__":
    unittest.main()
