"""The command line as a user meets it: options, errors, stopping, cleanup."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from tracer import BINARY, Tracer, require_root, run_python, select

require_root()

# Programs loaded with --no-data (no TLS capture): one per function of the
# probe table (src/loader/probes.c) but the TLS ones, exit_data serving every
# data syscall's exit, process_exec keeping process names, task_newtask
# letting -p follow forks.
PROGRAMS = 20

TRAFFIC = r"""
import json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
for _ in range(int(__import__("sys").argv[1])):
    c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
    c.close(); a.close()
print(json.dumps({"pid": os.getpid()}))
"""


def loaded_program_ids():
    """Ids of every BPF program loaded now (bpftool prog list)."""
    listing = subprocess.run(["bpftool", "prog", "list"], capture_output=True, text=True,
                             check=True).stdout
    return {int(i) for i in re.findall(r"^(\d+): ", listing, re.M)}


def unloaded_soon(ids, timeout=10):
    """True once none of ids is loaded: after a closed stdout a child of the
    tracer detaches them, after the tracer's exit."""
    deadline = time.monotonic() + timeout
    while ids & loaded_program_ids():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def tracer_program_ids(tracer):
    """The ids the tracer reported as it loaded its programs."""
    return {int(i) for i in re.findall(r"Probe loaded: id (\d+),", tracer.stderr)}


STDERR_FILE = os.path.join(tempfile.gettempdir(), "socket-tracer-pipe-test.err")


def run(*args, timeout=60, **kwargs):
    return subprocess.run([BINARY] + list(args), capture_output=True, timeout=timeout, **kwargs)


def traffic_until_exit(proc, limit=60):
    """Connections every 0.2 s until proc exits (at most limit seconds)."""
    time.sleep(1)
    deadline = time.time() + limit
    while proc.poll() is None and time.time() < deadline:
        run_python(TRAFFIC, 3)
        time.sleep(0.2)


def summary_awaited(tracer, limit):
    """The CLOCK_MONOTONIC time the exit summary reached stderr (polled every 10 ms)."""
    deadline = time.monotonic() + limit
    while not any(re.match(r"socket-tracer: \d+ events \(", l) for l in tracer.stderr_lines):
        if time.monotonic() > deadline:
            raise AssertionError("no exit summary within %s s: %s" % (limit, tracer.stderr))
        time.sleep(0.01)
    return time.monotonic()


class Usage(unittest.TestCase):
    def test_help_and_version(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"--max-events", result.stdout)
        result = run("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, rb"^socket-tracer \d+\.\d+\.\d+\n$")

    def test_bad_options_exit_2_with_one_line(self):
        for args in (["--bogus"], ["-p", "abc"], ["-d", "0"], ["-n"], ["--data-size", "99999"],
                     ["stray"]):
            result = run(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertEqual(result.stdout, b"")
            lines = result.stderr.decode().splitlines()
            self.assertEqual(len(lines), 1, (args, lines))
            self.assertTrue(lines[0].startswith("socket-tracer: "), lines)

    def test_dump_bpf(self):
        result = run("--dump-bpf")
        self.assertEqual(result.returncode, 0)
        text = result.stdout.decode()
        self.assertIn("struct st_conn_event {", text)
        self.assertIn("int exit_connect(struct syscall_exit_ctx *ctx)", text)

    def test_missing_kernel_headers_dir(self):
        result = run("--kernel-headers", "/nonexistent")
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"--kernel-headers /nonexistent: not a kernel header tree", result.stderr)

    def test_without_privileges(self):
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "--inh-caps=-all", BINARY], capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("needs root, or CAP_BPF and CAP_PERFMON", lines[0])


def in_private_mounts(shell_setup, *args):
    """Runs the tracer in a private mount namespace after shell_setup."""
    command = "%s && exec %s %s" % (shell_setup, BINARY, " ".join(args))
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", command],
                          capture_output=True, timeout=120)


