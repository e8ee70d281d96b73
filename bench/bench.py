#!/usr/bin/env python3
"""Measure what socket-tracer costs a busy server.

nginx (one worker) serves a 612-byte file and a 64 KiB file on 127.0.0.1; wrk drives
it with three workloads (keep-alive 612 B, keep-alive 64 KiB, Connection: close
612 B) while one condition runs: nothing, a bpftrace do-nothing floor on every
tracepoint and TLS uprobe of socket-tracer's default program, socket-tracer in
several ways (--no-data, --json, --exchanges-only, --stats, --metrics, a ring
buffer, filtered to an idle pid), strace on the nginx worker, and a bpftrace peer
that prints every event. Runs are interleaved round by round, so slow drift of the
machine spreads over every condition.

Two HTTPS workloads (keep-alive 612 B, and Connection: close 612 B with a full TLS
handshake per request) run against the same nginx worker on a TLS port, with a
self-signed certificate made at run time; every condition runs on them, and two more:
socket-tracer --json --no-tls, and Debian's bcc sslsniff (uprobes on libssl's
SSL_read/SSL_write). Their tables give CPU per request: the nginx worker's, wrk's,
and the tracer's.

The result is printed as Markdown and written into docs/performance.md (or --doc
FILE) between <!-- bench:begin --> and <!-- bench:end -->.

    python3 bench/bench.py [--quick] [--tracer PATH] [--rounds R] [--seconds S]
                           [--workloads https612,...] [--conditions none,sslsniff,...]

Needs root, nginx, wrk, strace and bpftrace; for the HTTPS workloads openssl and
bpftool, and for sslsniff bpfcc-tools (scripts/setup.sh installs them).
Standard library only. Every process it starts is stopped on exit, Ctrl-C included.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(REPO, "bench")
DOC_DEFAULT = os.path.join(REPO, "docs", "performance.md")
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
CLK_TCK = os.sysconf("SC_CLK_TCK")

ST_READY = "Reading perf buffers"
ST_READY_RING = "Reading the ring buffer"
ST_SUMMARY = re.compile(
    r"socket-tracer: (\d+) events \(connect (\d+), (?:connected \d+, )?accept (\d+), (?:release \d+, )?close (\d+), "
    r"data (\d+)\), "
    r"lost samples (\d+), malformed samples (\d+)(?:, refused samples (\d+))?")
ST_COMPILE = re.compile(rb"BPF compile process: ([\d.]+) s CPU, peak RSS ([\d.]+) MiB")
# Its uprobes are uprobe_multi links, which `bpftool perf list` does not show.
ST_TLS_UPROBES = re.compile(r"socket-tracer: TLS: \d+ files probed \((\d+) uprobes\)")
BT_ATTACHING = re.compile(r"Attaching (\d+) probes")
BT_LOST = re.compile(rb"^Lost (\d+) events", re.M)
BT_ATTACHING_LINE = re.compile(rb"^Attaching \d+ probes", re.M)
BT_BLANK_LINE = re.compile(rb"^\n", re.M)
SSLSNIFF = "/usr/sbin/sslsniff-bpfcc"
# bcc's perf reader, on a full perf buffer
BCC_LOST = re.compile(r"^Possibly lost (\d+) samples", re.M)
# sslsniff with --no-gnutls --no-nss: uprobe and uretprobe on SSL_write and SSL_read
SSLSNIFF_PROBES = 4
# Debian's sslsniff (bcc 0.26) does not compile against kernel headers whose min()
# checks its argument types at compile time (Debian's 6.1 headers): bcc issue 5241,
# fixed upstream in a2da6474 by a plain comparison. The bench runs a copy with the
# same expression spelled as a comparison; the BPF program is otherwise unchanged.
SSLSNIFF_MIN = "min((size_t)MAX_BUF_SIZE, (size_t)len)"
SSLSNIFF_MIN_FIXED = "((size_t)len < (size_t)MAX_BUF_SIZE ? (size_t)len : (size_t)MAX_BUF_SIZE)"
WRK_REQUESTS = re.compile(r"(\d+) requests in ")

# After the events line, when the session decoded any: exchanges paired
ST_EXCHANGES = re.compile(r"socket-tracer: (\d+) exchanges;")
# -v's startup line: the tracepoints (and kprobes) attached, then the TLS uprobes
ST_ATTACHED = re.compile(r"Reading perf buffers: (\d+) probes attached")
# -v: where the TLS capture probed a library, for every process that maps it
ST_TLS_PLACED = re.compile(r"^TLS probes: (openssl|gnutls): (.*) in (/\S+) \(every process\), ", re.M)
ST_OPENSSL_INNER = re.compile(r"the internal write and read \(at (0x[0-9a-f]+), (0x[0-9a-f]+)\)")
# The calls each library's capture probes besides its writes and reads (src/uprobes/tls_probes.c)
TLS_SESSION_CALLS = {"openssl": ["SSL_do_handshake", "SSL_shutdown"],
                     "gnutls": ["gnutls_handshake", "gnutls_bye"]}
FLOOR_UPROBES_BEGIN = "// bench:uprobes:begin\n"
FLOOR_UPROBES_END = "// bench:uprobes:end\n"
FLOOR_TRACEPOINT = re.compile(r"^tracepoint:\S+ \{ \}$", re.M)

TRACER_READY_TIMEOUT = 120.0   # bcc and bpftrace compile with clang/LLVM at startup
STOP_TIMEOUT = 20.0            # SIGINT to exit, before SIGKILL
PEER_PROBES = 34               # peer.bt: enter and exit of 17 syscalls


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- processes

class Procs:
    """Every process the bench starts, each in its own session, so that a Ctrl-C on
    the terminal reaches only the bench, which then stops them in order."""

    def __init__(self):
        self.started = []       # Popen, newest last
        self.extra = []         # (pid, starttime): nginx workers, not our children

    def start(self, argv, **kw):
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.started.append(p)
        return p

    def start_to_files(self, argv, out, err, env=None):
        """Start argv with stdout to out (a path, or None for /dev/null), stderr to err."""
        fo = open(out, "wb") if out else subprocess.DEVNULL
        fe = open(err, "wb")
        try:
            return self.start(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, env=env)
        finally:
            fe.close()
            if out:
                fo.close()

    @staticmethod
    def stop(p, sig=signal.SIGINT, timeout=STOP_TIMEOUT):
        """Signal p, wait up to timeout, then SIGKILL. Returns its exit code."""
        if p.poll() is None:
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"pid {p.pid} ({os.path.basename(str(p.args[0]))}) ignored "
                    f"{signal.Signals(sig).name} for {timeout:.0f} s: SIGKILL")
                p.kill()
                p.wait(10)
        return p.returncode

    def cleanup(self):
        for p in reversed(self.started):
            if p.poll() is None:
                sig = signal.SIGTERM if os.path.basename(str(p.args[0])) in ("nginx", "sleep", "wrk") \
                    else signal.SIGINT
                try:
                    self.stop(p, sig, timeout=10)
                except Exception as e:          # keep going: stop the rest
                    log(f"could not stop pid {p.pid}: {e}")
        for pid, start in self.extra:
            st = proc_stat(pid)
            if st and st["starttime"] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def proc_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): field n is rest[n - 3]
    return {
        "comm": data[data.index("(") + 1:data.rindex(")")],
        "ppid": int(rest[1]),
        "utime": int(rest[11]), "stime": int(rest[12]),
        "cutime": int(rest[13]), "cstime": int(rest[14]),
        "starttime": int(rest[19]),
    }


def ppid_map():
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                kids.setdefault(st["ppid"], []).append(int(name))
    return kids


def children_of(pid):
    return ppid_map().get(pid, [])


def cpu_seconds(pid):
    """utime + stime of pid and of its live descendants, plus cutime + cstime
    (children it has waited for)."""
    kids = ppid_map()
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        st = proc_stat(p)
        if st:
            total += st["utime"] + st["stime"] + st["cutime"] + st["cstime"]
            todo.extend(kids.get(p, []))
    return total / CLK_TCK


TRACER_COMMS = ("socket-tracer", "bpftrace", "strace", "ltrace", "perf", "trace-cmd",
                "sslsniff-bpfcc")


def other_tracers(procs):
    """Tracers running on the machine that the bench did not start: {pid: cmdline}.
    Their probes fire in every process, so they load every condition, 'none' included."""
    ours = {p.pid for p in procs.started}
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in ours:
            continue
        st = proc_stat(int(name))
        if st and st["comm"] in TRACER_COMMS:
            cmd = read_text(f"/proc/{name}/cmdline").replace("\0", " ").strip()
            found[int(name)] = cmd[:120] or st["comm"]
    return found


def uprobes_attached():
    """Uprobes and uretprobes attached on the machine, from `bpftool perf list`:
    {pid holding the perf fd: [description, ...]}."""
    try:
        p = subprocess.run(["bpftool", "-j", "perf", "list"], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"bpftool perf list: {e}")
    try:
        entries = json.loads(p.stdout) if p.returncode == 0 else None
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        raise BenchError(f"bpftool perf list failed (status {p.returncode}): "
                         f"{p.stderr.decode(errors='replace').strip()[:300]}")
    found = {}
    for e in entries:
        if isinstance(e, dict) and e.get("fd_type") in ("uprobe", "uretprobe"):
            found.setdefault(e.get("pid"), []).append(
                f"{e['fd_type']} {e.get('filename', '?')}+{e.get('offset', 0):#x}")
    return found


def foreign_uprobes(procs, attached=None):
    """Uprobes held by processes the bench did not start: {'pid N (comm)': [probe, ...]}.
    A uprobe attached by file (pid -1) fires in every process that maps the file, so
    one left by another tool loads every condition of a TLS workload, 'none' included."""
    ours = {p.pid for p in procs.started}
    out = {}
    for pid, probes in (uprobes_attached() if attached is None else attached).items():
        if pid not in ours:
            comm = (proc_stat(pid) or {}).get("comm", "?") if isinstance(pid, int) else "?"
            out[f"pid {pid} ({comm})"] = probes
    return out


def worker_cpu_seconds(pid):
    """utime + stime of one process (the nginx worker), None once it is gone."""
    st = proc_stat(pid)
    return (st["utime"] + st["stime"]) / CLK_TCK if st else None


def vm_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])   # kB
    except OSError:
        pass
    return out


def read_text(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def count_lines(path, bpftrace_out=False):
    """(event lines, lost events) of an output file. In bpftrace's output its own
    status lines ("Attaching N probes...", "Lost N events", blank lines) are not
    events; the Lost ones are summed."""
    lines = lost = 0
    tail = b""
    try:
        f = open(path, "rb")
    except OSError:
        return 0, 0
    with f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            lines += chunk.count(b"\n")
            if bpftrace_out:
                data = tail + chunk
                cut = data.rfind(b"\n") + 1
                complete, tail = data[:cut], data[cut:]
                lines -= len(BT_ATTACHING_LINE.findall(complete))
                lines -= len(BT_BLANK_LINE.findall(complete))   # printed at exit
                for m in BT_LOST.finditer(complete):
                    lost += int(m.group(1))
                    lines -= 1
    return lines, lost


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout, step=0.02, what="condition", proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: process exited with status {proc.returncode}")
        time.sleep(step)
    raise BenchError(f"{what}: not after {timeout:.0f} s")


# --------------------------------------------------------------------------- nginx

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
lock_file {tmp}/nginx.lock;
error_log {tmp}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    sendfile {sendfile};
    default_type application/octet-stream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{ }}
    }}
{tls_server}}}
"""

