"""HTTP/2 and gRPC servers and clients on loopback for test_http2.py. Run
this file to start every pair once and print what each client reported.

The python peers (gRPC, python3-h2) run under /usr/bin/python3, the python
whose dist-packages hold python3-grpcio and python3-h2 (a python3 earlier on
PATH may not have them). Every peer runs under a comm of its own (the
constants below; nghttpd, nghttp, h2load and curl through a symlink of that
name, as_comm), so that a tracer's -c tells it from other copies of the same
program on the machine.

  as_comm(program, comm) -> a path that runs program (on PATH) as comm: a
      symlink of that name in a temporary directory removed at exit.

Servers: context managers (also .stop()), each with .port on 127.0.0.1,
.url(path) and .proc; a temporary directory of its own removed at stop.
  NghttpdServer(files, push=None): nghttpd --no-tls (prior knowledge only:
      it answers an HTTP/1.1 request with its SETTINGS), one worker, serving
      files ({path: bytes}) from a document root; other paths get its 404
      page. push {path: [pushed paths]}: a GET of path is answered with
      PUSH_PROMISEs of those too.
  NginxH2Server(paths): tls_peers.NginxHttpsServer with "listen ... ssl
      http2" (ALPN h2), serving tls_peers.expected_body(p) for each path;
      .worker_pid().
  H2cUpgradeServer(): h2_programs/h2c_server.py, HTTP/1.1 "Upgrade: h2c";
      comm st_h2c_server.
  GrpcServer(): h2_programs/grpc_server.py, service demo.Greeter (SayHello,
      Find, Count); comm st_grpc_server.
  NodeH2Server(): h2_programs/node_h2_server.js, prior knowledge; comm
      node_h2_server.
  The python and node servers answer every path 200, text/plain, with
  expected_body(path).

Clients: each in a process of its own, bounded by CLIENT_TIMEOUT; raises
AssertionError when it fails; returns what the client itself reported.
  nghttp(urls) -> [NghttpReply(stream, status, size, path, content_type)]
      by stream: nghttp -nv -s, all URLs on one connection, pushed streams
      too; from its statistics table and the header fields it printed as
      received.
  h2load(url, requests, clients, streams) -> H2loadReport(total, started,
      done, succeeded, failed, errored, timeout, status_2xx).
  curl(urls, how) -> [CurlReply(status, version, size_download, local_port,
      num_connects, content_type (None when there was none))], one curl
      process, the URLs on one connection; how: "prior-knowledge"
      (--http2-prior-knowledge; curl 7.88 fails a second URL to nghttpd
      that way: one URL), "upgrade" (--http2 to an http URL: Upgrade: h2c)
      or "tls" (--http2 -k: ALPN).
  grpc_client(port, calls) -> [{"path", "code", "details", "sent",
      "received"}]: h2_programs/grpc_client.py, calls as ("SayHello",
      b"request"), all on one channel; comm st_grpc_client.
  node_client(origin, paths) -> (local_port, [{"path", "stream", "status",
      "body_bytes"}]): h2_programs/node_h2_client.js, the paths multiplexed
      on one connection; comm node_h2_client.
  JoiningClient(port, before, after): h2_programs/h2_join_client.py (python3-
      h2, prior knowledge), one connection; started at once, it GETs the
      paths of before, then holds until .release(), then GETs those of after.
      .pid, .local_port, .before (its replies), .table (its HPACK encoder's
      dynamic table while it held, [[name, value]]), .replies() -> the
      replies after; each {"path", "stream", "status", "body_bytes", "sent"}.
"""

import atexit
import collections
import json
import os
import re
import shutil
import subprocess
import tempfile

from peers import Process, free_port, wait_for_port
from tls_peers import (DEFAULT_PATHS, ListeningServer, NginxHttpsServer, PipedClient,
                       read_line)

PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "h2_programs")
SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT_TIMEOUT = 30

NGHTTPD, NGHTTP, H2LOAD, CURL = "st_nghttpd", "st_nghttp", "st_h2load", "st_h2_curl"
NGINX = "st_h2_nginx"
H2C_SERVER, JOIN_CLIENT = "st_h2c_server", "st_h2_join"
GRPC_SERVER, GRPC_CLIENT = "st_grpc_server", "st_grpc_client"
# The names grpcio 1.51's threads give themselves: the I/O of a call may be
# done by any of them, in the client as in the server, so a tracer of grpc
# peers takes them too (-c matches a thread's name) and tells the peers
# apart by pid.
GRPC_THREADS = ("default-executo", "resolver-execut", "grpc_global_tim", "event_engine",
                "timer_manager")
