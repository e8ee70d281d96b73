"""The edit-and-rerun loop: a copy of the BPF program, edited, run with
--bpf and --debug; its printk lines, its verifier refusals, its compile
errors, each named where the user's file says."""

import os
import re
import signal
import subprocess
import tempfile
import unittest

from tracer import BINARY, Tracer, require_root, run_python

require_root()

INSTANCES = "/sys/kernel/tracing/instances"
# Where exit_connect has read the syscall's registers and starts its event.
CONNECT_BODY = "\tstruct st_conn_event ev = {};\n\tev.addr_len = sockaddr_copy("
# exit_connect's lookup of the socket, checked for NULL twice.
NULL_CHECKED = ("\t\tsock = sock_enter(key, &fresh);\n\tif (!sock)\n\t\treturn 0;\n"
                "\tsock->open_ts_ns = ev.hdr.ts_ns;\n")
NOT_CHECKED = "\t\tsock = sock_enter(key, &fresh);\n\tsock->open_ts_ns = ev.hdr.ts_ns;\n"

# Connects count times on loopback from one thread; prints its tid and the
# client sockets' fds.
CONNECTS = r"""
import json, socket, sys, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
fds = []
for _ in range(int(sys.argv[1])):
    c = socket.socket(); fds.append(c.fileno()); c.connect(srv.getsockname())
    a, _ = srv.accept(); c.close(); a.close()
print(json.dumps({"tid": threading.get_native_id(), "fds": fds}))
"""

# Closes a duplicate of one fd count times; prints its tid.
CLOSES = r"""
import json, os, sys, threading
fd = os.open("/dev/null", os.O_WRONLY)
for _ in range(int(sys.argv[1])):
    os.close(os.dup(fd))
print(json.dumps({"tid": threading.get_native_id()}))
"""
ENTER_CLOSE = ("int enter_close(struct syscall_enter_ctx *ctx)\n{\n"
               "\t__u64 pid_tgid = bpf_get_current_pid_tgid();\n")

DEBUG_LINE = re.compile(r"^debug: (\d\d:\d\d:\d\d\.\d{6}) (\d+): (.*)$")


def dumped_program():
    return subprocess.run([BINARY, "--dump-bpf"], capture_output=True, check=True,
                          timeout=30).stdout.decode()


def edited_copy(test, old, new):
    """A temporary copy of the program with old (found once) made new."""
    source = dumped_program()
    test.assertEqual(source.count(old), 1, old)
    f = tempfile.NamedTemporaryFile("w", suffix=".bpf.c", delete=False)
    f.write(source.replace(old, new))
    f.close()
    test.addCleanup(os.unlink, f.name)
    return f.name


def printk_copy(test, text):
    """The program printing 'TEXT fd N' at every connect() it traces."""
    return edited_copy(test, CONNECT_BODY,
                       '\tbpf_trace_printk("%s fd %%d\\n", (int)regs.di);\n' % text + CONNECT_BODY)


def line_of(path, text):
    with open(path) as f:
        return next(i for i, line in enumerate(f, 1) if line.rstrip("\n") == text)


def debug_lines(stderr):
    return [m.groups() for m in map(DEBUG_LINE.match, stderr.splitlines()) if m]


def our_instances():
    return {d for d in os.listdir(INSTANCES) if d.startswith("socket-tracer-")}