# Sessions neither cached nor ticketed: with Connection: close every request is a
# full handshake (wrk would not resume one anyway, but this makes sure).
NGINX_TLS_SERVER = """\
    server {{
        listen 127.0.0.1:{port} ssl;
        root {tmp}/www;
        ssl_certificate {tmp}/tls/cert.pem;
        ssl_certificate_key {tmp}/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / {{ }}
    }}
"""
# ECDSA P-256, the cheaper handshake of the two common key types
OPENSSL_REQ = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]

FILES = {"612.html": 612, "64k.html": 65536}


class Nginx:
    def __init__(self, procs, tmp, sendfile, tls):
        self.procs, self.tmp = procs, tmp
        self.tls_port, self.tls_session = None, None
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        os.chmod(tmp, 0o755)        # the worker runs as nobody
        os.chmod(www, 0o755)
        for name, size in FILES.items():
            line = b"socket-tracer benchmark payload 0123456789abcdefghijklmnopqrstuvwxyz\n"
            body = (line * (size // len(line) + 1))[:size - 1] + b"\n"
            path = os.path.join(www, name)
            with open(path, "wb") as f:
                f.write(body)
            os.chmod(path, 0o644)
        self.port = free_port()
        tls_server = ""
        if tls:
            self.tls_port = free_port()
            make_cert(os.path.join(tmp, "tls"))
            tls_server = NGINX_TLS_SERVER.format(tmp=tmp, port=self.tls_port)
        self.conf = os.path.join(tmp, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=tmp, port=self.port, sendfile="on" if sendfile else "off",
                                      tls_server=tls_server))
        self.master = procs.start_to_files(
            ["nginx", "-c", self.conf, "-p", tmp + "/", "-e", os.path.join(tmp, "error.log")],
            None, os.path.join(tmp, "nginx.stderr"))
        try:
            wait_for(self._accepts, 15, 0.05, "nginx listening", self.master)
            self.worker = self.find_worker()
        except BenchError as e:
            raise BenchError(f"{e}\n{read_text(os.path.join(tmp, 'nginx.stderr'))}"
                             f"{read_text(os.path.join(tmp, 'error.log'))}")
        for name, size in FILES.items():
            for tls_get in ((False, True) if tls else (False,)):
                got = self.get(name, tls_get)
                if len(got) != size:
                    raise BenchError(f"GET /{name}{' over TLS' if tls_get else ''}: "
                                     f"{len(got)} bytes, expected {size}")

    def _accepts(self):
        try:
            for port in (self.port, self.tls_port):
                if port:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        pass
            return True
        except OSError:
            return False

    def find_worker(self):
        def one():
            kids = [k for k in children_of(self.master.pid)
                    if "worker" in read_text(f"/proc/{k}/cmdline")]
            return kids[0] if len(kids) == 1 else None
        pid = wait_for(one, 10, 0.05, "nginx worker", self.master)
        self.procs.extra.append((pid, proc_stat(pid)["starttime"]))
        return pid

    def get(self, name, tls=False):
        with socket.create_connection(("127.0.0.1", self.tls_port if tls else self.port),
                                      timeout=5) as raw:
            s = raw
            if tls:
                c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                c.check_hostname = False
                c.verify_mode = ssl.CERT_NONE
                s = c.wrap_socket(raw)
                self.tls_session = f"{s.version()} {s.cipher()[0]}"
            return self._get_on(s, name)

    @staticmethod
    def _get_on(s, name):
        s.sendall(f"GET /{name} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise BenchError(f"GET /{name}: {head[:80]!r}")
        return body

    def url(self, name, tls=False):
        if tls:
            return f"https://127.0.0.1:{self.tls_port}/{name}"
        return f"http://127.0.0.1:{self.port}/{name}"


def make_cert(directory):
    """A self-signed certificate and its key, cert.pem and key.pem in directory."""
    os.makedirs(directory)
    argv = OPENSSL_REQ + ["-keyout", os.path.join(directory, "key.pem"),
                          "-out", os.path.join(directory, "cert.pem")]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"openssl req: {e}")
    if p.returncode != 0:
        raise BenchError(f"openssl req failed (status {p.returncode}): "
                         f"{p.stderr.decode(errors='replace').strip()[-500:]}")


def sslsniff_copy(tmp):
    """SSLSNIFF, or a copy in tmp with min() spelled as a comparison (SSLSNIFF_MIN)."""
    text = read_text(SSLSNIFF)
    if SSLSNIFF_MIN not in text:
        return SSLSNIFF
    path = os.path.join(tmp, os.path.basename(SSLSNIFF))
    with open(path, "w") as f:
        f.write(text.replace(SSLSNIFF_MIN, SSLSNIFF_MIN_FIXED))
    os.chmod(path, 0o755)
    return path


def bcc_python_env(tmp):
    """The environment for a bcc python tool. bcc compiles with the headers in
    /lib/modules/RELEASE/build; without them (a kernel newer than any headers
    package), a tree merged from Debian's linux-headers-*-common and its arch
    sibling, as BCC_KERNEL_SOURCE: bcc wants both under one root and takes no
    other include path from its tools."""
    env = dict(os.environ)
    if env.get("BCC_KERNEL_SOURCE") or os.path.isdir(f"/lib/modules/{os.uname().release}/build"):
        return env
    src = "/usr/src"
    names = sorted(os.listdir(src), reverse=True) if os.path.isdir(src) else []
    for common in (n for n in names if n.startswith("linux-headers-") and n.endswith("-common")):
        prefix = common[:-len("common")]
        for arch in (n for n in names if n.startswith(prefix) and n != common):
            c, a = os.path.join(src, common), os.path.join(src, arch)
            if not os.path.exists(os.path.join(a, "include", "generated", "autoconf.h")):
                continue
            tree = os.path.join(tmp, "kernel-headers")
            link_entries(os.path.join(c, "include"), os.path.join(tree, "include"))
            link_entries(os.path.join(a, "include"), os.path.join(tree, "include"))
            for sub in os.listdir(os.path.join(c, "arch")):
                link_entries(os.path.join(c, "arch", sub, "include"),
                             os.path.join(tree, "arch", sub, "include"))
                link_entries(os.path.join(a, "arch", sub, "include"),
                             os.path.join(tree, "arch", sub, "include"))
            env["BCC_KERNEL_SOURCE"] = tree
            return env
    raise BenchError(f"no kernel headers for bcc: no /lib/modules/{os.uname().release}/build "
                     f"and no linux-headers-*-common with its arch directory in {src}")


def link_entries(src_dir, dst_dir):
    """A symlink in dst_dir to every entry of src_dir (if it exists) not there yet."""
    if not os.path.isdir(src_dir):
        return
    os.makedirs(dst_dir, exist_ok=True)
    for name in os.listdir(src_dir):
        dst = os.path.join(dst_dir, name)
        if not os.path.lexists(dst):
            os.symlink(os.path.join(src_dir, name), dst)


# --------------------------------------------------------------------------- floor

def elf_vaddr(path, offset):
    """The virtual address of file offset in an executable segment of an ELF64
    little-endian file, None when it is in none (or the file does not read)."""
    try:
        with open(path, "rb") as f:
            hdr = f.read(64)
            if len(hdr) < 64 or hdr[:4] != b"\x7fELF" or hdr[4] != 2 or hdr[5] != 1:
                return None
            phoff, = struct.unpack_from("<Q", hdr, 32)
            phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError:
        return None
    for i in range(min(phnum, len(table) // max(phentsize, 1))):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", table, i * phentsize)
        if p_type == 1 and p_flags & 1 and p_offset <= offset < p_offset + p_filesz:
            return p_vaddr + (offset - p_offset)
    return None


def floor_uprobes(verbose_err):
    """The floor's uprobes: an entry and a return probe on every library function
    the tracer's -v output says its TLS capture probed (ST_TLS_PLACED), as
    (bpftrace lines, placements [(path, [function or address])], notes)."""
    lines, placements, notes = [], [], []
    for lib, what, path in ST_TLS_PLACED.findall(verbose_err):
        inner = ST_OPENSSL_INNER.search(what) if lib == "openssl" else None
        if inner:
            # The tracer gives file offsets; bpftrace takes an address.
            targets = []
            for off in inner.groups():
                vaddr = elf_vaddr(path, int(off, 16))
                if vaddr is None:
                    notes.append(f"{path}: offset {off} is in no executable segment; "
                                 f"the floor leaves it out")
                else:
                    targets.append(f"{vaddr:#x}")
        else:
            targets = [name.strip() for name in what.split(",")]
        # Every libssl and libgnutls the capture knows has them (it skips those absent).
        targets += TLS_SESSION_CALLS[lib]
        placements.append((path, targets))
        for t in targets:
            lines += [f"uprobe:{path}:{t} {{ }}", f"uretprobe:{path}:{t} {{ }}"]
    return lines, placements, notes


def floor_script(ctx, verbose_err):
    """bench/floor.bt with its uprobe block replaced by the placements of the
    tracer's startup (-v) on this machine, written to the temporary directory.
    Returns its description: path, tracepoints, uprobes, placements, notes."""
    text = read_text(os.path.join(BENCH_DIR, "floor.bt"))
    b, e = text.find(FLOOR_UPROBES_BEGIN), text.find(FLOOR_UPROBES_END)
    if b == -1 or e < b:
        raise BenchError("bench/floor.bt: no bench:uprobes markers")
    lines, placements, notes = floor_uprobes(verbose_err)
    text = text[:b + len(FLOOR_UPROBES_BEGIN)] + "".join(l + "\n" for l in lines) + text[e:]
    tracepoints = len(FLOOR_TRACEPOINT.findall(text))
    m = ST_ATTACHED.search(verbose_err)
    if m and int(m.group(1)) != tracepoints:
        notes.append(f"socket-tracer attached {m.group(1)} tracepoints, bench/floor.bt "
                     f"has {tracepoints}")
    if not placements:
        notes.append("socket-tracer -v named no library it probed for TLS: the floor has "
                     "no uprobes")
    path = os.path.join(ctx["tmp"], "floor.bt")
    with open(path, "w") as f:
        f.write(text)
    return {"path": path, "tracepoints": tracepoints, "uprobes": len(lines),
            "tracer_tracepoints": int(m.group(1)) if m else None,
            "placements": placements, "notes": notes}


# --------------------------------------------------------------------------- conditions

WORKLOADS = [
    # key, title, file, extra wrk arguments, over TLS
    ("ka612", "keep-alive, 612 B", "612.html", [], False),
    ("ka64k", "keep-alive, 64 KiB", "64k.html", [], False),
    ("close612", "Connection: close, 612 B", "612.html", ["-H", "Connection: close"], False),
    ("https612", "HTTPS keep-alive, 612 B", "612.html", [], True),
    ("httpsclose612", "HTTPS Connection: close, 612 B (a full TLS handshake per request)",
     "612.html", ["-H", "Connection: close"], True),
]

CONDITIONS = [
    # key, label
    ("none", "none (untraced)"),
    ("floor", "bpftrace floor.bt: the default program's probes, empty"),
    ("st_nodata", "socket-tracer --no-data"),
    ("st_json", "socket-tracer --json (full capture)"),
    ("st_exch", "socket-tracer --exchanges-only (human)"),
    ("st_exch_json", "socket-tracer --exchanges-only --json"),
    ("st_stats", "socket-tracer --stats=2 (a table, no lines)"),
    ("st_metrics", "socket-tracer --metrics (no lines)"),
    ("st_ring", "socket-tracer --json --ring-buffer (full capture)"),
    ("st_pid", "socket-tracer --json -p &lt;idle pid&gt;"),
    ("st_json_notls", "socket-tracer --json --no-tls (no TLS plaintext capture)"),
    ("strace", "strace -f -p &lt;worker&gt;"),
    ("peer", "bpftrace peer.bt (printf per event)"),
    ("sslsniff", "sslsniff-bpfcc --no-gnutls --no-nss &gt; /dev/null"),
]
# Conditions about TLS only, not run on the cleartext workloads
TLS_CONDITIONS = {"st_json_notls", "sslsniff"}
# socket-tracer's options per condition; st_metrics adds its address
ST_ARGS = {
    "st_nodata": ["--no-data"],
    "st_json": ["--json"],
    "st_ring": ["--json", "--ring-buffer"],
    "st_pid": ["--json"],
    "st_json_notls": ["--json", "--no-tls"],
    "st_exch": ["--exchanges-only"],
    "st_exch_json": ["--exchanges-only", "--json"],
    "st_stats": ["--stats=2"],
    "st_metrics": ["-q", "--metrics"],
}
# Conditions that print no lines: their rate is the exchanges of the tracer's summary
NO_LINES = {"st_stats", "st_metrics"}
METRICS_MISSING = "this socket-tracer's --help does not list --metrics"


class Running:
    """One started tracer condition."""

    def __init__(self, key, proc, out_path, err_path, kind):
        self.key, self.proc, self.out_path, self.err_path, self.kind = key, proc, out_path, err_path, kind
        self.probes = None
        self.expected_probes = None


def start_condition(key, ctx, run_dir, devnull=False):
    """Start the tracer of condition key and wait until it is ready. None for 'none'.
    devnull: socket-tracer's stdout to /dev/null whatever the condition. A tracer
    that does not get ready is stopped, and BenchError raised."""
    if key == "none":
        return None
    procs = ctx["procs"]
    n = len(procs.started)
    try:
        return _start_condition(key, ctx, run_dir, devnull)
    except BenchError as e:
        for p in procs.started[n:]:
            Procs.stop(p, signal.SIGINT, 10)
        err = read_text(os.path.join(run_dir, key + ".err")).strip()
        raise BenchError(f"{e}" + (f"; its stderr ends: {err[-600:]}" if err else ""))


def _start_condition(key, ctx, run_dir, devnull):
    procs, tracer = ctx["procs"], ctx["tracer"]
    out = os.path.join(run_dir, key + ".out")
    err = os.path.join(run_dir, key + ".err")
    if key in ("floor", "peer"):
        if key == "floor":
            # --unsafe: a stripped libssl's functions are addresses with no symbol
            # for bpftrace to check an instruction boundary against
            argv = ["bpftrace", "--unsafe", ctx["floor"]["path"]]
        else:
            argv = ["bpftrace", os.path.join(BENCH_DIR, "peer.bt")]
        p = procs.start_to_files(argv, out, err)
        r = Running(key, p, out, err, "bpftrace")
        r.expected_probes = (ctx["floor"]["tracepoints"] + ctx["floor"]["uprobes"]
                             if key == "floor" else PEER_PROBES)

        def attached():
            m = BT_ATTACHING.search(read_text(out)[:4096]) or BT_ATTACHING.search(read_text(err))
            return m
        m = wait_for(attached, TRACER_READY_TIMEOUT, 0.05, f"{key}: 'Attaching N probes'", p)
        r.probes = int(m.group(1))
        time.sleep(1.0)
    elif key.startswith("st_"):
        argv = [tracer] + ST_ARGS[key]
        if key == "st_metrics":
            ctx["metrics_port"] = free_port()
            argv.append(f"127.0.0.1:{ctx['metrics_port']}")
        if key == "st_nodata" or devnull:
            out = None          # stdout to /dev/null
        if key == "st_pid":
            argv += ["-p", str(ctx["sleeper"].pid)]
        p = procs.start_to_files(argv, out, err)
        r = Running(key, p, out, err, "socket-tracer")
        if key == "st_metrics":
            # -q prints no status line: ready once a scrape shows the tracepoints
            # attached (the tracer publishes its counts after attaching)
            wait_for(lambda: metric_sum(scrape_metrics(ctx["metrics_port"]),
                                        "socket_tracer_probes_attached", kind="tracepoint"),
                     TRACER_READY_TIMEOUT, 0.1,
                     f"{key}: socket_tracer_probes_attached{{kind=\"tracepoint\"}} in /metrics", p)
        else:
            ready = ST_READY_RING if key == "st_ring" else ST_READY
            wait_for(lambda: ready in read_text(err), TRACER_READY_TIMEOUT, 0.02,
                     f"{key}: '{ready}'", p)
    elif key == "sslsniff":
        # It prints its header only after attaching, and block-buffered into a pipe
        # or file, so readiness is its uprobes showing up in bpftool.
        if "sslsniff_env" not in ctx:
            ctx["sslsniff"] = sslsniff_copy(ctx["tmp"])
            ctx["sslsniff_env"] = bcc_python_env(ctx["tmp"])
        p = procs.start_to_files([ctx["sslsniff"], "--no-gnutls", "--no-nss"], None, err,
                                 ctx["sslsniff_env"])
        r = Running(key, p, None, err, "sslsniff")
        wait_for(lambda: len(uprobes_attached().get(p.pid, [])) >= SSLSNIFF_PROBES,
                 TRACER_READY_TIMEOUT, 0.25, f"{key}: {SSLSNIFF_PROBES} uprobes in bpftool perf list", p)
        time.sleep(1.0)     # from the last attach to its perf buffers being opened
    elif key == "strace":
        p = procs.start_to_files(["strace", "-f", "-p", str(ctx["nginx"].worker), "-o", out],
                                 None, err)
        r = Running(key, p, out, err, "strace")
        time.sleep(0.5)
        if p.poll() is not None:
            raise BenchError(f"strace exited with status {p.returncode}")
    else:
        raise ValueError(key)
    return r


def run_wrk(ctx, workload, seconds):
    _, _, name, extra, tls = workload
    argv = ["wrk", "-t1", "-c16", f"-d{seconds}s"] + extra + [ctx["nginx"].url(name, tls)]
    # wrk is the only child waited for in between: the difference is its CPU
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = ctx["procs"].start(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        Procs.stop(p, signal.SIGTERM, 5)
        raise BenchError(f"wrk did not finish within {seconds + 60} s")
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = out.decode(errors="replace")
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if p.returncode != 0 or not m:
        raise BenchError(f"wrk failed (status {p.returncode}):\n{out}")
    res = {"rps": float(m.group(1)), "errors": 0, "non2xx": 0,
           "client_cpu": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)}
    m = WRK_REQUESTS.search(out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] = sum(int(x) for x in m.groups())
        res["errors_text"] = m.group(0)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    return res


PROM_NAME = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)")
PROM_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*([,}])')


def prom_samples(text):
    """The samples of a Prometheus text exposition: [(name, {label: value}, value)].
    Label values are kept escaped (endpoints hold braces, so they are read quoted)."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = PROM_NAME.match(line)
        if not m:
            continue
        pos, labels = m.end(), {}
        if line.startswith("{", pos):
            pos += 1
            closed = line.startswith("}", pos)
            pos += closed
            while not closed:
                lm = PROM_LABEL.match(line, pos)
                if not lm:
                    break
                labels[lm.group(1)] = lm.group(2)
                pos, closed = lm.end(), lm.group(3) == "}"
            if not closed:
                continue
        fields = line[pos:].split()
        try:
            out.append((m.group(1), labels, float(fields[0])))
        except (IndexError, ValueError):
            continue
    return out


def scrape_metrics(port):
    """One GET of /metrics from the tracer: its samples and a one-line account."""
    try:
        # no proxy from the environment for a loopback address
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            body = resp.read()
            status = resp.status
    except (OSError, ValueError) as e:
        return {"ok": False, "samples": [], "text": f"GET /metrics failed: {e}"}
    samples = prom_samples(body.decode(errors="replace"))
    return {"ok": status == 200 and bool(samples), "samples": samples,
            "text": f"GET /metrics: HTTP {status}, {len(body):,} bytes, {len(samples)} samples"}


def metric_sum(scrape, name, **labels):
    """The sum of the samples of name whose labels include labels; None when none."""
    vals = [v for n, l, v in scrape["samples"]
            if n == name and all(l.get(k) == want for k, want in labels.items())]
    return sum(vals) if vals else None


def one_run(ctx, workload, cond, seconds, run_dir, devnull=False):
    """Start cond, run wrk for seconds, stop cond. Returns a result dict."""
    res = {"workload": workload[0], "cond": cond}
    check_uprobes = workload[4] or cond in TLS_CONDITIONS
    foreign = {}
    if check_uprobes:
        foreign.update(foreign_uprobes(ctx["procs"]))
    r = start_condition(cond, ctx, run_dir, devnull)
    try:
        if r:
            bt = r.kind == "bpftrace"
            lines0 = count_lines(r.out_path, bt)[0] if r.out_path else 0
            cpu0 = cpu_seconds(r.proc.pid)
        others = other_tracers(ctx["procs"])
        server0 = worker_cpu_seconds(ctx["nginx"].worker)
        t0 = time.monotonic()
        res.update(run_wrk(ctx, workload, seconds))
        elapsed = time.monotonic() - t0
        server1 = worker_cpu_seconds(ctx["nginx"].worker)
        if server0 is not None and server1 is not None:
            res["server_cpu"] = server1 - server0
        others.update(other_tracers(ctx["procs"]))
        if others:
            res["others"] = others
        if check_uprobes:
            attached = uprobes_attached()
            if r:
                res["uprobes"] = len(attached.get(r.proc.pid, []))
            foreign.update(foreign_uprobes(ctx["procs"], attached))
            if foreign:
                res["foreign_uprobes"] = foreign
        if r:
            cpu1 = cpu_seconds(r.proc.pid)
            res["cpu"] = cpu1 - cpu0
            vm = vm_status(r.proc.pid)
            if vm:
                res["vm"] = vm
            if r.proc.poll() is not None:
                res["died"] = f"{r.key} exited during the run (status {r.proc.returncode})"
            elif r.key == "st_metrics":
                res["metrics"] = scrape_metrics(ctx["metrics_port"])
    finally:
        if r:
            Procs.stop(r.proc, signal.SIGINT)
    if r:
        res["probes"], res["expected_probes"] = r.probes, r.expected_probes
        err = read_text(r.err_path)
        if r.out_path:
            lines1, lost = count_lines(r.out_path, r.kind == "bpftrace")
            try:
                res["bytes_written"] = os.path.getsize(r.out_path)
            except OSError:
                pass
            res["lines"] = lines1 - lines0
            res["lines_per_s"] = (lines1 - lines0) / elapsed
            if r.kind == "bpftrace":
                lost += sum(int(x) for x in re.findall(r"^Lost (\d+) events", err, re.M))
                res["lost"] = lost
            try:
                os.unlink(r.out_path)   # --json of 64 KiB bodies grows fast
            except OSError:
                pass
        if r.kind == "sslsniff":
            res["lost"] = sum(int(x) for x in BCC_LOST.findall(err))
        if r.key == "st_metrics":
            # -q: no summary; the counts of the last scrape (its health counters
            # are published once a second, so up to a second behind)
            scrape = res.get("metrics", {"samples": []})
            res["exchanges"] = int(metric_sum(scrape, "socket_tracer_requests_total") or 0)
            res["exchanges_per_s"] = res["exchanges"] / elapsed
            for key, cause in (("lost", "buffer_full"), ("refused", "refused"),
                               ("malformed", "malformed")):
                v = metric_sum(scrape, "socket_tracer_lost_samples_total", cause=cause)
                if v is not None:
                    res[key] = int(v)
            v = metric_sum(scrape, "socket_tracer_probes_attached", kind="uprobe")
            if v is not None:
                res["uprobes"] = int(v)
            scrape.pop("samples", None)
        elif r.kind == "socket-tracer":
            m = ST_SUMMARY.search(err)
            if m:
                res["st_events"] = int(m.group(1))
                res["lost"] = int(m.group(6))
                res["malformed"] = int(m.group(7))
                res["refused"] = int(m.group(8) or 0)
                if not r.out_path:
                    res["events_per_s_summary"] = int(m.group(1)) / elapsed
            else:
                res["no_summary"] = err[-800:]
            m = ST_EXCHANGES.search(err)
            res["exchanges"] = int(m.group(1)) if m else 0
            res["exchanges_per_s"] = res["exchanges"] / elapsed
            m = ST_TLS_UPROBES.search(err)
            if m:
                res["uprobes"] = int(m.group(1))
        if r.proc.returncode not in (0, None) and r.kind != "strace":
            res["exit"] = r.proc.returncode
    return res


# --------------------------------------------------------------------------- startup, RSS

def measure_startup(ctx, n=7):
    """Seconds from exec to ready, and the compile child's (CPU s, peak RSS MiB), per
    run; and the first run's stderr (its -v lines name every probe attached)."""
    times, compiles, first_err = [], [], None
    for i in range(n):
        t0 = time.monotonic()
        p = ctx["procs"].start([ctx["tracer"], "--json", "-v"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        buf = b""
        ready = None
        try:
            deadline = t0 + TRACER_READY_TIMEOUT
            while ready is None and time.monotonic() < deadline:
                rl, _, _ = select.select([p.stderr], [], [], 0.5)
                if rl:
                    chunk = os.read(p.stderr.fileno(), 65536)
                    if not chunk:
                        break
                    buf += chunk
                    if ST_READY.encode() in buf:
                        ready = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                rest, _ = p.communicate(timeout=STOP_TIMEOUT)
                buf += rest or b""
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate(timeout=10)
        if ready is None:
            raise BenchError("socket-tracer never printed 'Reading perf buffers':\n"
                             + buf.decode(errors="replace")[-1500:])
        times.append(ready)
        if first_err is None:
            first_err = buf.decode(errors="replace")
        m = ST_COMPILE.search(buf)
        if m:
            compiles.append((float(m.group(1)), float(m.group(2))))
        log(f"startup {i + 1}/{n}: {ready:.2f} s")
    return times, compiles, first_err


def measure_rss(ctx, seconds, run_dir):
    ka = WORKLOADS[0]
    log(f"RSS: socket-tracer --json > /dev/null under {ka[1]} for {seconds} s")
    return one_run(ctx, ka, "st_json", seconds, run_dir, devnull=True)


# --------------------------------------------------------------------------- report

def fmt_num(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def med_range(vals, digits=0):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    med = statistics.median(vals)
    if len(vals) == 1 or min(vals) == max(vals):
        return fmt_num(med, digits)
    return f"{fmt_num(med, digits)} ({fmt_num(min(vals), digits)}–{fmt_num(max(vals), digits)})"


def tool_help(tracer):
    """The tracer's --help text, empty when it does not run."""
    try:
        p = subprocess.run([tracer, "--help"], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (p.stdout + p.stderr).decode(errors="replace")


def tool_version(argv, pattern=None):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (p.stdout + p.stderr).decode(errors="replace")
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else "?"
    return text.strip().splitlines()[0] if text.strip() else "?"


def machine_line(tracer, tls):
    model = "?"
    for line in read_text("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    distro = "?"
    for line in read_text("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            distro = line.split("=", 1)[1].strip('"')
    parts = [
        f"nproc {len(os.sched_getaffinity(0))} ({model})",
        f"kernel {os.uname().release}",
        distro,
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    ]
    tools = [
        tool_version([tracer, "--version"]),
        "nginx " + tool_version(["nginx", "-v"], r"nginx/(\S+)"),
        "wrk " + tool_version(["wrk", "--version"], r"wrk (\S+)"),
        "bpftrace " + tool_version(["bpftrace", "--version"], r"(v[\d.]+)"),
        "strace " + tool_version(["strace", "-V"], r"version (\S+)"),
    ]
    if tls:
        tools += [
            tool_version(["openssl", "version"], r"(OpenSSL \S+)"),
            "sslsniff-bpfcc (bpfcc-tools "
            + tool_version(["dpkg-query", "-W", "-f=${Version}", "bpfcc-tools"], r"(\S+)") + ")",
        ]
    return "Machine: " + ", ".join(parts) + ". Tools: " + ", ".join(tools) + "."


def per_request_us(ok, key):
    return med_range([x[key] / x["requests"] * 1e6 for x in ok
                      if x.get(key) is not None and x.get("requests")], 1)


def rate_cells(ckey, ok):
    """(per second, per tracer CPU second) of what the condition writes: lines, or
    for --no-data the summary's events (†), for conditions without lines the
    summary's exchanges (‡)."""
    if ckey in ("none", "floor", "sslsniff"):
        return "—", "—"
    if ckey == "st_nodata":
        rate, count, mark = "events_per_s_summary", "st_events", " †"
    elif ckey in NO_LINES:
        rate, count, mark = "exchanges_per_s", "exchanges", " ‡"
    else:
        rate, count, mark = "lines_per_s", "lines", ""
    per_s = med_range([x.get(rate) for x in ok])
    per_cpu = med_range([x[count] / x["cpu"] for x in ok if x.get(count) and x.get("cpu")])
    return (per_s + mark if per_s != "—" else per_s), (per_cpu + mark if per_cpu != "—" else per_cpu)


def http_row(ckey, label, ok, ratio):
    cpu = med_range([x.get("cpu") for x in ok], 2) if ckey != "none" else "—"
    ev, per_cpu = rate_cells(ckey, ok)
    if ckey.startswith("st_") or ckey == "peer":
        lost = med_range([x.get("lost") for x in ok])
    else:
        lost = "—"
    return f"| {label} | {med_range([x['rps'] for x in ok])} | {ratio} | {cpu} | {ev} | {per_cpu} | {lost} |"


def tls_row(ckey, label, ok, ratio):
    traced = ckey != "none"
    cpu = med_range([x.get("cpu") for x in ok], 2) if traced else "—"
    tracer_us = per_request_us(ok, "cpu") if traced else "—"
    uprobes = med_range([x.get("uprobes") for x in ok]) if traced else "—"
    ev, per_cpu = rate_cells(ckey, ok)
    lost = med_range([x.get("lost") for x in ok]) if traced else "—"
    return (f"| {label} | {med_range([x['rps'] for x in ok])} | {ratio} | "
            f"{per_request_us(ok, 'server_cpu')} | {per_request_us(ok, 'client_cpu')} | "
            f"{tracer_us} | {cpu} | {uprobes} | {ev} | {per_cpu} | {lost} |")


http_table = (["| condition | median req/s (min–max) | ratio to untraced | tracer CPU s | events/s written | events per tracer CPU s | lost samples |",
               "|---|---:|---:|---:|---:|---:|---:|"], http_row)
tls_table = (["| condition | median req/s (min–max) | ratio to untraced | nginx worker CPU µs/req | wrk CPU µs/req | tracer CPU µs/req | tracer CPU s | uprobes attached | events/s written | events per tracer CPU s | lost samples |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"], tls_row)


def run_notes(what, rs):
    notes = []
    for x in rs:
        for k in ("error", "died", "no_summary"):
            if k in x:
                notes.append(f"{what}: {k}: {x[k].strip()}")
        if x.get("errors"):
            notes.append(f"{what}: wrk {x.get('errors_text')}")
        if x.get("non2xx"):
            notes.append(f"{what}: wrk non-2xx responses: {x['non2xx']}")
        if x.get("malformed"):
            notes.append(f"{what}: {x['malformed']} malformed samples")
        if x.get("probes") is not None and x["probes"] != x.get("expected_probes"):
            notes.append(f"{what}: bpftrace attached {x['probes']} probes, "
                         f"expected {x.get('expected_probes')}")
        if x.get("refused"):
            notes.append(f"{what}: {x['refused']} samples refused by the kernel (not for room)")
        if x.get("cond") == "st_metrics" and x.get("lines"):
            notes.append(f"{what}: {x['lines']} lines on stdout, expected none with -q")
        if "metrics" in x:
            notes.append(f"{what}: {x['metrics']['text']}"
                         + ("" if x["metrics"]["ok"] else " — the endpoint did not answer with samples"))
        if x.get("exit") not in (None, 0):
            notes.append(f"{what}: tracer exit status {x['exit']}")
        if x.get("foreign_uprobes"):
            desc = "; ".join(f"{who}: {len(probes)} ({', '.join(sorted(set(probes))[:4])})"
                             for who, probes in x["foreign_uprobes"].items())
            notes.append(f"{what}: uprobes of processes the bench did not start were attached "
                         f"(they fire in every process mapping the file, this run's untraced "
                         f"or not): {desc}")
    return notes


def report(ctx, results, startup, rss, args):
    S, R = args.seconds, args.rounds
    out = []
    quick = " (`--quick`: a smoke test, too short to quote)" if args.quick else ""
    cmd = " ".join(["bench/bench.py"] + ctx["argv"])
    out.append(f"Last run: `{cmd}`" +
               f" — {R} round(s) × {S} s per run, runs interleaved, condition order rotated each round{quick}. "
               f"nginx: 1 worker, `sendfile {'on' if args.sendfile else 'off'}`, keep-alive "
               f"requests unlimited; wrk `-t1 -c16`.")
    out.append("")
    out.append(machine_line(ctx["tracer"], any(w[4] for w in args.workloads)))
    out.append("")
    out.append(f"socket-tracer: `{args.tracer}`, sha256 {ctx['tracer_sha'][:16]}, copied at the "
               f"start and run from the copy.")
    notes = []
    tls_footnote = False
    for wl in args.workloads:
        wkey, title, fname, extra, tls = wl
        base = [x["rps"] for x in results if x["workload"] == wkey and x["cond"] == "none" and "rps" in x]
        base_med = statistics.median(base) if base else None
        url = f"{'https' if tls else 'http'}://127.0.0.1:PORT/{fname}"
        hdr = " ".join(["wrk", "-t1", "-c16", f"-d{S}s"] + [f'-H "{e}"' for e in extra[1::2]] + [url])
        out += ["", f"### {title}", "", f"`{hdr}`", ""]
        if tls:
            tls_footnote = True
            out += [f"nginx TLS: {ctx['nginx'].tls_session or '?'} (as negotiated with Python's "
                    f"client), self-signed ECDSA P-256 certificate, no session cache or tickets.", ""]
        table = tls_table if tls else http_table
        out += table[0]
        for ckey, label in conditions_of(wl, args.conditions):
            rs = [x for x in results if x["workload"] == wkey and x["cond"] == ckey]
            ok = [x for x in rs if "rps" in x]
            skipped = [x["skipped"] for x in rs if "skipped" in x]
            if not ok:
                why = f"skipped: {skipped[0]}" if skipped and len(skipped) == len(rs) else "failed"
                out.append(f"| {label} | {why} |" + " — |" * (table[0][1].count("|") - 3))
            else:
                ratio = f"{statistics.median(x['rps'] for x in ok) / base_med:.2f}" if base_med else "—"
                out.append(table[1](ckey, label, ok, ratio))
            notes += run_notes(f"{title} / {label}", rs)
    out += ["",
            "Tracer CPU s: user + system CPU seconds of the tracer process during the wrk run "
            "(the BPF programs themselves run in the traced processes' context, so their cost "
            "shows up as lost req/s, not here). Events/s written: lines the tracer wrote to its "
            "output file per second of wrk run (peer.bt prints every call of every process "
            "except bpftrace, sockets or not; strace every syscall of the nginx worker). "
            "Events per tracer CPU s: lines written divided by the tracer's CPU seconds (decoded, "
            "formatted and written, for socket-tracer). "
            "† `--no-data` writes to /dev/null: socket-tracer's own event count from its "
            "summary, per second. ‡ `--stats` (its table refreshed every 2 s, to a file) and "
            "`--metrics` print no lines: the exchanges of socket-tracer's exit summary "
            "(`N exchanges; ...`, counted from its start, so a few from other processes "
            "before wrk starts), per second of wrk run and per tracer CPU second; for `--metrics` "
            "(with `-q`, which prints neither lines nor a summary) the sum of "
            "`socket_tracer_requests_total` in one scrape of its `/metrics` at the end of the "
            "run, which also gives its lost samples. Exchanges are counted on both sides, "
            "nginx's and wrk's, so about twice the requests. "
            "`--exchanges-only` writes one line per request/response exchange, not per event. "
            "Lost samples: socket-tracer's summary (perf buffer overruns, the larger of the "
            "kernel's and the BPF program's count); for peer.bt the sum of bpftrace's "
            "`Lost N events`.", ""]
    fl = ctx["floor"]
    where = "; ".join(f"`{path}`: {', '.join(targets)}" for path, targets in fl["placements"])
    out += [f"Floor: `bench/floor.bt` with {fl['tracepoints']} tracepoints (socket-tracer "
            f"attached {fl['tracer_tracepoints'] or '?'}) and {fl['uprobes']} uprobes, an entry and a return probe "
            f"where socket-tracer's TLS capture probed libraries at its startup on this machine"
            + (f" ({where})" if where else "") + ", all with empty bodies.", ""]
    notes += [f"floor: {n}" for n in fl["notes"]]
    if tls_footnote:
        out += ["HTTPS tables: CPU µs per request is the CPU time during the wrk run divided by "
                "the requests wrk completed: the nginx worker's utime + stime (a uprobe's "
                "handler and its single-step run in the process that hits it), wrk's (it links "
                "the same libssl, so a uprobe attached to the file fires in it too), and the "
                "tracer's own. Uprobes attached: the uprobes and uretprobes the tracer held in "
                "`bpftool perf list` at the end of the run (socket-tracer's are uprobe_multi "
                "links, which it does not list: the count of its own TLS summary line). "
                "sslsniff writes to /dev/null (its "
                "lines are not counted); its lost samples are bcc's `Possibly lost N samples`. Debian's "
                "sslsniff does not compile against Debian's 6.1 kernel headers (bcc issue 5241); the "
                "bench runs a copy with that one `min()` spelled as a comparison, bcc's own fix, and "
                "without headers for the running kernel gives bcc a tree merged from "
                "linux-headers-*-common and its arch directory (`BCC_KERNEL_SOURCE`).", ""]
    times, compiles = startup
    if times:
        out.append(f"Startup (exec of `socket-tracer --json -v` to `{ST_READY}`, bcc compiles the "
                   f"full program in a child process): median {statistics.median(times):.2f} s "
                   f"(runs: {', '.join(f'{t:.2f}' for t in times)}).")
    if compiles:
        out.append(f"The compile child (its `-v` line): median "
                   f"{statistics.median(c[0] for c in compiles):.2f} CPU s, peak RSS "
                   f"{max(c[1] for c in compiles):.1f} MiB; it exits before tracing starts.")
    if rss:
        out.append("")
        out.append(rss)
    others = {}
    for i, x in enumerate(results):
        for pid, cmd in x.get("others", {}).items():
            others.setdefault((pid, cmd), []).append(i + 1)
    if others:
        lst = sorted(others.items(), key=lambda kv: kv[1][0])
        desc = "; ".join(f"pid {pid} `{cmd}` (runs {runs[0]}–{runs[-1]})" if len(runs) > 1
                         else f"pid {pid} `{cmd}` (run {runs[0]})" for (pid, cmd), runs in lst[:10])
        more = f"; and {len(lst) - 10} more" if len(lst) > 10 else ""
        notes.append(f"Other tracers were running during {len({r for v in others.values() for r in v})} "
                     f"of {len(results)} runs (not started by the bench; their probes fire in "
                     f"every process, so they load every condition, 'none' included): "
                     f"{desc}{more}.")
    if notes:
        out += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


INTRO = """\
# Performance

What socket-tracer costs a busy server, measured by `bench/bench.py`: nginx (one
worker, on 127.0.0.1) serves a 612-byte and a 64 KiB file while `wrk -t1 -c16`
drives it with three workloads — keep-alive 612 B, keep-alive 64 KiB, and
`Connection: close` 612 B (one connection per request, so connect/accept/close
events dominate). Each workload runs under each condition:

- **none**: untraced;
- **floor**: `bench/floor.bt`, bpftrace with an empty body on every probe
  socket-tracer's default program attaches — its 31 tracepoints (syscall exits,
  close's entry, process exit, exec and new task, the sock I/O and TCP state
  tracepoints, io_uring, mmap's exit) and the 16 uprobes and uretprobes of its
  TLS capture on libssl (the internal write and read under `SSL_write`/`SSL_read`
  and their `_ex`, `SSL_do_handshake`, `SSL_shutdown`) and libgnutls
  (`gnutls_record_send2`, `gnutls_record_recv`, `gnutls_handshake`, `gnutls_bye`)
  — the price of merely being attached. libssl is stripped, so its internal
  functions are addresses: the bench takes them from `socket-tracer -v` at its
  startup on the machine and writes them into its copy of the script (run with
  bpftrace's `--unsafe`);
- **socket-tracer --no-data**: connection events only, data probes not attached;
- **socket-tracer --json**: full capture and decoding, JSON lines to a file;
- **socket-tracer --exchanges-only** (human lines to a file) and
  **--exchanges-only --json**: one line per decoded request/response exchange,
  no event lines;
- **socket-tracer --stats=2**: the live table of exchanges by endpoint instead of
  lines (to a file); rated by the exchanges of the tracer's exit summary;
- **socket-tracer --metrics 127.0.0.1:PORT -q**: a Prometheus endpoint instead of
  lines; ready when a scrape shows its tracepoints attached, rated and its losses
  read from one scrape at the end of the run (skipped, with a note, by a binary
  whose `--help` does not list `--metrics`);
- **socket-tracer --json --ring-buffer**: the same through one BPF ring buffer
  instead of per-CPU perf buffers;
- **socket-tracer --json -p** an idle pid: every probe attached, everything
  filtered out in the kernel;
- **strace -f -p** the nginx worker: a ptrace-based peer;
- **bpftrace peer.bt**: `bench/peer.bt`, a bpftrace peer printing one line per
  event to a file.

Two HTTPS workloads (`https612`: keep-alive over TLS; `httpsclose612`: a full TLS
handshake per request; nginx with a self-signed certificate made at run time, `wrk` over
https) run every condition above and two of their own: **socket-tracer --json --no-tls**
(the syscall capture without TLS plaintext) and **sslsniff-bpfcc** (bcc's uprobes on
libssl, output to /dev/null); their tables give CPU per request of the nginx worker, wrk
and the tracer.

Runs are interleaved (round, then workload, then condition; each round starts one
condition later, so no condition always follows the same one), so drift spreads over
every condition; each cell gives the median over rounds and the range. Each tracer
is started and waited for before wrk starts and stopped after it ends. The table
also gives the tracer's own CPU time, the lines it wrote per second, and the
samples socket-tracer (or bpftrace) reported lost, then socket-tracer's startup
time and memory. For `--stats` and `--metrics`, which print no lines, the rate
columns give exchanges instead (marked ‡), counted on both sides (nginx and wrk).

Run it, as root, on an otherwise idle machine:

```sh
bench/run.sh            # setup, build, 3 rounds × 8 s per run + a 60 s RSS run (~40 min)
bench/run.sh --quick    # smoke test: 1 round × 3 s, no 60 s RSS run
python3 bench/bench.py --tracer PATH --rounds R --seconds S   # no setup or build
python3 bench/bench.py --workloads https612,httpsclose612 \
    --conditions st_json,st_json_notls,sslsniff --rss-seconds 0  # TLS only
```

The numbers below are from the last run, written there by `bench/bench.py`;
everything between the markers is replaced on every run.

"""


def write_doc(path, block):
    body = f"{BEGIN}\n{block}{END}\n"
    if os.path.exists(path):
        text = read_text(path)
        b, e = text.find(BEGIN), text.find(END)
        if b != -1 and e != -1 and b < e:
            text = text[:b] + body.rstrip("\n") + text[e + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + body
    else:
        text = INTRO + body
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 1 round, 3 s per run, no 60 s RSS run")
    ap.add_argument("--rounds", type=int, help="rounds (default 3; 1 with --quick)")
    ap.add_argument("--seconds", type=int, help="seconds per wrk run (default 8; 3 with --quick)")
    ap.add_argument("--tracer", default=os.path.join(REPO, "build", "socket-tracer"),
                    help="socket-tracer binary (default: build/socket-tracer)")
    ap.add_argument("--rss-seconds", type=int, default=60,
                    help="length of the RSS run (default 60; 0 or --quick skip it)")
    ap.add_argument("--sendfile", action="store_true", help="nginx with sendfile on")
    ap.add_argument("--doc", default=DOC_DEFAULT, help="Markdown file to update")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary directory")
    ap.add_argument("--workloads", help="comma-separated subset of: "
                    + ", ".join(w[0] for w in WORKLOADS))
    ap.add_argument("--conditions", help="comma-separated subset of: "
                    + ", ".join(c[0] for c in CONDITIONS) + " ('none' is always run)")
    a = ap.parse_args(argv)
    a.workloads = pick_rows(ap, "--workloads", a.workloads, WORKLOADS)
    a.conditions = pick_rows(ap, "--conditions", a.conditions, CONDITIONS)
    if a.conditions[0][0] != "none":
        a.conditions.insert(0, CONDITIONS[0])
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.seconds = a.seconds or (3 if a.quick else 8)
    if a.rounds < 1 or a.seconds < 1:
        ap.error("--rounds and --seconds must be positive")
    return a


def conditions_of(workload, conditions):
    """The conditions that run on workload: those about TLS only on TLS workloads."""
    return [c for c in conditions if workload[4] or c[0] not in TLS_CONDITIONS]


def pick_rows(ap, flag, value, table):
    """The rows of table whose keys value lists, in table order; all without value."""
    if not value:
        return list(table)
    keys = value.split(",")
    unknown = [k for k in keys if k not in {row[0] for row in table}]
    if unknown:
        ap.error(f"{flag}: unknown {', '.join(unknown)}")
    return [row for row in table if row[0] in keys]


def check_env(args):
    if os.geteuid() != 0:
        raise BenchError("must run as root (BPF, strace -p)")
    tools = ["nginx", "wrk", "strace", "bpftrace"]
    if any(w[4] for w in args.workloads):
        tools += ["openssl", "bpftool"]
    for tool in tools:
        if not shutil.which(tool):
            raise BenchError(f"{tool} not found: run scripts/setup.sh")
    if any(w[4] for w in args.workloads) and "sslsniff" in (c[0] for c in args.conditions) \
            and not os.access(SSLSNIFF, os.X_OK):
        raise BenchError(f"{SSLSNIFF} not found (bpfcc-tools): run scripts/setup.sh")
    if not os.access(args.tracer, os.X_OK):
        raise BenchError(f"{args.tracer}: not an executable (build it, or pass --tracer)")
    for bt in ("floor.bt", "peer.bt"):
        if not os.path.exists(os.path.join(BENCH_DIR, bt)):
            raise BenchError(f"bench/{bt} missing")


def raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    args = parse_args(argv)
    args.tracer = os.path.abspath(args.tracer)
    check_env(args)
    # even when started with SIGINT ignored (a background job of a script)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_interrupt)
    signal.signal(signal.SIGHUP, raise_interrupt)

    procs = Procs()
    tmp = tempfile.mkdtemp(prefix="st-bench-")
    status = 0
    try:
        # The binary as it is now: a rebuild during the run must not change conditions
        # half way (the build dir is shared).
        tracer = os.path.join(tmp, "socket-tracer")
        shutil.copy2(args.tracer, tracer)
        ctx = {"procs": procs, "tracer": tracer, "argv": argv, "tmp": tmp,
               "tracer_sha": file_sha256(tracer)}
        ctx["nginx"] = Nginx(procs, tmp, args.sendfile, any(w[4] for w in args.workloads))
        log(f"nginx on 127.0.0.1:{ctx['nginx'].port}"
            + (f" and TLS on :{ctx['nginx'].tls_port} ({ctx['nginx'].tls_session})"
               if ctx["nginx"].tls_port else "")
            + f", worker pid {ctx['nginx'].worker}")
        ctx["sleeper"] = procs.start(["sleep", "infinity"], stdin=subprocess.DEVNULL)
        run_dir = os.path.join(tmp, "runs")
        os.makedirs(run_dir)

        times, compiles, verbose_err = measure_startup(ctx)
        startup = (times, compiles)
        ctx["floor"] = floor_script(ctx, verbose_err)
        log(f"floor: {ctx['floor']['tracepoints']} tracepoints, {ctx['floor']['uprobes']} uprobes"
            + "".join(f"; {n}" for n in ctx["floor"]["notes"]))
        ctx["has_metrics"] = "--metrics" in tool_help(tracer)

        results = []
        total = args.rounds * sum(len(conditions_of(wl, args.conditions)) for wl in args.workloads)
        n = 0
        for rnd in range(1, args.rounds + 1):
            # Each round starts one condition later, so that no condition
            # always runs right after the same one (a tracer's teardown, a
            # file of JSON just deleted).
            shift = (rnd - 1) % len(args.conditions)
            order = args.conditions[shift:] + args.conditions[:shift]
            for wl in args.workloads:
                for ckey, label in conditions_of(wl, order):
                    n += 1
                    if ckey == "strace":   # nginx may have replaced its worker
                        w = ctx["nginx"].find_worker()
                        if w != ctx["nginx"].worker:
                            log(f"nginx worker is now pid {w}")
                            ctx["nginx"].worker = w
                    try:
                        if ckey == "st_metrics" and not ctx["has_metrics"]:
                            res = {"workload": wl[0], "cond": ckey, "skipped": METRICS_MISSING}
                            log(f"[{n}/{total}] round {rnd}, {wl[1]}, {ckey}: skipped: "
                                f"{METRICS_MISSING}")
                            results.append(res)
                            continue
                        res = one_run(ctx, wl, ckey, args.seconds, run_dir)
                    except BenchError as e:
                        res = {"workload": wl[0], "cond": ckey, "error": str(e)}
                        log(f"[{n}/{total}] round {rnd}, {wl[1]}, {ckey}: FAILED: {e}")
                    else:
                        log(f"[{n}/{total}] round {rnd}, {wl[1]}, {ckey}: "
                            f"{res['rps']:,.0f} req/s"
                            + (f", cpu {res['cpu']:.2f} s" if "cpu" in res else "")
                            + (f", {res['exchanges_per_s']:,.0f} exchanges/s" if ckey in NO_LINES
                               else f", {res['lines_per_s']:,.0f} lines/s" if "lines_per_s" in res
                               else "")
                            + (f", lost {res['lost']}" if "lost" in res else "")
                            + (f", {res['bytes_written'] / 1e6:,.0f} MB written"
                               if "bytes_written" in res else "")
                            + (f", other tracers running: {len(res['others'])}"
                               if res.get("others") else ""))
                    results.append(res)
                    time.sleep(0.5)

        if args.quick or args.rss_seconds <= 0:
            vms = [x["vm"] for x in results if x["cond"] == "st_json" and "vm" in x]
            if vms:
                rss = (f"RSS of `socket-tracer --json` (no long RSS run; the highest "
                       f"seen at the end of the {args.seconds} s runs above, not after 60 s "
                       f"of load): peak (VmHWM) "
                       f"{max(v.get('VmHWM', 0) for v in vms) / 1024:.1f} MiB, "
                       f"VmRSS {max(v.get('VmRSS', 0) for v in vms) / 1024:.1f} MiB.")
            elif "st_json" in (c[0] for c in args.conditions):
                rss = "RSS: not measured (every socket-tracer --json run failed)."
            else:
                rss = "RSS: not measured (no socket-tracer --json run in this selection)."
        else:
            try:
                r = measure_rss(ctx, args.rss_seconds, run_dir)
                vm = r.get("vm", {})
                rss = (f"RSS of `socket-tracer --json > /dev/null` (full capture and decoding; "
                       f"/dev/null spares the disk gigabytes of JSON) after {args.rss_seconds} s "
                       f"of keep-alive 612 B load ({r['rps']:,.0f} req/s, lost samples "
                       f"{r.get('lost', '?')}): "
                       f"peak (VmHWM) {vm.get('VmHWM', 0) / 1024:.1f} MiB, "
                       f"steady (VmRSS) {vm.get('VmRSS', 0) / 1024:.1f} MiB.")
            except BenchError as e:
                rss = f"RSS: run failed: {e}"

        block = report(ctx, results, startup, rss, args)
        print(block)
        write_doc(args.doc, block)
        log(f"written to {args.doc}")
    except KeyboardInterrupt:
        log("interrupted: stopping everything started")
        status = 130
    except BenchError as e:
        log(f"error: {e}")
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        procs.cleanup()
        if not args.keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