NODE_SERVER, NODE_CLIENT = "node_h2_server", "node_h2_client"

NghttpReply = collections.namedtuple("NghttpReply", "stream status size path content_type")
H2loadReport = collections.namedtuple(
    "H2loadReport", "total started done succeeded failed errored timeout status_2xx")
CurlReply = collections.namedtuple(
    "CurlReply", "status version size_download local_port num_connects content_type")


_comm_links = None


def as_comm(program, comm):
    global _comm_links
    if _comm_links is None:
        _comm_links = tempfile.mkdtemp(prefix="st-h2-comms-")
        atexit.register(shutil.rmtree, _comm_links, True)
    link = os.path.join(_comm_links, comm)
    if not os.path.exists(link):
        os.symlink(shutil.which(program), link)  # the comm is the name exec'd
    return link


class NghttpdServer(Process):
    def __init__(self, files, push=None):
        tmp = tempfile.mkdtemp(prefix="st-nghttpd-")
        root = os.path.join(tmp, "www")
        for path, content in files.items():
            target = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content)
        self.port = free_port()
        pushes = ["--push=%s=%s" % (path, ",".join(pushed))
                  for path, pushed in (push or {}).items()]
        super().__init__([as_comm("nghttpd", NGHTTPD), "--no-tls", "-a", "127.0.0.1",
                          "-d", root] + pushes + [str(self.port)], tmp=tmp)
        try:
            wait_for_port(self.port, proc=self.proc)
        except AssertionError:
            self.stop()
            raise

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


class NginxH2Server(NginxHttpsServer):
    CONFIG = NginxHttpsServer.CONFIG.replace(" ssl;\n", " ssl http2;\n")

    def __init__(self, paths=DEFAULT_PATHS):
        if self.CONFIG == NginxHttpsServer.CONFIG:
            raise AssertionError("no 'listen ... ssl;' line to add http2 to")
        super().__init__(paths, NGINX)


class _HttpListeningServer(ListeningServer):
    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


class H2cUpgradeServer(_HttpListeningServer):
    def __init__(self):
        super().__init__([SYSTEM_PYTHON, os.path.join(PROGRAMS, "h2c_server.py")], None,
                         "h2c_server.py")


class GrpcServer(_HttpListeningServer):
    def __init__(self):
        super().__init__([SYSTEM_PYTHON, os.path.join(PROGRAMS, "grpc_server.py")], None,
                         "grpc_server.py")


class NodeH2Server(_HttpListeningServer):
    def __init__(self):
        super().__init__(["node", os.path.join(PROGRAMS, "node_h2_server.js")], None,
                         "node_h2_server.js")