class DebugPrintk(unittest.TestCase):
    def test_printk_lines_shown_with_time_and_tid_and_only_ours(self):
        mine = printk_copy(self, "edited connect")
        other = printk_copy(self, "other connect")
        before = our_instances()
        # The control: another program writing bpf_trace_printk lines at the
        # same connects, itself run with --debug (its own tag, its own
        # instance); neither may show the other's lines.
        with Tracer("--bpf", other, "--debug", "--no-data") as control, \
                Tracer("--bpf", mine, "--debug", "--no-data") as tracer:
            self.assertEqual(len(our_instances() - before), 2)
            _, [client] = run_python(CONNECTS, 3)
            self.assertEqual(tracer.stop(), 0)
            self.assertEqual(control.stop(), 0)
        # SIGINT removes each run's instance
        self.assertEqual(our_instances() - before, set())

        ours = [(t, text) for _, t, text in debug_lines(tracer.stderr)
                if int(t) == client["tid"]]
        self.assertEqual([text for _, text in ours],
                         ["edited connect fd %d" % fd for fd in client["fds"]])
        self.assertTrue(all(text.startswith("edited connect fd ")
                            for _, _, text in debug_lines(tracer.stderr)), tracer.stderr)
        theirs = [text for _, t, text in debug_lines(control.stderr) if int(t) == client["tid"]]
        self.assertEqual(theirs, ["other connect fd %d" % fd for fd in client["fds"]])
        self.assertNotIn("edited connect", control.stderr)
        # the tag never shows
        self.assertNotRegex(tracer.stderr, r"debug: \S+ \d+: st[0-9a-f]{8}")

    def test_hostile_text_escaped_and_sigterm_removes_the_instance(self):
        # A text with an escape sequence and a byte past ASCII (through
        # %s: the kernel refuses such bytes in the format itself): shown
        # escaped, never raw on the terminal.
        copy = edited_copy(self, CONNECT_BODY,
                           "\tchar esc[] = { 'e', 's', 'c', 0x1b, '[', '3', '1', 'm', ' ', "
                           "(char)0xff, 0 };\n"
                           '\tbpf_trace_printk("%s fd %d\\n", esc, (int)regs.di);\n'
                           + CONNECT_BODY)
        before = our_instances()
        with Tracer("--bpf", copy, "--debug", "--no-data") as tracer:
            _, [client] = run_python(CONNECTS, 1)
            self.assertEqual(tracer.stop(sig=signal.SIGTERM), 0)
        self.assertEqual(our_instances() - before, set())
        ours = [text for _, t, text in debug_lines(tracer.stderr) if int(t) == client["tid"]]
        self.assertEqual(ours, ["esc\\x1b[31m \\xff fd %d" % client["fds"][0]])
        self.assertNotIn("\x1b", tracer.stderr)

    def test_lines_the_kernel_dropped_are_counted(self):
        # A line at every close(): 200000 closes in a second overrun the
        # instance's 256 KiB per CPU between two drains; what the kernel
        # overwrote it says, and the shown and the dropped add up to at
        # least the closes (other processes close too).
        closes = 200000
        copy = edited_copy(self, ENTER_CLOSE,
                           ENTER_CLOSE + '\tbpf_trace_printk("flood %d\\n", (int)ctx->args[0]);\n')
        with Tracer("--bpf", copy, "--debug", "--no-data") as tracer:
            _, [client] = run_python(CLOSES, closes)
            self.assertEqual(tracer.stop(settle=1), 0)
        shown = [text for _, t, text in debug_lines(tracer.stderr) if int(t) == client["tid"]]
        self.assertTrue(all(re.fullmatch(r"flood \d+", text) for text in shown))
        dropped = [(int(n), int(total)) for n, total in re.findall(
            r"(?m)^socket-tracer: --debug: the kernel dropped (\d+) trace lines \(its buffer "
            r"was full; (\d+) so far\)$", tracer.stderr)]
        self.assertTrue(dropped, tracer.stderr[-2000:])
        running = 0
        for n, total in dropped:
            running += n
            self.assertEqual(total, running)
        self.assertIn("socket-tracer: --debug: %d trace lines lost in all\n" % running,
                      tracer.stderr)
        self.assertLess(len(shown), closes)
        self.assertGreaterEqual(len(shown) + running, closes)

    def test_instance_of_a_killed_run_removed_by_the_next(self):
        copy = printk_copy(self, "killed")
        before = our_instances()
        with Tracer("--bpf", copy, "--debug", "--no-data") as killed:
            left = "socket-tracer-%d" % killed.proc.pid
            self.assertIn(left, our_instances())
            self.assertEqual(killed.stop(sig=signal.SIGKILL), -signal.SIGKILL)
        self.assertIn(left, our_instances())  # SIGKILL leaves no chance
        with Tracer("--bpf", copy, "--debug", "--no-data") as tracer:
            self.assertNotIn(left, our_instances())
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(our_instances() - before, set())

    def test_debug_with_replay_is_a_usage_error(self):
        result = subprocess.run([BINARY, "--replay", "/nonexistent.rec", "--debug"],
                                capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.decode(),
                         "socket-tracer: --replay does not take --debug: a replay runs no BPF "
                         "program (try --help)\n")


class Refusals(unittest.TestCase):
    def test_verifier_refusal_names_probe_file_and_line(self):
        copy = edited_copy(self, NULL_CHECKED, NOT_CHECKED)
        line = line_of(copy, "\tsock->open_ts_ns = ev.hdr.ts_ns;")
        result = subprocess.run([BINARY, "--bpf", copy, "--no-data"], capture_output=True,
                                timeout=120)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 1, stderr)
        self.assertRegex(stderr, r"(?m)^socket-tracer: %s:%d: the verifier refused "
                                 r"exit_connect: R\d+ invalid mem access 'map_value_or_null' "
                                 r"\(-v shows its log\)$" % (re.escape(copy), line))
        # one line, not the log
        self.assertEqual(len(stderr.splitlines()), 1, stderr)

        verbose = subprocess.run([BINARY, "--bpf", copy, "--no-data", "-v"],
                                 capture_output=True, timeout=120).stderr.decode()
        self.assertIn("verifier log of exit_connect (last lines):", verbose)
        self.assertRegex(verbose, r"(?m)^\d+: \(7b\) \*\(u64 \*\)\(r\d+ \+0\) = r\d+$")
        self.assertRegex(verbose, r"(?m)^socket-tracer: %s:%d: the verifier refused "
                                  r"exit_connect: R\d+ invalid mem access "
                                  r"'map_value_or_null'$" % (re.escape(copy), line))

    def test_compile_error_after_map_accesses_names_file_and_line(self):
        # After the lines bcc's rewriter adds for map accesses, a compile
        # error still names the user's line.
        copy = edited_copy(self, NULL_CHECKED, NULL_CHECKED + "\tthis_is_not_c;\n")
        line = line_of(copy, "\tthis_is_not_c;")
        result = subprocess.run([BINARY, "--bpf", copy], capture_output=True, timeout=120)
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 1)
        self.assertIn("%s:%d:" % (copy, line), stderr)
        self.assertIn("use of undeclared identifier 'this_is_not_c'", stderr)
        self.assertIn("failed to compile the BPF program %s" % copy, stderr)


if __name__ == "__main__":
    unittest.main()