class MachineSetup(unittest.TestCase):
    def test_no_kernel_headers_at_all(self):
        result = in_private_mounts("mount -t tmpfs none /usr/src && "
                                   "mount -t tmpfs none /lib/modules", "-d", "1")
        self.assertEqual(result.returncode, 1)
        lines = result.stderr.decode().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^socket-tracer: no kernel headers found for kernel \S+: "
                                   r"install linux-headers-amd64")

    def test_tracefs_unmounted_is_mounted(self):
        result = in_private_mounts("umount /sys/kernel/tracing 2>/dev/null; "
                                   "test ! -e /sys/kernel/tracing/events", "-d", "0.5",
                                   "--no-data")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertIn(b"Reading perf buffers", result.stderr)

    def test_debian_split_headers_found_from_either_half(self):
        uname = os.uname().release
        common = sorted(d for d in os.listdir("/usr/src") if d.endswith("-common"))[-1]
        arch = common[:-len("common")] + "amd64"
        for given in ("/usr/src/" + common, "/usr/src/" + arch):
            result = run("--kernel-headers", given, "-d", "0.5", "--no-data", "-v")
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            first = result.stderr.decode().splitlines()[0]
            self.assertIn("kernel headers /usr/src/%s" % arch, first)
            self.assertIn("from --kernel-headers", first)
            if not os.path.exists("/lib/modules/%s/build" % uname):
                self.assertIn("for running kernel %s" % uname, first)
        env = dict(os.environ, BCC_KERNEL_SOURCE="/usr/src/" + arch)
        result = run("-d", "0.5", "--no-data", "-v", env=env)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertIn(b"from BCC_KERNEL_SOURCE", result.stderr)