def _run(args, what):
    try:
        done = subprocess.run(args, capture_output=True, timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s: no answer within %ds" % (what, CLIENT_TIMEOUT)) from e
    if done.returncode != 0:
        raise AssertionError("%s exited with %d: %s %s"
                             % (what, done.returncode, done.stdout, done.stderr))
    return done.stdout.decode()


# nghttp -v: a received header field, and a row of the statistics table.
NGHTTP_FIELD = re.compile(r"^\[ *[\d.]+\] recv \(stream_id=(\d+)\) ([^:\s][^:]*|:[a-z]+): (.*)$")
# A pushed stream's requestStart is "* +529us".
NGHTTP_ROW = re.compile(r"^ *(\d+) +\+\S+ +(?:\* +)?\+\S+ +\S+ +(\d+) +(\d+) +(\S+)$")


def nghttp(urls):
    output = _run([as_comm("nghttp", NGHTTP), "-nv", "-s", "-t", str(CLIENT_TIMEOUT)] +
                  list(urls), "nghttp")
    content_types = {}
    replies = []
    for line in output.splitlines():
        field = NGHTTP_FIELD.match(line)
        if field and field.group(2) == "content-type":
            content_types[int(field.group(1))] = field.group(3)
        row = NGHTTP_ROW.match(line)
        if row:
            stream = int(row.group(1))
            replies.append(NghttpReply(stream, int(row.group(2)), int(row.group(3)),
                                       row.group(4), content_types.get(stream)))
    if len(replies) < len(urls):
        raise AssertionError("nghttp: %d replies for %d URLs:\n%s"
                             % (len(replies), len(urls), output))
    return sorted(replies)


def h2load(url, requests, clients, streams):
    output = _run([as_comm("h2load", H2LOAD), "-n", str(requests), "-c", str(clients),
                   "-m", str(streams), "-T", str(CLIENT_TIMEOUT), url], "h2load")
    counts = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout$", output, re.M)
    codes = re.search(r"^status codes: (\d+) 2xx,", output, re.M)
    if not counts or not codes:
        raise AssertionError("h2load: no request counts in:\n%s" % output)
    return H2loadReport(*map(int, counts.groups() + codes.groups()))


CURL_HOW = {"prior-knowledge": ["--http2-prior-knowledge"], "upgrade": ["--http2"],
            "tls": ["--http2", "-k"]}


def curl(urls, how):
    args = [as_comm("curl", CURL), "-sS", "--max-time", str(CLIENT_TIMEOUT)] + CURL_HOW[how] + [
        "-w", "%{http_code} %{http_version} %{size_download} %{local_port} %{num_connects} "
              "%{content_type}\\n"]
    for url in urls:
        args += ["-o", "/dev/null", url]
    replies = []
    for line in _run(args, "curl").splitlines():
        status, version, size, port, connects, content_type = line.split(" ", 5)
        replies.append(CurlReply(int(status), version, int(size), int(port), int(connects),
                                 content_type or None))
    if len(replies) != len(urls):
        raise AssertionError("curl: %d replies for %d URLs" % (len(replies), len(urls)))
    return replies


def grpc_client(port, calls):
    args = [SYSTEM_PYTHON, os.path.join(PROGRAMS, "grpc_client.py"), str(port)]
    args += ["%s=%s" % (method, request.decode()) for method, request in calls]
    replies = [json.loads(line) for line in _run(args, "grpc_client.py").splitlines()]
    if len(replies) != len(calls):
        raise AssertionError("grpc_client.py: %d replies for %d calls"
                             % (len(replies), len(calls)))
    return replies


def node_client(origin, paths):
    output = _run(["node", os.path.join(PROGRAMS, "node_h2_client.js"), origin] + list(paths),
                  "node_h2_client.js")
    first, *replies = [json.loads(line) for line in output.splitlines()]
    if len(replies) != len(paths):
        raise AssertionError("node_h2_client.js: %d replies for %d paths"
                             % (len(replies), len(paths)))
    return first["local_port"], replies


class JoiningClient(PipedClient):
    def __init__(self, port, before, after):
        self.count = len(after)
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, os.path.join(PROGRAMS, "h2_join_client.py"), str(port)] +
            list(before) + ["--"] + list(after),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            first = self._line()
            self.pid, self.local_port = first["pid"], first["local_port"]
            self.before = [self._line() for _ in before]
            waiting = self._line()
            if not waiting.get("waiting"):
                raise AssertionError("h2_join_client.py: %r" % waiting)
            self.table = waiting["table"]
        except AssertionError:
            self.stop()
            raise

    def _line(self):
        return json.loads(read_line(self.proc.stdout, self.proc, CLIENT_TIMEOUT,
                                     "h2_join_client.py"))

    def replies(self):
        out = self._output("h2_join_client.py")
        replies = [json.loads(line) for line in out.decode().splitlines()]
        if len(replies) != self.count:
            raise AssertionError("h2_join_client.py: %d replies after, want %d"
                                 % (len(replies), self.count))
        return replies


def _demonstrate():
    """Every pair once, without a tracer: what each client reported."""
    files = {"/index.html": b"<p>hello</p>\n", "/data/1000": b"d" * 1000}
    with NghttpdServer(files, push={"/index.html": ["/data/1000"]}) as server:
        print("nghttp -> nghttpd:", nghttp([server.url(p) for p in ("/index.html", "/missing")]))
        print("h2load -> nghttpd:", h2load(server.url("/index.html"), 20, 2, 5))
        print("curl prior knowledge -> nghttpd:",
              curl([server.url("/index.html")], "prior-knowledge"))
    with H2cUpgradeServer() as server:
        print("curl upgrade -> h2c_server:",
              curl([server.url("/up/100"), server.url("/up/200")], "upgrade"))
    with NginxH2Server(paths=("/hello", "/body/1000")) as server:
        print("curl h2 -> nginx:", curl([server.url(p) for p in ("/hello", "/missing")], "tls"))
    with GrpcServer() as server:
        print("grpc:", grpc_client(server.port, [("SayHello", b"world"), ("Find", b"bob"),
                                                  ("Count", b"5")]))
    with NodeH2Server() as server:
        print("node -> node:", node_client(server.url(""), ["/a", "/b/100", "/c/2000"]))
        with JoiningClient(server.port, ["/a/10"], ["/a/10", "/b/20"]) as client:
            print("join client before:", client.before, "table:", client.table)
            client.release()
            print("join client after:", client.replies())


if __name__ == "__main__":
    _demonstrate()
