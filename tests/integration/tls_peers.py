"""TLS servers and clients on loopback for the TLS plaintext tests, each with a
throwaway self-signed certificate made by the test. Run this file to start
every pair once and print what each client reported.

Certificates
  make_cert(dirpath) -> (cert_path, key_path): PEM files for CN=localhost,
      subjectAltName DNS:localhost, IP:127.0.0.1, valid one day.
  expected_body(path) -> bytes: what GoHttpsServer, NodeHttpsServer and
      NginxHttpsServer answer to GET path: the path repeated to the length its
      last segment names ("/a/1000" is 1000 bytes), or the path once otherwise.

Servers: context managers (also .stop()), each with .port on 127.0.0.1, its
certificate in .cert/.key, everything in a temporary directory removed at stop.
  NginxHttpsServer(paths=DEFAULT_PATHS, comm="nginx"): nginx, one worker,
      HTTP/1.1 only (no http2), keep-alive (1000 requests, 60 s), serving
      expected_body(p) for each p in paths as a static file; other paths are
      404. .url(path), .worker_pid(). Another comm runs it through a symlink
      of that name, so a tracer's -c can tell it from other nginx.
  OpensslServer(mode="echo"|"www"): openssl s_server. "echo": plain mode,
      SSL_read/SSL_write; each byte received is sent back (relayed through its
      stdin by a thread here), the connection stays open until the client
      closes. "www": -www, an HTTP/1.0 status page, then it closes; it writes
      through BIO_f_ssl, which bypasses the exported SSL_write (spike §1).
  RedisTlsServer(): redis-server, TLS only (--port 0, --tls-auth-clients no).
  PostgresTlsServer(): a throwaway cluster run as the postgres user, ssl=on,
      trust authentication, user and database "postgres".
  GoHttpsServer(stripped=False): tls_programs/go_server.go built by go_build,
      comm "go_server" ("go_server_s" stripped). .url(path), .binary.
  NodeHttpsServer(): tls_programs/node_server.js, comm "node_tls_server".

Clients: each runs in a process of its own (so a tracer can filter it by pid
or comm), bounded by timeout, raises AssertionError when it fails, and returns
what the client itself reported.
  curl(urls) -> [CurlReply(status, size_download, size_request, size_header,
      local_port, num_connects)], one per URL, one curl process, --http1.1 -k:
      the URLs share one connection (num_connects 1 then 0).
  go_client(urls, stripped=False, delay=0) -> [HttpReply(status, body_len,
      local_port)]: one keep-alive connection; comm "go_client" ("go_client_s"
      stripped). delay: seconds it waits before its first request, so that a
      tracer started before it has probed the new binary by then.
  node_client(urls, delay=0) -> [HttpReply]: one keep-alive connection, comm
      "node_tls_client"; delay as go_client's.
  python_client(urls, comm="py_tls_client") -> [HttpReply]: urllib with an
      unverified context; urllib closes after each reply, so one connection
      per URL.
  asyncio_client(urls, comm="py_tls_async") -> [HttpReply]: python asyncio
      streams (TLS on memory buffers, an SSLObject), all URLs on one
      keep-alive connection to the first URL's host, HTTP/1.1 with
      Content-Length replies only.
  WaitingPythonClient(urls, comm): that client, but started at once and held
      (ssl imported, libssl mapped) until .release(); .pid, .replies() ->
      [HttpReply], a context manager (a PipedClient: killed, its pipes closed,
      on stop).
  wget(urls) -> [HttpReply(status, body_len, None)] from its -S headers (the
      body bytes written to stdout are checked against them): GnuTLS, one
      keep-alive connection.
  openssl_client(port, data, expect=None) -> bytes: openssl s_client -quiet
      sends data and returns what it read: expect bytes, or until the server
      closes when expect is None.
  redis_cli(port, commands) -> [str]: redis-cli --tls --insecure, all commands
      (each a list of words) on one connection, one output line each.
  psql(port, query) -> str: psql with PGSSLMODE=require, unaligned, tuples
      only, stripped.

Go builds
  go_build(src, out, stripped=False) -> out: GO111MODULE=off go build, with
      -ldflags='-s -w' when stripped, which is checked to leave .gopclntab but
      no .symtab.
  go_binary(name, stripped=False) -> path: tls_programs/<name>.go built once
      per process (a test module) into a temporary directory removed at exit.
"""