class EditedBpfProgram(unittest.TestCase):
    def test_broken_bpf_file_reports_file_and_line(self):
        source = run("--dump-bpf").stdout.decode()
        lines = source.splitlines()
        broken_line = next(i for i, l in enumerate(lines) if l.startswith("int exit_connect")) + 3
        lines.insert(broken_line - 1, "\tthis_is_not_c;")
        with tempfile.NamedTemporaryFile("w", suffix=".bpf.c", delete=False) as f:
            f.write("\n".join(lines) + "\n")
        try:
            result = run("--bpf", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(result.returncode, 1)
        stderr = result.stderr.decode()
        self.assertIn("%s:%d:" % (f.name, broken_line), stderr)
        self.assertIn("this_is_not_c", stderr)
        self.assertIn("failed to compile the BPF program %s" % f.name, stderr)

    def test_edited_bpf_file_runs(self):
        # The dumped program, edited, compiles and traces: the edit-and-rerun loop.
        source = run("--dump-bpf").stdout.decode()
        with tempfile.NamedTemporaryFile("w", suffix=".bpf.c", delete=False) as f:
            f.write(source.replace("return family == AF_INET ||",
                                   "return family == AF_INET6 ||"))
        try:
            with Tracer("--bpf", f.name, "-D", "UNUSED_MACRO=1", "--no-data") as tracer:
                pid, _ = run_python(TRAFFIC, 1)
                self.assertEqual(tracer.stop(), 0)
                events = tracer.events()
        finally:
            os.unlink(f.name)
        # AF_INET is no longer traced: no IPv4 connect from the traffic.
        self.assertEqual([e for e in events if e["pid"] == pid and e["family"] == "inet"], [])


WAIT_THEN_CONNECT = r"""
import socket, sys
sys.stdin.readline()
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
for _ in range(2):
    c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
    c.close(); a.close()
"""

# Connects to the port argv[1] when told on stdin, then holds the connection
# until stdin closes.
CONNECT_THEN_HOLD = r"""
import socket, sys
sys.stdin.readline()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sys.stdin.read()
"""


class PidFilter(unittest.TestCase):
    def test_only_the_given_pids(self):
        # -p is compiled into the program as constants: two selected
        # processes are traced, a third is not.
        procs = [subprocess.Popen([sys.executable, "-c", WAIT_THEN_CONNECT],
                                  stdin=subprocess.PIPE) for _ in range(3)]
        try:
            with Tracer("--no-data", "-v", "-p", str(procs[0].pid),
                        "-p", str(procs[1].pid)) as tracer:
                for p in procs:
                    p.stdin.write(b"go\n")
                    p.stdin.flush()
                for p in procs:
                    p.wait(30)
                time.sleep(0.3)
                self.assertEqual(tracer.stop(), 0)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
                p.stdin.close()
        self.assertIn("BPF compile flag: -DST_PID_SELECTED(t)=((t) == %du || (t) == %du)"
                      % (procs[0].pid, procs[1].pid), tracer.stderr)
        events = tracer.events()
        for selected in procs[:2]:
            self.assertEqual(len(select(events, pid=selected.pid, event="connect")), 2)
            self.assertEqual(len(select(events, pid=selected.pid, event="accept")), 2)
        self.assertEqual({e["pid"] for e in events}, {procs[0].pid, procs[1].pid})


class CompileProcess(unittest.TestCase):
    def test_compiler_never_mapped_in_the_tracer(self):
        # bcc compiles in a child that hands over the fds and exits: the
        # running tracer has no LLVM or clang mapped, and stays small.
        with Tracer("-v", "--no-data") as tracer:
            with open(f"/proc/{tracer.proc.pid}/maps") as f:
                maps = f.read()
            with open(f"/proc/{tracer.proc.pid}/status") as f:
                status = f.read()
            pid, _ = run_python(TRAFFIC, 2)
            time.sleep(0.5)
            self.assertEqual(tracer.stop(), 0)
        self.assertNotIn("libLLVM", maps)
        self.assertNotIn("libclang", maps)
        self.assertIn("libbcc_bpf", maps)
        hwm_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        self.assertLess(hwm_kb, 32 * 1024)
        report = re.search(r"BPF compile process: ([\d.]+) s CPU, peak RSS ([\d.]+) MiB",
                           tracer.stderr)
        self.assertIsNotNone(report, tracer.stderr)
        self.assertGreater(float(report.group(2)), 50)  # clang and LLVM were there
        # the programs the child loaded are the ones that traced
        self.assertEqual(len(select(tracer.events(), pid=pid, event="connect")), 2)

    def test_kallsyms_stand_in_stays_in_the_compile_child(self):
        # The child swaps /proc/kallsyms for a short file in a mount
        # namespace of its own: nothing of it may show outside.
        def host_view():
            with open("/proc/self/mountinfo") as f:
                mounts = f.read()
            with open("/proc/kallsyms") as f:
                symbols = sum(1 for _ in f)
            return mounts, symbols, sorted(os.listdir("/dev/shm"))
        before = host_view()
        with Tracer("-v", "--no-data") as tracer:
            during = host_view()
            self.assertEqual(tracer.stop(), 0)
        after = host_view()
        self.assertNotIn("reads the real /proc/kallsyms", tracer.stderr)
        for view in (during, after):
            self.assertEqual((view[0], view[2]), (before[0], before[2]))
            # loaded programs add their own symbols; none go away
            self.assertGreaterEqual(view[1], before[1])
        self.assertGreater(before[1], 1000)


class Stopping(unittest.TestCase):
    def test_max_events(self):
        with Tracer("-n", "3", "--no-data") as tracer:
            run_python(TRAFFIC, 5)
            code = tracer.proc.wait(30)
            tracer.stop()
        self.assertEqual(code, 0)
        self.assertEqual(len(tracer.events()), 3)

    def test_duration(self):
        start = time.monotonic()
        with Tracer("-d", "1.5", "--no-data") as tracer:
            code = tracer.proc.wait(30)
            elapsed = time.monotonic() - start
            tracer.stop()
        self.assertEqual(code, 0)
        self.assertGreater(elapsed, 1.4)
        self.assertLess(elapsed, 60)

    def test_sigint_summary_and_nothing_left_loaded(self):
        with Tracer("--no-data", "-v") as tracer:
            ids = tracer_program_ids(tracer)
            self.assertEqual(len(ids), PROGRAMS)
            self.assertLessEqual(ids, loaded_program_ids())
            pid, _ = run_python(TRAFFIC, 2)
            code = tracer.stop(signal.SIGINT)
        self.assertEqual(code, 0)
        summary, _ = tracer.summary()
        match = re.match(r"socket-tracer: (\d+) events \(connect (\d+), connected \d+, accept (\d+), "
                         r"release \d+, close (\d+), data (\d+)\), lost samples (\d+), malformed samples 0",
                         summary)
        self.assertIsNotNone(match, summary)
        events = tracer.events()
        self.assertEqual(int(match.group(1)), len(events))
        mine = [e for e in events if e["pid"] == pid]
        self.assertEqual(sorted(e["event"] for e in mine),
                         ["accept", "accept", "close", "close", "close", "close",
                          "connect", "connect"])
        self.assertEqual(ids & loaded_program_ids(), set())

    def test_sigterm(self):
        with Tracer("--no-data", "-v") as tracer:
            self.assertEqual(tracer.stop(signal.SIGTERM), 0)
        self.assertIn("lost samples 0", tracer.summary()[0])
        self.assertEqual(len(tracer_program_ids(tracer)), PROGRAMS)
        self.assertEqual(tracer_program_ids(tracer) & loaded_program_ids(), set())

    def test_closed_pipe_exits_quietly(self):
        script = ("%s --no-data -v 2>%s | head -n 3 >/dev/null; echo ${PIPESTATUS[0]}"
                  % (BINARY, STDERR_FILE))
        shell = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        traffic_until_exit(shell)
        out, err = shell.communicate(timeout=30)
        with open(STDERR_FILE) as f:
            stderr = f.read()
        os.unlink(STDERR_FILE)
        self.assertEqual(out.strip(), b"0", stderr)
        self.assertNotIn("Broken pipe", stderr)
        ids = {int(i) for i in re.findall(r"Probe loaded: id (\d+),", stderr)}
        self.assertEqual(len(ids), PROGRAMS)
        self.assertTrue(unloaded_soon(ids))

    def test_exits_when_head_does(self):
        # `| head -1`: the tracer stops when head exits, not at its next
        # event. Here there is none: the one selected process connects (one
        # event, head's line) and then holds its connection, quiet.
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            client = subprocess.Popen([sys.executable, "-c", CONNECT_THEN_HOLD, str(port)],
                                      stdin=subprocess.PIPE)
            read_end, write_end = os.pipe()
            head = subprocess.Popen(["head", "-1"], stdin=read_end, stdout=subprocess.PIPE)
            os.close(read_end)
            try:
                with Tracer("--no-data", "-v", "-p", str(client.pid),
                            stdout=write_end) as tracer:
                    os.close(write_end)
                    client.stdin.write(b"go\n")
                    client.stdin.flush()
                    line = head.stdout.read()  # up to head's exit
                    head.wait(5)
                    head_exited = time.monotonic()
                    stopped = summary_awaited(tracer, 5) - head_exited
                    code = tracer.proc.wait(5)
                    exited = time.monotonic() - head_exited
                    tracer.stop()
                # the client is still connected: no event came after head's
                self.assertIsNone(client.poll())
            finally:
                client.stdin.close()
                client.wait(10)
                head.stdout.close()
        event = json.loads(line)
        self.assertEqual((event["event"], event["pid"], event["result"]),
                         ("connect", client.pid, 0))
        self.assertEqual(event["remote"], "127.0.0.1:%d" % port)
        # It stops within a poll round (0.1 s) and exits: a child of its
        # own detaches the probes (the kernel unregisters tracepoints one
        # after the other, over a second), and soon.
        self.assertLess(stopped, 0.5)
        self.assertLess(exited, 1.0)
        ids = tracer_program_ids(tracer)
        self.assertEqual(len(ids), PROGRAMS)
        self.assertTrue(unloaded_soon(ids))
        self.assertEqual(code, 0, tracer.stderr)
        self.assertIn("(connect 1, ", tracer.summary()[0])
        # quiet, as `yes | head` is: no error about the reader gone
        self.assertEqual([l for l in tracer.stderr_lines
                          if re.search(r"cannot write|pipe|EPIPE", l, re.I)], [])

    def test_sigint_during_the_compile(self):
        # The compile is killed: the tracer stops at once, says so and
        # leaves nothing loaded.
        before = loaded_program_ids()
        proc = subprocess.Popen([BINARY, "--no-data"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(0.2)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - start
        err = err.decode()
        self.assertEqual(proc.returncode, 0, err)
        self.assertLess(elapsed, 1.0)
        self.assertEqual(err.splitlines()[-1],
                         "socket-tracer: stopped during the BPF compile: nothing loaded")
        self.assertNotIn("Probe loaded", err)
        self.assertLessEqual(loaded_program_ids(), before)

    def test_compile_child_dies_with_the_tracer(self):
        proc = subprocess.Popen([BINARY, "--no-data"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        self.assertEqual(len(children), 1)  # the compile child, still compiling
        proc.kill()
        _, err = proc.communicate(timeout=30)
        deadline = time.time() + 10
        while os.path.exists(f"/proc/{children[0]}") and time.time() < deadline:
            time.sleep(0.05)
        self.assertFalse(os.path.exists(f"/proc/{children[0]}"))
        self.assertNotIn(b"cannot hand", err)

    def test_full_disk_is_an_error(self):
        # /dev/full refuses every write with ENOSPC: one line, exit 1, nothing left loaded.
        with open("/dev/full", "w") as full:
            proc = subprocess.Popen([BINARY, "--no-data", "-v", "-d", "30"], stdout=full,
                                    stderr=subprocess.PIPE)
            traffic_until_exit(proc)
            _, err = proc.communicate(timeout=30)
        err = err.decode()
        self.assertEqual(proc.returncode, 1, err)
        errors = [l for l in err.splitlines() if "cannot write" in l]
        self.assertEqual(errors, ["socket-tracer: cannot write the output: "
                                  "No space left on device"], err)
        ids = {int(i) for i in re.findall(r"Probe loaded: id (\d+),", err)}
        self.assertEqual(len(ids), PROGRAMS)
        self.assertEqual(ids & loaded_program_ids(), set())


if __name__ == "__main__":
    unittest.main()
