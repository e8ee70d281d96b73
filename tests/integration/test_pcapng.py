"""-w FILE: the pcapng capture, read back by tshark's own dissectors.

Each test runs a real client against a real server on loopback, traces the
client alone (-c), and checks that tshark finds in the file the requests
and statuses the tracer printed and the client got, that TCP reassembly
joins a response read in several calls, that bytes not captured are holes
tshark reports, and that each packet's comment names the client's pid.
"""

import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from tracer import BINARY, Tracer, require_root
import h2_peers
import peers
import tls_peers
from test_http import NginxServer

CLIENT_TIMEOUT = 30

# GET /hello over TLS, then the connection held open a second; prints the
# status and its local port.
HOLDING_CLIENT = r"""
import socket, ssl, sys, time
context = ssl._create_unverified_context()
raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
tls = context.wrap_socket(raw, server_hostname="localhost")
tls.sendall(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
reply = b""
while b"\r\n\r\n" not in reply:
    reply += tls.recv(4096)
time.sleep(1)
print(reply.split()[1].decode(), tls.getsockname()[1])
"""

# A unix stream server: one connection, "pong\n" for its "ping\n".
UNIX_SERVER = r"""
import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])
server.listen(1)
print("listening", flush=True)
conn, _ = server.accept()
data = b""
while not data.endswith(b"\n"):
    data += conn.recv(100)
conn.sendall(b"pong\n")
conn.close()
"""


def tshark(path, *args):
    """tshark -r path args: its stdout's lines, each split at tabs (-T fields)."""
    done = subprocess.run(["tshark", "-r", path] + list(args), capture_output=True,
                          timeout=60)
    if done.returncode != 0:
        raise AssertionError("tshark failed: %s" % done.stderr.decode())
    return [line.split("\t") for line in done.stdout.decode().splitlines()]