import atexit
import collections
import glob
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from peers import Process, free_port, wait_for_port

PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls_programs")
DEFAULT_PATHS = ("/hello", "/body/1000", "/body/100000")
CLIENT_TIMEOUT = 30

HttpReply = collections.namedtuple("HttpReply", "status body_len local_port")
CurlReply = collections.namedtuple(
    "CurlReply", "status size_download size_request size_header local_port num_connects")


def make_cert(dirpath):
    cert, key = os.path.join(dirpath, "cert.pem"), os.path.join(dirpath, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert, "-days", "1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def expected_body(path):
    last = path.rsplit("/", 1)[-1]
    length = int(last) if last.isdigit() else len(path)
    unit = path.encode()
    return (unit * (length // len(unit) + 1))[:length]


def read_line(stream, proc, timeout, what):
    """The first line a starting process writes to stream, within timeout."""
    deadline = time.time() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError("%s said nothing within %ds" % (what, timeout))
        ready, _, _ = select.select([stream], [], [], left)
        if not ready:
            continue
        chunk = os.read(stream.fileno(), 1)  # one byte: nothing past the line is taken
        if not chunk:
            raise AssertionError("%s exited with %s" % (what, proc.wait(5)))
        line += chunk
    return line.decode()


def _await_port(server, timeout=20):
    """wait_for_port that stops the server, and so removes its directory, if it fails."""
    try:
        wait_for_port(server.port, proc=server.proc, timeout=timeout)
    except AssertionError:
        server.stop()
        raise


class ListeningServer(Process):
    """A server that binds port 0 and says "listening PORT" on stderr, so the
    test needs no probe connection and has no port race."""

    def __init__(self, args, tmp, what):
        super().__init__(args, tmp=tmp)
        try:
            line = read_line(self.proc.stderr, self.proc, 30, what)
            if not line.startswith("listening "):
                raise AssertionError("%s: %s" % (what, line))
        except AssertionError:
            self.stop()
            raise
        self.port = int(line.split()[1])

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)


class NginxHttpsServer(Process):
    CONFIG = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    keepalive_requests 1000;
    keepalive_timeout 60s;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {tmp}/www;
    }}
}}
"""

    def __init__(self, paths=DEFAULT_PATHS, comm="nginx"):
        tmp = tempfile.mkdtemp(prefix="st-nginx-tls-")
        os.chmod(tmp, 0o755)  # the worker runs as nobody
        self.port = free_port()
        self.cert, self.key = make_cert(tmp)
        for path in paths:
            if not path.startswith("/") or path.endswith("/") or ".." in path:
                raise ValueError("not a file path: %r" % path)
            target = os.path.join(tmp, "www", path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(expected_body(path))
        config = os.path.join(tmp, "nginx.conf")
        with open(config, "w") as f:
            f.write(self.CONFIG.format(tmp=tmp, port=self.port, cert=self.cert, key=self.key))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if comm != "nginx":
            # The comm is the name exec'd, the symlink's own.
            os.symlink(binary, os.path.join(tmp, comm))
            binary = os.path.join(tmp, comm)
        super().__init__([binary, "-c", config, "-p", tmp], tmp=tmp)
        _await_port(self)

    def worker_pid(self, timeout=10):
        """The one worker's pid (the master's only child)."""
        deadline = time.time() + timeout
        path = "/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)
        while time.time() < deadline:
            with open(path) as f:
                children = f.read().split()
            if len(children) == 1:
                return int(children[0])
            time.sleep(0.05)
        raise AssertionError("nginx %d: no single worker within %ds" % (self.proc.pid, timeout))

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)


class OpensslServer(Process):
    def __init__(self, mode="echo"):
        if mode not in ("echo", "www"):
            raise ValueError("mode is echo or www, not %r" % mode)
        self.tmp = tempfile.mkdtemp(prefix="st-s_server-")
        self.port = free_port()
        self.cert, self.key = make_cert(self.tmp)
        # -brief: quiet, and stdin is data only (no Q/R command letters).
        args = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                "-cert", self.cert, "-key", self.key, "-brief"]
        if mode == "www":
            args.append("-www")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._echo = None
        if mode == "echo":
            self._echo = threading.Thread(target=self._relay, daemon=True)
            self._echo.start()
        _await_port(self)

    def _relay(self):
        """Sends back what the client sent; ends when s_server exits."""
        out, back = self.proc.stdout.fileno(), self.proc.stdin
        while True:
            chunk = os.read(out, 65536)
            if not chunk:
                return
            try:
                back.write(chunk)
                back.flush()
            except (BrokenPipeError, ValueError):
                return

    def stop(self):
        super().stop()
        if self._echo is not None:
            self._echo.join(10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except BrokenPipeError:
                pass


class RedisTlsServer(Process):
    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="st-redis-tls-")
        self.port = free_port()
        self.cert, self.key = make_cert(tmp)
        super().__init__(["redis-server", "--port", "0", "--tls-port", str(self.port),
                          "--tls-cert-file", self.cert, "--tls-key-file", self.key,
                          "--tls-auth-clients", "no", "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--protected-mode", "no",
                          "--dir", tmp], tmp=tmp)
        _await_port(self)


class PostgresTlsServer(Process):
    def __init__(self):
        self.port = free_port()
        bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        tmp = tempfile.mkdtemp(prefix="st-pg-tls-")
        data = os.path.join(tmp, "data")
        os.mkdir(data, 0o700)
        as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
        # postgres refuses a key others can read or that it does not own.
        self.cert, self.key = make_cert(tmp)
        for path in (tmp, data, self.cert, self.key):
            shutil.chown(path, "postgres", "postgres")
        os.chmod(self.key, 0o600)
        initdb = subprocess.run(as_postgres + [os.path.join(bindir, "initdb"), "-D", data,
                                               "-A", "trust", "-U", "postgres"],
                                capture_output=True, timeout=120)
        if initdb.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise AssertionError("initdb exited with %d: %s" % (initdb.returncode, initdb.stderr))
        super().__init__(as_postgres + [os.path.join(bindir, "postgres"), "-D", data,
                                        "-p", str(self.port), "-h", "127.0.0.1", "-k", tmp,
                                        "-c", "ssl=on", "-c", "ssl_cert_file=" + self.cert,
                                        "-c", "ssl_key_file=" + self.key], tmp=tmp)
        _await_port(self, timeout=60)


_go_builds = None


def go_build(src, out, stripped=False):
    cache = tempfile.mkdtemp(prefix="st-gocache-")
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOCACHE=cache,
               GOPATH=os.path.join(cache, "path"))
    args = ["go", "build", "-o", out] + (["-ldflags=-s -w"] if stripped else []) + [src]
    try:
        subprocess.run(args, env=env, check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if stripped:
        sections = subprocess.run(["readelf", "-S", "-W", out], check=True,
                                  capture_output=True, text=True).stdout
        if " .symtab " in sections or " .gopclntab " not in sections:
            raise AssertionError("%s: want .gopclntab and no .symtab:\n%s" % (out, sections))
    return out


def go_binary(name, stripped=False):
    global _go_builds
    if _go_builds is None:
        _go_builds = tempfile.mkdtemp(prefix="st-gobin-")
        atexit.register(shutil.rmtree, _go_builds, True)
    out = os.path.join(_go_builds, name + ("_s" if stripped else ""))
    if not os.path.exists(out):
        go_build(os.path.join(PROGRAMS, name + ".go"), out, stripped)
    return out


class GoHttpsServer(ListeningServer):
    def __init__(self, stripped=False):
        self.binary = go_binary("go_server", stripped)
        tmp = tempfile.mkdtemp(prefix="st-go-tls-")
        self.cert, self.key = make_cert(tmp)
        super().__init__([self.binary, "0", self.cert, self.key], tmp, "go_server")


class NodeHttpsServer(ListeningServer):
    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="st-node-tls-")
        self.cert, self.key = make_cert(tmp)
        super().__init__(["node", os.path.join(PROGRAMS, "node_server.js"), "0",
                          self.cert, self.key], tmp, "node_server.js")


def _run(args, what, **kwargs):
    kwargs.setdefault("capture_output", True)
    try:
        done = subprocess.run(args, timeout=CLIENT_TIMEOUT, **kwargs)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s: no answer within %ds" % (what, CLIENT_TIMEOUT)) from e
    if done.returncode != 0:
        raise AssertionError("%s exited with %d: %s" % (what, done.returncode, done.stderr))
    return done.stdout


def _http_replies(output, what, count):
    replies = []
    for line in output.decode().splitlines():
        status, length, port = line.split()
        replies.append(HttpReply(int(status), int(length), int(port)))
    if len(replies) != count:
        raise AssertionError("%s: %d replies for %d URLs: %r" % (what, len(replies), count, output))
    return replies


def curl(urls):
    args = ["curl", "-sS", "-k", "--http1.1", "--max-time", str(CLIENT_TIMEOUT),
            "-w", "%{http_code} %{size_download} %{size_request} %{size_header} "
                  "%{local_port} %{num_connects}\\n"]
    for url in urls:
        args += ["-o", "/dev/null", url]
    replies = [CurlReply(*map(int, line.split()))
               for line in _run(args, "curl").decode().splitlines()]
    if len(replies) != len(urls):
        raise AssertionError("curl: %d replies for %d URLs" % (len(replies), len(urls)))
    return replies


def go_client(urls, stripped=False, delay=0):
    args = [go_binary("go_client", stripped), "-delay", "%dms" % (delay * 1000)] + list(urls)
    return _http_replies(_run(args, "go_client"), "go_client", len(urls))


def node_client(urls, delay=0):
    args = ["node", os.path.join(PROGRAMS, "node_client.js"),
            "--delay-ms=%d" % (delay * 1000)] + list(urls)
    return _http_replies(_run(args, "node_client.js"), "node_client.js", len(urls))


PYTHON_CLIENT = r"""
import ctypes, os, ssl, sys, urllib.error, urllib.request
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
context = ssl._create_unverified_context()
if os.environ.get("ST_WAIT_FOR_STDIN"):
    print("ready", flush=True)
    sys.stdin.readline()