def run_client(args, stdin=None):
    """Runs a client to its end; returns (pid, stdout text)."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = proc.communicate(stdin, timeout=CLIENT_TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError("%s exited with %d: %s" % (args[0], proc.returncode, err))
    return proc.pid, out.decode()


def exchanges(tracer, pid, protocol):
    return [e for e in tracer.events() if e["event"] == "exchange" and e["pid"] == pid
            and e["protocol"] == protocol]


@unittest.skipUnless(shutil.which("tshark"), "needs tshark")
class Pcapng(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="st-pcapng-")
        self.path = os.path.join(self.tmp, "out.pcapng")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_comments_name(self, pid, comm=r"\S+", path=None):
        comments = [row[0] for row in tshark(path or self.path, "-T", "fields",
                                              "-e", "frame.comment")]
        self.assertTrue(comments)
        prefix = re.compile(r"^pid %d tid \d+ comm %s fd \d+ conn \d+ " % (pid, comm))
        for comment in comments:
            self.assertRegex(comment, prefix)
        return comments

    def src_ports(self, port):
        return {int(p[0]) for p in tshark(self.path, "-T", "fields", "-e", "tcp.srcport")}

    def curl_nginx(self, *tracer_args, big=33000, rate="16k"):
        """curl GETs /index.html, /missing and /big.html (read in 16 KiB calls
        under --limit-rate) from nginx on one connection."""
        with NginxServer() as server:
            with open(os.path.join(server.tmp, "www", "big.html"), "w") as f:
                f.write("b" * big)
            urls = ["http://127.0.0.1:%d%s" % (server.port, p)
                    for p in ("/index.html", "/missing", "/big.html")]
            args = ["curl", "-sS", "--max-time", str(CLIENT_TIMEOUT),
                    "-w", "%{http_code} %{local_port}\\n"]
            if rate:
                args += ["--limit-rate", rate]
            for url in urls:
                args += ["-o", "/dev/null", url]
            with Tracer("-c", "curl", "-w", self.path, *tracer_args) as tracer:
                pid, out = run_client(args)
                self.assertEqual(tracer.stop(), 0)
        replies = [tuple(map(int, line.split())) for line in out.splitlines()]
        self.local_port = replies[0][1]
        return server.port, pid, [code for code, _ in replies], tracer

    def test_http1_curl_nginx(self):
        port, pid, codes, tracer = self.curl_nginx("--data-size", "32768")
        self.assertEqual(codes, [200, 404, 200])
        printed = [(e["request"]["method"], e["request"]["target"], e["response"]["status"])
                   for e in exchanges(tracer, pid, "http")]
        self.assertEqual(printed, [("GET", "/index.html", 200), ("GET", "/missing", 404),
                                   ("GET", "/big.html", 200)])
        decode = ["-d", "tcp.port==%d,http" % port]
        requests = tshark(self.path, *decode, "-Y", "http.request", "-T", "fields",
                          "-e", "http.request.method", "-e", "http.request.uri")
        self.assertEqual([tuple(r) for r in requests], [(m, t) for m, t, _ in printed])
        responses = tshark(self.path, *decode, "-Y", "http.response", "-T", "fields",
                           "-e", "http.response.code", "-e", "tcp.segment.count")
        self.assertEqual([int(r[0]) for r in responses], [s for _, _, s in printed])
        # the 33000-byte body came in several reads: reassembled from them
        recvs = [e for e in tracer.events() if e["event"] == "data" and e["pid"] == pid
                 and e["direction"] == "recv"]
        self.assertGreaterEqual(int(responses[2][1] or 0), 2)
        self.assertEqual(tshark(self.path, "-Y", "tcp.analysis.lost_segment"), [])
        # curl's own port if its socket was still open when the tracer asked
        # (curl is quick: mostly not), else the stand-in of its connection
        (conn,) = {e["conn"] for e in recvs}
        local = self.local_port if self.local_port in self.src_ports(port) else 49152 + conn
        self.assertEqual(self.src_ports(port), {local, port})
        # one packet per data event, handshake and FIN besides
        data_frames = tshark(self.path, "-Y", "tcp.len > 0", "-T", "fields", "-e", "tcp.len")
        sends = [e for e in tracer.events() if e["event"] == "data" and e["pid"] == pid
                 and e["direction"] == "send"]
        self.assertEqual(len(data_frames), len(recvs) + len(sends))
        self.assertEqual(sum(int(f[0]) for f in data_frames),
                         sum(e["bytes"] for e in recvs + sends))
        comments = self.assert_comments_name(pid, "curl")
        self.assertEqual(sum(c.endswith("(synthesized handshake)") for c in comments), 3)
        self.assertEqual(sum(c.endswith(" recv") for c in comments), len(recvs))

    def test_uncaptured_bytes_are_holes(self):
        port, pid, codes, tracer = self.curl_nginx("--data-size", "1000", big=40000, rate=None)
        self.assertEqual(codes, [200, 404, 200])
        recvs = [e for e in tracer.events() if e["event"] == "data" and e["pid"] == pid
                 and e["direction"] == "recv"]
        self.assertTrue(any(e["captured"] < e["bytes"] for e in recvs))
        # each read's packet sits at its stream position, its captured bytes long
        segments = tshark(self.path, "-Y", "tcp.srcport==%d && tcp.len > 0" % port,
                          "-T", "fields", "-e", "tcp.seq", "-e", "tcp.len", "-e", "frame.comment")
        self.assertEqual([(int(s), int(n)) for s, n, _ in segments],
                         [(e["pos"] + 1, e["captured"]) for e in recvs])
        for (_, _, comment), e in zip(segments, recvs):
            if e["captured"] < e["bytes"]:
                self.assertTrue(comment.endswith("recv, %d of %d bytes captured"
                                                 % (e["captured"], e["bytes"])), comment)
        lost = tshark(self.path, "-Y", "tcp.analysis.lost_segment", "-T", "fields",
                      "-e", "tcp.seq")
        cut_before = [e["pos"] + 1 for prev, e in zip(recvs, recvs[1:])
                      if prev["captured"] < prev["bytes"]]
        self.assertEqual([int(r[0]) for r in lost if int(r[0]) in cut_before], cut_before)

    def test_stdout_takes_the_capture(self):
        with NginxServer() as server:
            with Tracer("-c", "curl", "-w", "-", json_output=False) as tracer:
                pid, out = run_client(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                       "http://127.0.0.1:%d/index.html" % server.port])
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out, "200")
        self.assertEqual(tracer.stdout_text[:4], b"\x0a\x0d\x0d\x0a")  # a section header
        with open(self.path, "wb") as f:
            f.write(tracer.stdout_text)
        rows = tshark(self.path, "-d", "tcp.port==%d,http" % server.port, "-Y", "http",
                      "-T", "fields", "-e", "http.request.uri", "-e", "http.response.code")
        self.assertEqual(rows, [["/index.html", ""], ["", "200"]])
        self.assert_comments_name(pid, "curl")

    def test_max_events_counts_what_stdout_took(self):
        """-n with -w -: the events the capture was made of, as lines would be."""
        with NginxServer() as server:
            with Tracer("-c", "curl", "-w", "-", "-n", "2", json_output=False) as tracer:
                run_client(["curl", "-sS", "-o", "/dev/null",
                            "http://127.0.0.1:%d/index.html" % server.port])
                self.assertEqual(tracer.proc.wait(10), 0)  # stopped by itself
                tracer.stop()
        self.assertEqual(tracer.stdout_text[:4], b"\x0a\x0d\x0d\x0a")

    def test_stdout_terminal_refused(self):
        controller, terminal = pty.openpty()
        try:
            done = subprocess.run([BINARY, "-w", "-"], stdout=terminal, stderr=subprocess.PIPE,
                                  timeout=30)
        finally:
            os.close(terminal)
            os.close(controller)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stderr.decode(), "socket-tracer: -w -: stdout is a terminal; "
                         "redirect it to a file or a pipe (try --help)\n")

    def test_write_error_reported_once(self):
        with NginxServer() as server:
            with Tracer("-c", "curl", "-w", "/dev/full") as tracer:
                run_client(["curl", "-sS", "-o", "/dev/null",
                            "http://127.0.0.1:%d/index.html" % server.port])
                code = tracer.stop()
        self.assertEqual(code, 1)
        errors = [l for l in tracer.stderr_lines if "pcapng" in l]
        self.assertEqual(errors, ["socket-tracer: cannot write the pcapng to /dev/full: "
                                  "No space left on device\n"])

    def test_tls_plaintext_of_curl_https(self):
        paths = ("/hello", "/body/1000")
        with tls_peers.NginxHttpsServer(paths=paths) as server:
            args = ["curl", "-sS", "-k", "--http1.1", "--max-time", str(CLIENT_TIMEOUT),
                    "-w", "%{http_code} %{size_download}\\n"]
            for path in paths + ("/missing",):
                args += ["-o", "/dev/null", server.url(path)]
            with Tracer("-c", "curl", "-w", self.path) as tracer:
                pid, out = run_client(args)
                self.assertEqual(tracer.stop(), 0)
        got = [tuple(map(int, line.split())) for line in out.splitlines()]
        self.assertEqual([g[0] for g in got], [200, 200, 404])
        printed = [(e["request"]["target"], e["response"]["status"])
                   for e in exchanges(tracer, pid, "http")]
        self.assertEqual(printed, [("/hello", 200), ("/body/1000", 200), ("/missing", 404)])
        decode = ["-d", "tcp.port==%d,http" % server.port]
        requests = tshark(self.path, *decode, "-Y", "http.request", "-T", "fields",
                          "-e", "http.request.uri")
        self.assertEqual([r[0] for r in requests], [p for p, _ in printed])
        responses = tshark(self.path, *decode, "-Y", "http.response", "-T", "fields",
                           "-e", "http.response.code", "-e", "http.content_length")
        self.assertEqual([int(r[0]) for r in responses], [s for _, s in printed])
        self.assertEqual([int(r[1]) for r in responses], [g[1] for g in got])
        # the plaintext only: no record bytes in any packet
        comments = self.assert_comments_name(pid, "curl")
        data = tshark(self.path, "-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.comment")
        self.assertTrue(data)
        for (comment,) in data:
            self.assertIn("(tls plaintext)", comment)
        self.assertEqual(tshark(self.path, "-d", "tcp.port==%d,tls" % server.port,
                                "-Y", "tls.record"), [])
        self.assertTrue(comments)

    def nginx_side(self, client):
        """nginx's side of one TLS connection made by client(server), which
        returns (status, its local port): both real ports on every packet,
        the exchange, the client's SYN first, the worker's pid in comments."""
        comm = "st_pcap_nginx"
        with tls_peers.NginxHttpsServer(paths=("/hello",), comm=comm) as server:
            worker = server.worker_pid()
            with Tracer("-c", comm, "-w", self.path) as tracer:
                status, local_port = client(server)
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(status, 200)
        rows = tshark(self.path, "-d", "tcp.port==%d,http" % server.port, "-T", "fields",
                      "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "http.request.uri",
                      "-e", "http.response.code")
        self.assertEqual({(int(r[0]), int(r[1])) for r in rows},
                         {(local_port, server.port), (server.port, local_port)})
        self.assertEqual([(r[2], r[3]) for r in rows if r[2] or r[3]],
                         [("/hello", ""), ("", "200")])
        # the handshake is the client's SYN, from its port
        first = tshark(self.path, "-c", "1", "-T", "fields", "-e", "tcp.flags.str",
                       "-e", "tcp.srcport")
        self.assertEqual(first, [["··········S·", str(local_port)]])
        self.assertIn("comm %s" % comm, self.assert_comments_name(worker)[0])

    def test_server_side_has_its_real_ports(self):
        """A client that holds its connection a second keeps nginx's open
        past the tracer's question: nginx's stream has its own address and
        port, and the client's."""
        def holding(server):
            _, out = run_client([sys.executable, "-c", HOLDING_CLIENT, str(server.port)])
            return tuple(map(int, out.split()))
        self.nginx_side(holding)

    def test_server_side_of_a_short_connection_has_the_listeners_port(self):
        """curl is gone, and nginx's fd closed, before the tracer asks: the
        listener's address stands for the accepted socket's."""
        def curl(server):
            (reply,) = tls_peers.curl([server.url("/hello")])
            return reply.status, reply.local_port
        self.nginx_side(curl)

    def test_http2_nghttp_nghttpd(self):
        files = {"/index.html": b"<p>h2</p>\n"}
        with h2_peers.NghttpdServer(files) as server:
            with Tracer("-c", h2_peers.NGHTTP, "-w", self.path) as tracer:
                pid, out = run_client([h2_peers.as_comm("nghttp", h2_peers.NGHTTP), "-nv",
                                       server.url("/index.html"), server.url("/missing")])
                self.assertEqual(tracer.stop(), 0)
        statuses = {}
        for line in out.splitlines():
            field = h2_peers.NGHTTP_FIELD.match(line)
            if field and field.group(2) == ":status":
                statuses[int(field.group(1))] = int(field.group(3))
        self.assertEqual(sorted(statuses.values()), [200, 404])
        printed = sorted((e["request"]["path"], e["response"]["status"])
                         for e in exchanges(tracer, pid, "http2") if "path" in e["request"])
        self.assertEqual(printed, [("/index.html", 200), ("/missing", 404)])
        decode = ["-d", "tcp.port==%d,http2" % server.port]
        requests = tshark(self.path, *decode, "-Y", "http2.headers.path", "-T", "fields",
                          "-e", "http2.headers.method", "-e", "http2.headers.path")
        # one packet may hold both HEADERS frames: tshark joins their fields
        self.assertEqual(sorted(pair for m, p in requests
                                for pair in zip(m.split(","), p.split(","))),
                         [("GET", "/index.html"), ("GET", "/missing")])
        responses = tshark(self.path, *decode, "-Y", "http2.headers.status", "-T", "fields",
                           "-e", "http2.headers.status")
        self.assertEqual(sorted(int(s) for r in responses for s in r[0].split(",")), [200, 404])
        self.assert_comments_name(pid, h2_peers.NGHTTP)

    def test_redis_cli(self):
        with peers.RedisServer() as server:
            with Tracer("-c", "redis-cli", "-w", self.path) as tracer:
                pid, out = run_client(["redis-cli", "-p", str(server.port)],
                                      stdin=b"SET pcapng-key v1\nGET pcapng-key\n")
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out.split(), ["OK", "v1"])
        printed = [e["request"]["command"] for e in exchanges(tracer, pid, "redis")]
        # redis-cli asks the server's COMMAND DOCS first, then the two commands
        self.assertEqual(printed[-2:], ["SET", "GET"])
        # tshark's RESP dissector: each request an array of bulk strings
        rows = tshark(self.path, "-d", "tcp.port==%d,resp" % server.port,
                      "-Y", "tcp.dstport==%d && resp" % server.port, "-T", "fields",
                      "-e", "resp.bulk_string.value")
        # (its values in hex)
        commands = [[bytes.fromhex(v).decode() for v in r[0].split(",")] for r in rows]
        self.assertEqual(commands[-2:], [["SET", "pcapng-key", "v1"], ["GET", "pcapng-key"]])
        self.assertEqual(len(rows), len(printed))
        replies = tshark(self.path, "-d", "tcp.port==%d,resp" % server.port,
                         "-Y", "tcp.srcport==%d && resp" % server.port, "-T", "fields",
                         "-e", "resp.string", "-e", "resp.bulk_string.value")
        self.assertEqual([r for r in replies][-2:], [["OK", ""], ["", b"v1".hex()]])
        self.assert_comments_name(pid, "redis-cli")

    def test_dig_dns(self):
        with peers.DnsServer() as server:
            with Tracer("-c", "dig", "-w", self.path) as tracer:
                pid, out = run_client(["dig", "+short", "+time=2", "+tries=1", "@127.0.0.1",
                                       "-p", str(server.port), "web.example.test"])
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out.split(), ["10.1.2.3"])
        printed = [e["request"]["name"] for e in exchanges(tracer, pid, "dns")]
        self.assertEqual(printed, ["web.example.test"])
        rows = tshark(self.path, "-d", "udp.port==%d,dns" % server.port, "-Y", "dns",
                      "-T", "fields", "-e", "dns.flags.response", "-e", "dns.qry.name",
                      "-e", "dns.a")
        self.assertEqual(rows, [["0", "web.example.test", ""],
                                ["1", "web.example.test", "10.1.2.3"]])
        self.assert_comments_name(pid)  # its threads' comms: isc-net-0000...

    @unittest.skipUnless(shutil.which("socat"), "needs socat")
    def test_unix_socket_stand_in(self):
        """A unix stream: TCP from 127.1.0.1 to 127.1.0.2, its path in the comments."""
        path = os.path.join(self.tmp, "app.sock")
        server = subprocess.Popen([sys.executable, "-c", UNIX_SERVER, path],
                                  stdout=subprocess.PIPE)
        try:
            self.assertEqual(server.stdout.readline(), b"listening\n")
            with Tracer("-c", "socat", "-w", self.path) as tracer:
                pid, out = run_client(["socat", "-", "UNIX-CONNECT:" + path], stdin=b"ping\n")
                self.assertEqual(tracer.stop(), 0)
        finally:
            server.wait(10)
            server.stdout.close()
        self.assertEqual(out, "pong\n")
        rows = tshark(self.path, "-Y", "tcp.len > 0", "-T", "fields", "-e", "ip.src",
                      "-e", "ip.dst", "-e", "tcp.payload", "-e", "frame.comment")
        self.assertEqual([r[:3] for r in rows], [["127.1.0.1", "127.1.0.2", b"ping\n".hex()],
                                                 ["127.1.0.2", "127.1.0.1", b"pong\n".hex()]])
        for comment in self.assert_comments_name(pid, "socat"):
            self.assertTrue(comment.endswith(" unix " + path), comment)

    def test_replay_writes_the_same_packets(self):
        recording = os.path.join(self.tmp, "curl.rec")
        replayed = os.path.join(self.tmp, "replayed.pcapng")
        port, pid, codes, _ = self.curl_nginx("--record", recording, rate=None)
        self.assertEqual(codes, [200, 404, 200])
        done = subprocess.run([BINARY, "--replay", recording, "-w", replayed, "--json"],
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        fields = ["-T", "fields", "-e", "frame.time_epoch", "-e", "frame.comment",
                  "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
                  "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.flags",
                  "-e", "tcp.payload"]
        live = tshark(self.path, *fields)
        self.assertGreater(len(live), 8)
        self.assertEqual(tshark(replayed, *fields), live)
        self.assert_comments_name(pid, "curl", path=replayed)
        self.assertIn(b'"event":"exchange"', done.stdout)
        # -q: the file alone, no lines
        done = subprocess.run([BINARY, "--replay", recording, "-w", replayed, "-q"],
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, b"")
        self.assertEqual(tshark(replayed, *fields), live)
        # a replay without -w passes over the recorded local addresses
        done = subprocess.run([BINARY, "--replay", recording], capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn(b"out of step", done.stderr)


if __name__ == "__main__":
    require_root()
    unittest.main()