for url in sys.argv[2:]:
    try:
        reply = urllib.request.urlopen(url, context=context, timeout=20)
    except urllib.error.HTTPError as error:
        reply = error
    with reply:
        stream = reply.fp if reply.fp.__class__.__name__ != "HTTPResponse" else reply.fp.fp
        port = stream.raw._sock.getsockname()[1]  # before the read, which closes it
        print(reply.status, len(reply.read()), port, flush=True)
"""


def python_client(urls, comm="py_tls_client"):
    return _http_replies(_run([sys.executable, "-c", PYTHON_CLIENT, comm] + list(urls),
                              "python urllib"), "python urllib", len(urls))


ASYNCIO_CLIENT = r"""
import asyncio, ctypes, ssl, sys, urllib.parse
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c

async def main(urls):
    first = urllib.parse.urlsplit(urls[0])
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        first.hostname, first.port, ssl=ssl._create_unverified_context()), 20)
    port = writer.get_extra_info("sockname")[1]
    for url in urls:
        path = urllib.parse.urlsplit(url).path
        request = "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, first.netloc)
        writer.write(request.encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        lines = head.decode().split("\r\n")
        length = [int(l.split(":", 1)[1]) for l in lines
                  if l.lower().startswith("content-length:")][0]
        body = await asyncio.wait_for(reader.readexactly(length), 20)
        print(lines[0].split()[1], len(body), port, flush=True)
    writer.close()
    await writer.wait_closed()

asyncio.run(main(sys.argv[2:]))
"""


def asyncio_client(urls, comm="py_tls_async"):
    return _http_replies(_run([sys.executable, "-c", ASYNCIO_CLIENT, comm] + list(urls),
                              "python asyncio"), "python asyncio", len(urls))


class PipedClient:
    """A client process with its three pipes in self.proc, held until
    .release() writes "go" to it: killed, and its pipes closed, on stop."""

    def release(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def _output(self, what):
        """What the client wrote to stdout once it exited 0."""
        try:
            out, err = self.proc.communicate(timeout=CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise AssertionError("%s: no answer within %ds" % (what, CLIENT_TIMEOUT)) from e
        if self.proc.returncode != 0:
            raise AssertionError("%s exited with %d: %s" % (what, self.proc.returncode, err))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except BrokenPipeError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class WaitingPythonClient(PipedClient):
    def __init__(self, urls, comm):
        self.count = len(urls)
        self.proc = subprocess.Popen([sys.executable, "-c", PYTHON_CLIENT, comm] + list(urls),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     env=dict(os.environ, ST_WAIT_FOR_STDIN="1"))
        self.pid = self.proc.pid
        try:
            line = read_line(self.proc.stdout, self.proc, CLIENT_TIMEOUT, "python client")
        except AssertionError:
            self.stop()
            raise
        if line != "ready\n":
            self.stop()
            raise AssertionError("python client: %r" % line)

    def replies(self):
        return _http_replies(self._output("python client"), "python client", self.count)


def wget(urls):
    done = subprocess.run(["wget", "-q", "-S", "--no-check-certificate", "--tries=1",
                           "--timeout=%d" % CLIENT_TIMEOUT, "-O", "-"] + list(urls),
                          capture_output=True, timeout=CLIENT_TIMEOUT)
    replies = []
    for line in done.stderr.decode().splitlines():
        words = line.split()
        if words[:1] and words[0].startswith("HTTP/"):
            replies.append(HttpReply(int(words[1]), 0, None))
        elif words[:1] == ["Content-Length:"] and replies:
            replies[-1] = replies[-1]._replace(body_len=int(words[1]))
    # wget exits 8 on an error status, which a test may want to see.
    if len(replies) != len(urls) or done.returncode not in (0, 8):
        raise AssertionError("wget exited with %d: %s" % (done.returncode, done.stderr))
    if sum(r.body_len for r in replies) != len(done.stdout):
        raise AssertionError("wget wrote %d bytes, its headers say %r"
                             % (len(done.stdout), replies))
    return replies


def openssl_client(port, data, expect=None):
    proc = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                             "-servername", "localhost", "-quiet"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    received = b""
    try:
        proc.stdin.write(data)
        proc.stdin.flush()
        deadline = time.time() + CLIENT_TIMEOUT
        while expect is None or len(received) < expect:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("s_client: %d bytes, not %s, within %ds"
                                     % (len(received), expect or "a close", CLIENT_TIMEOUT))
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                received += chunk
    finally:
        # -quiet ignores the end of its input: it is stopped instead.
        proc.terminate()
        proc.wait(10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except BrokenPipeError:
                pass
    if expect is not None and len(received) != expect:
        raise AssertionError("s_client: %d bytes, not %d" % (len(received), expect))
    return received


def redis_cli(port, commands):
    script = "".join(" ".join(words) + "\n" for words in commands).encode()
    output = _run(["redis-cli", "--tls", "--insecure", "-h", "127.0.0.1", "-p", str(port)],
                  "redis-cli", input=script)
    return output.decode().splitlines()


def psql(port, query):
    env = dict(os.environ, PGSSLMODE="require", PGCONNECT_TIMEOUT="10")
    output = _run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                   "host=127.0.0.1 port=%d user=postgres dbname=postgres" % port,
                   "-c", query], "psql", env=env)
    return output.decode().strip()


def _demonstrate():
    """Every pair once, without a tracer: what each client reported."""
    urls = lambda server: [server.url(p) for p in DEFAULT_PATHS]
    with NginxHttpsServer() as nginx:
        print("curl -> nginx:", curl(urls(nginx) + [nginx.url("/missing")]))
        print("python -> nginx:", python_client(urls(nginx)))
        print("wget -> nginx:", wget(urls(nginx)))
        print("go -> nginx:", go_client(urls(nginx)))
        print("node -> nginx:", node_client(urls(nginx)))
        request = b"GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        print("s_client -> nginx:", openssl_client(nginx.port, request)[:40], "...")
    with OpensslServer("echo") as echo:
        print("s_client -> s_server echo:", openssl_client(echo.port, b"ping 1\n", expect=7))
    with OpensslServer("www") as www:
        reply = openssl_client(www.port, b"GET / HTTP/1.0\r\n\r\n")
        print("s_client -> s_server -www: %d bytes, %r" % (len(reply), reply[:30]))
    for stripped in (False, True):
        with GoHttpsServer(stripped) as go:
            print("go%s -> go%s:" % (("_s",) * 2 if stripped else ("",) * 2),
                  go_client(urls(go), stripped))
            print("curl -> go:", curl(urls(go)))
    with NodeHttpsServer() as node:
        print("node -> node:", node_client(urls(node)))
        print("curl -> node:", curl(urls(node)))
        print("go -> node:", go_client(urls(node)))
    with RedisTlsServer() as redis:
        print("redis-cli -> redis:",
              redis_cli(redis.port, [["SET", "k", "v"], ["GET", "k"], ["PING"]]))
    with PostgresTlsServer() as pg:
        print("psql -> postgres:", psql(pg.port, "select 'x'"))
        print("psql -> postgres, ssl in use:",
              psql(pg.port, "select ssl, version from pg_stat_ssl where pid = pg_backend_pid()"))


if __name__ == "__main__":
    _demonstrate()
