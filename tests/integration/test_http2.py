"""HTTP/2 and gRPC decoding with real peers on loopback, through the real
binary: nghttp, h2load and curl against nghttpd (prior knowledge, server
push, a 404), curl's "Upgrade: h2c" against a python3-h2 server, curl over
TLS (ALPN h2, plaintext from the TLS uprobes) against nginx, a python grpcio
client and server (unary, an error, server streaming), node's http2 client
and server, and a python3-h2 client whose connection the tracer joins
midway.

Every peer runs under a comm of its own (h2_peers), every tracer is filtered
by those comms, and every assertion by the pid and address of the connection
the peers reported. What is checked is exact: each stream's exchange on each
end, message by message and field by field, against what the client reported
(stream ids, statuses, paths, content types, body sizes, gRPC status, details
and message sizes); both ends of a connection against each other; and the
http2 summary line, not printed where the whole connection was traced, and
counting every unknown field where it was joined midway. Bodies are small
(under 4096 bytes a write: the default capture), so no frame is lost."""

import collections
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import h2_peers as h2
import tracer as tracer_module
from tls_peers import expected_body
from tracer import Tracer, require_root, select

require_root()

# nghttpd's document root: each file's size is the DATA it sends.
FILES = {
    "/index.html": b"<!doctype html>\n<p>hello over h2c</p>\n",
    "/data/1000": b"d" * 1000,
    "/style.css": b"p { color: teal }\n",
}
# h2c_server.py's answer to the upgrading request.
SWITCHING = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
NO_ERROR_GOAWAY = {"error_code": 0, "error": "NO_ERROR", "debug": None}
H2_SUMMARY = re.compile(
    r"socket-tracer: http2: header fields not shown \(their table entry came before the trace "
    r"or in lost bytes\) (\d+) \(decoders started midway (\d+)\); header blocks not decoded "
    r"(\d+); streams not tracked \(table full\) (\d+); frames refused (\d+); decoders not made "
    r"for memory (\d+), given up after 8 restarts (\d+)$")
H2Summary = collections.namedtuple(
    "H2Summary", "fields_unknown decoders_joined blocks_failed untracked refused memory given_up")


def loopback(port):
    return "127.0.0.1:%d" % port


def is_goaway(exchange):
    return bool(exchange["request"]) and "goaway" in exchange["request"]


def streams(events, **fields):
    """The stream exchanges (GOAWAYs left out) whose fields match, by stream id."""
    found = {}
    for e in select(events, event="exchange", protocol="http2", **fields):
        if is_goaway(e):
            continue
        stream = (e["request"] or e["response"])["stream"]
        if stream in found:
            raise AssertionError("stream %d twice: %r, %r" % (stream, found[stream], e))
        found[stream] = e
    return found


def goaways(events, **fields):
    return [e["request"]["goaway"] for e in select(events, event="exchange", protocol="http2",
                                                   **fields) if is_goaway(e)]


def request(stream, path, authority, scheme="http", method="GET", **more):
    """A request as decoded: one HEADERS frame with END_STREAM, no body."""
    return dict({"protocol": "http2", "stream": stream, "method": method, "scheme": scheme,
                 "authority": authority, "path": path, "content_type": None, "frames": 1,
                 "data_bytes": 0}, **more)


def response(stream, status, content_type, body_bytes, **more):
    """A response as decoded: one HEADERS frame, then its body in one DATA frame
    (every body here is smaller than a frame)."""
    return dict({"protocol": "http2", "stream": stream, "status": status,
                 "content_type": content_type, "frames": 2, "data_bytes": body_bytes}, **more)


def h2_summary(tracer):
    """The http2 summary line's counts, or None when it was not printed (all 0)."""
    for line in tracer.stderr_lines:
        if line.startswith("socket-tracer: http2:"):
            match = H2_SUMMARY.match(line.rstrip("\n"))
            if not match:
                raise AssertionError("http2 summary line not understood: %r" % line)
            return H2Summary(*map(int, match.groups()))
    return None


def messages_not_whole(tracer):
    match = re.search(r"^socket-tracer: \d+ exchanges; messages not decoded whole (\d+) ",
                      tracer.stderr, re.M)
    if not match:
        raise AssertionError("no exchange summary in: %s" % tracer.stderr)
    return int(match.group(1))


class Recording:
    """A --record file for a tracer, replayed for the human lines of the same trace."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="st-h2-rec-")
        self.path = os.path.join(self.dir, "trace.rec")

    def human_lines(self):
        done = subprocess.run([tracer_module.BINARY, "--replay", self.path, "--exchanges-only"],
                              capture_output=True, timeout=60, check=True)
        return done.stdout.decode().splitlines()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


class Checks:
    """Mixed into a unittest.TestCase."""

    def assert_traced_whole(self, tracer):
        """Every message decoded whole, and nothing for the http2 summary to count."""
        self.assertEqual(messages_not_whole(tracer), 0, tracer.stderr)
        self.assertIsNone(h2_summary(tracer), tracer.stderr)

    def assert_timed(self, exchange, may_be_zero=False):
        """The latency is the span from the request's first frame to the response's
        last; may_be_zero: both may come in one read (a push: its PUSH_PROMISE and
        its response)."""
        self.assertGreaterEqual(exchange["latency_ns"], 0 if may_be_zero else 1, exchange)
        self.assertEqual(exchange["latency_ns"],
                         exchange["response_ts_ns"] - exchange["request_ts_ns"], exchange)

    def assert_both_ends(self, client, server, roles=("client", "server")):
        """Both ends of one connection decoded the same bytes: the same streams,
        messages and sizes, each end in its role."""
        self.assertEqual(sorted(client), sorted(server))
        for stream in client:
            a, b = client[stream], server[stream]
            self.assertEqual((a["role"], b["role"]), roles, stream)
            self.assertEqual((a["request"], a["response"], a["request_bytes"],
                              a["response_bytes"], a["tls"]),
                             (b["request"], b["response"], b["request_bytes"],
                              b["response_bytes"], b["tls"]), stream)


class Nghttpd(Checks, unittest.TestCase):
    def test_nghttp_streams_push_and_404_on_one_connection(self):
        paths = ("/index.html", "/data/1000", "/missing")
        with h2.NghttpdServer(FILES, push={"/index.html": ["/style.css"]}) as server, \
                Recording() as recording, \
                Tracer("-c", h2.NGHTTP, "-c", h2.NGHTTPD, "--exchanges-only",
                       "--record", recording.path) as tracer:
            replies = h2.nghttp([server.url(p) for p in paths])
            self.assertEqual(tracer.stop(), 0)
            human = recording.human_lines()
        # nghttp's report: the pushed stylesheet (stream 2), the three GETs.
        self.assertEqual([(r.path, r.status) for r in replies],
                         [("/style.css", 200), ("/index.html", 200), ("/data/1000", 200),
                          ("/missing", 404)])
        self.assertEqual([r.size for r in replies[:3]],
                         [len(FILES[r.path]) for r in replies[:3]])
        events = tracer.events()
        authority = loopback(server.port)
        client = streams(events, comm=h2.NGHTTP, remote=authority)
        served = streams(events, pid=server.proc.pid)
        self.assertEqual(sorted(client), [r.stream for r in replies])
        for r in replies:
            e = client[r.stream]
            pushed = r.stream % 2 == 0
            more = {"pushed": True} if pushed else {}
            self.assertEqual(e["request"], request(r.stream, r.path, authority, **more))
            self.assertEqual(e["response"], response(r.stream, r.status, r.content_type, r.size))
            self.assertFalse(e["tls"])
            self.assert_timed(e, may_be_zero=pushed)
        self.assert_both_ends(client, served)
        # nghttp's GOAWAY as it closes, on both ends: the last stream it took is the pushed one.
        goaway = dict(NO_ERROR_GOAWAY, last_stream=2)
        self.assertEqual(goaways(events, comm=h2.NGHTTP), [goaway])
        self.assertEqual(goaways(events, pid=server.proc.pid), [goaway])
        self.assert_traced_whole(tracer)
        # The same trace's human lines.
        mine = [line for line in human if " client " in line and authority in line]
        expected = []
        for r in replies:
            e = client[r.stream]
            expected.append(r"http2 GET %s%s -> %d  [\d.]+[num]?s  req %dB resp %dB  stream %d$"
                            % (re.escape(r.path), " \\(pushed\\)" if r.stream % 2 == 0 else "",
                               r.status, e["request_bytes"], e["response_bytes"], r.stream))
        expected.append(r"http2 GOAWAY NO_ERROR last stream 2  17B$")
        self.assertEqual(len(mine), len(expected), human)
        for pattern in expected:
            matching = [line for line in mine
                        if re.search(r" %s +%s" % (re.escape(authority), pattern), line)]
            self.assertEqual(len(matching), 1, (pattern, mine))

    def test_h2load_200_requests_all_paired(self):
        body = FILES["/index.html"]
        with h2.NghttpdServer(FILES) as server, \
                Tracer("-c", h2.H2LOAD, "-c", h2.NGHTTPD, "--exchanges-only") as tracer:
            report = h2.h2load(server.url("/index.html"), requests=200, clients=2, streams=10)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(report, h2.H2loadReport(total=200, started=200, done=200, succeeded=200,
                                                 failed=0, errored=0, timeout=0, status_2xx=200))
        events = tracer.events()
        authority = loopback(server.port)
        for role, fields in (("client", {"comm": h2.H2LOAD, "remote": authority}),
                             ("server", {"pid": server.proc.pid})):
            found = [e for e in select(events, event="exchange", protocol="http2", **fields)
                     if not is_goaway(e)]
            self.assertEqual(len(found), report.succeeded, role)
            per_connection = collections.defaultdict(list)
            for e in found:
                stream = e["request"]["stream"]
                self.assertEqual(e["role"], role, e)
                self.assertEqual(e["request"], request(stream, "/index.html", authority), e)
                self.assertEqual(e["response"], response(stream, 200, "text/html", len(body)), e)
                self.assert_timed(e)
                per_connection[(e["pid"], e["conn"])].append(stream)
            # Each client made 100 requests: streams 1, 3, ... 199, each once.
            self.assertEqual([sorted(ids) for ids in per_connection.values()],
                             [list(range(1, 200, 2))] * 2, role)
        self.assert_traced_whole(tracer)

    def test_curl_prior_knowledge_one_stream(self):
        with h2.NghttpdServer(FILES) as server, \
                Tracer("-c", h2.CURL, "-c", h2.NGHTTPD, "--exchanges-only") as tracer:
            (reply,) = h2.curl([server.url("/index.html")], "prior-knowledge")
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual((reply.status, reply.version, reply.size_download),
                         (200, "2", len(FILES["/index.html"])))
        events = tracer.events()
        authority = loopback(server.port)
        # curl closes without a GOAWAY: its one exchange is the stream.
        (exchange,) = select(events, event="exchange", comm=h2.CURL, remote=authority)
        self.assertEqual(exchange["protocol"], "http2")
        self.assertEqual(exchange["request"], request(1, "/index.html", authority))
        self.assertEqual(exchange["response"],
                         response(1, 200, reply.content_type, reply.size_download))
        self.assert_timed(exchange)
        self.assert_both_ends({1: exchange}, streams(events, pid=server.proc.pid,
                                                     remote=loopback(reply.local_port)))
        self.assert_traced_whole(tracer)


class Upgrade(Checks, unittest.TestCase):
    def test_curl_h2c_upgrade_then_a_second_stream(self):
        with h2.H2cUpgradeServer() as server, \
                Tracer("-c", h2.CURL, "-c", h2.H2C_SERVER, "--exchanges-only") as tracer:
            replies = h2.curl([server.url("/up/100"), server.url("/up/2000")], "upgrade")
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.version, r.size_download, r.num_connects)
                          for r in replies], [(200, "2", 100, 1), (200, "2", 2000, 0)])
        events = tracer.events()
        authority = loopback(server.port)
        ends = {}
        for role, fields in (("client", {"comm": h2.CURL, "remote": authority}),
                             ("server", {"pid": server.proc.pid,
                                         "remote": loopback(replies[0].local_port)})):
            found = [e for e in select(events, event="exchange", **fields) if not is_goaway(e)]
            self.assertEqual([e["protocol"] for e in found], ["http", "http2", "http2"], role)
            upgrade, first, second = found
            self.assertEqual((upgrade["request"]["method"], upgrade["request"]["target"]),
                             ("GET", "/up/100"))
            self.assertIn(["Upgrade", "h2c"], upgrade["request"]["headers"])
            self.assertEqual((upgrade["response"]["status"], upgrade["response"]["reason"],
                              upgrade["response"]["headers"], upgrade["response_bytes"]),
                             (101, "Switching Protocols",
                              [["Connection", "Upgrade"], ["Upgrade", "h2c"]], len(SWITCHING)))
            # Stream 1 is the upgrading request: no frames nor bytes of its own,
            # timed from the 101; its response came as HTTP/2.
            self.assertEqual(first["request"], {
                "protocol": "http2", "stream": 1, "method": None, "scheme": None,
                "authority": None, "path": None, "content_type": None, "frames": 0,
                "data_bytes": 0, "upgrade": True})
            self.assertEqual(first["request_bytes"], 0)
            self.assertEqual(first["request_ts_ns"], upgrade["response_ts_ns"])
            self.assertEqual(first["response"], response(1, 200, "text/plain", 100))
            self.assertEqual(second["request"], request(3, "/up/2000", authority))
            self.assertEqual(second["response"], response(3, 200, "text/plain", 2000))
            self.assert_timed(second)
            ends[role] = {1: first, 3: second}
        self.assert_both_ends(ends["client"], ends["server"])
        self.assert_traced_whole(tracer)


class Tls(Checks, unittest.TestCase):
    def test_curl_h2_over_tls_to_nginx(self):
        paths = ("/hello", "/body/1000")
        with h2.NginxH2Server(paths) as server, \
                Tracer("-c", h2.CURL, "-c", h2.NGINX, "--exchanges-only") as tracer:
            worker = server.worker_pid()
            replies = h2.curl([server.url(p) for p in paths + ("/missing",)], "tls")
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.version) for r in replies],
                         [(200, "2"), (200, "2"), (404, "2")])
        self.assertEqual([r.size_download for r in replies[:2]],
                         [len(expected_body(p)) for p in paths])
        events = tracer.events()
        authority = loopback(server.port)
        client = streams(events, comm=h2.CURL, remote=authority)
        served = streams(events, pid=worker, remote=loopback(replies[0].local_port))
        self.assertEqual(sorted(client), [1, 3, 5])
        for stream, path, reply in zip((1, 3, 5), paths + ("/missing",), replies):
            e = client[stream]
            self.assertTrue(e["tls"], e)
            self.assertEqual(e["request"], request(stream, path, authority, scheme="https"))
            self.assertEqual(e["response"],
                             response(stream, reply.status, reply.content_type,
                                      reply.size_download))
            self.assert_timed(e)
        self.assert_both_ends(client, served)
        # The handshake that chose h2, seen on the wire by both ends.
        for fields in ({"comm": h2.CURL, "remote": authority}, {"pid": worker}):
            (hello,) = select(events, event="exchange", protocol="tls", **fields)
            self.assertEqual(hello["request"]["alpn"], ["h2", "http/1.1"])
            self.assertEqual(hello["response"]["alpn"], ["h2"])
            self.assertFalse(hello["tls"])
        self.assert_traced_whole(tracer)


class Grpc(Checks, unittest.TestCase):
    def test_unary_error_and_server_streaming(self):
        calls = [("SayHello", b"world"), ("Find", b"bob"), ("Count", b"5")]
        with h2.GrpcServer() as server, Recording() as recording, \
                Tracer("-c", h2.GRPC_CLIENT, "-c", h2.GRPC_SERVER,
                       *[arg for name in h2.GRPC_THREADS for arg in ("-c", name)],
                       "--exchanges-only",
                       "--record", recording.path) as tracer:
            replies = h2.grpc_client(server.port, calls)
            self.assertEqual(tracer.stop(), 0)
            human = recording.human_lines()
        # What the client reported: grpc_server.py's answers.
        self.assertEqual([(r["code"], r["details"], r["received"]) for r in replies],
                         [("OK", None, [len(b"hello, world")]),
                          ("NOT_FOUND", "no greeter named bob (100% sure)", []),
                          ("OK", None, [len(b"reply %d:" % i) + 10 * i for i in range(1, 6)])])
        events = tracer.events()
        authority = loopback(server.port)
        # grpc's sockets are dual-stack IPv6 ones: 127.0.0.1 as a v4-mapped address.
        (client_pid,) = {r["pid"] for r in replies}
        client = streams(events, pid=client_pid, family="inet6",
                         remote="[::ffff:127.0.0.1]:%d" % server.port)
        served = streams(events, pid=server.proc.pid)
        self.assertEqual(sorted(client), [1, 3, 5])
        statuses = {"OK": 0, "NOT_FOUND": 5}
        for stream, (method, _), reply in zip((1, 3, 5), calls, replies):
            e = client[stream]
            # Each message is a 5-byte prefix and its bytes.
            self.assertEqual(e["request"], {
                "protocol": "http2", "stream": stream, "method": "POST", "scheme": "http",
                "authority": authority, "path": reply["path"],
                "content_type": "application/grpc", "frames": 2,
                "data_bytes": 5 + reply["sent"],
                "grpc": {"messages": 1, "message_bytes": reply["sent"], "compressed": False,
                         "service": "demo.Greeter", "method": method}})
            received = reply["received"]
            expected = {
                "protocol": "http2", "stream": stream, "status": 200,
                "content_type": "application/grpc",
                "data_bytes": 5 * len(received) + sum(received),
                "grpc": {"messages": len(received), "message_bytes": sum(received),
                         "compressed": False, "status_code": statuses[reply["code"]],
                         "status": reply["code"], "message": reply["details"]}}
            if received:
                # HEADERS, a DATA frame a message, the trailers with grpc-status.
                expected.update(frames=2 + len(received), trailers=True)
            else:
                # A trailers-only answer: one HEADERS with grpc-status.
                expected.update(frames=1)
            self.assertEqual(e["response"], expected)
            self.assert_timed(e)
        self.assert_both_ends(client, served)
        self.assert_traced_whole(tracer)
        remote = client[1]["remote"]
        mine = [line for line in human if " client " in line and remote in line]
        self.assertEqual(len(mine), 3, human)
        for line, stream, reply in zip(mine, (1, 3, 5), replies):
            e = client[stream]
            status = reply["code"] + (' "%s"' % reply["details"] if reply["details"] else "")
            self.assertRegex(line, r" %s +grpc %s -> %s  [\d.]+[num]?s  req %dB resp %dB  "
                                   r"1 msg / %d msg  stream %d( \(tid \d+\))?$"
                             % (re.escape(remote), reply["path"], re.escape(status),
                                e["request_bytes"],
                                e["response_bytes"], len(reply["received"]), stream))


class Node(Checks, unittest.TestCase):
    def test_node_client_and_server_multiplexed(self):
        paths = ["/a", "/b/100", "/c/d/2000", "/e/300"]
        with h2.NodeH2Server() as server, \
                Tracer("-c", h2.NODE_CLIENT, "-c", h2.NODE_SERVER, "--exchanges-only") as tracer:
            local_port, replies = h2.node_client(server.url(""), paths)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(sorted((r["path"], r["status"], r["body_bytes"]) for r in replies),
                         sorted((p, 200, len(expected_body(p))) for p in paths))
        events = tracer.events()
        authority = loopback(server.port)
        client = streams(events, comm=h2.NODE_CLIENT, remote=authority)
        served = streams(events, pid=server.proc.pid, remote=loopback(local_port))
        self.assertEqual(sorted(client), sorted(r["stream"] for r in replies))
        for r in replies:
            e = client[r["stream"]]
            self.assertEqual(e["request"], request(r["stream"], r["path"], authority))
            self.assertEqual(e["response"],
                             response(r["stream"], r["status"], "text/plain", r["body_bytes"]))
            self.assert_timed(e)
        self.assert_both_ends(client, served)
        self.assert_traced_whole(tracer)


class JoinedMidway(Checks, unittest.TestCase):
    """The tracer starts while a connection is open: the HPACK entries its
    peers added before are unknown to it."""

    def assert_request_as_far_as_known(self, message, reply, table):
        """The request reply's client sent, its fields as a decoder that joined
        after table was built can know them: every field the client sent is an
        entry of the static table by name, so a field is unknown exactly when it
        named an entry of table (name and value); static-table and literal fields
        decode, entries added after the join too."""
        sent = dict(reply["sent"])
        unknown = [field for field in reply["sent"] if field in table]
        known = {name: None if [name, value] in table else value
                 for name, value in sent.items()}
        expected = request(reply["stream"], known[":path"], known[":authority"],
                           scheme=known[":scheme"], method=known[":method"])
        if unknown:
            expected["headers_unknown"] = len(unknown)
        self.assertEqual(message, expected)

    def assert_response_right_or_unknown(self, message, reply):
        """node's encoder's table is not known to the test: each field is right,
        or not shown and counted."""
        rest = dict(message)
        unknown = rest.pop("headers_unknown", 0)
        status = rest.pop("status", None)
        content_type = rest.pop("content_type")
        self.assertIn(status, (reply["status"], None), message)
        self.assertIn(content_type, ("text/plain", None), message)
        self.assertGreaterEqual(unknown, (status is None) + (content_type is None), message)
        self.assertEqual(rest, {"protocol": "http2", "stream": reply["stream"], "frames": 2,
                                "data_bytes": reply["body_bytes"]})

    def test_fields_right_or_counted_unknown_never_wrong(self):
        # /c/30 is new after the join: it decodes; its second request names the
        # entry added after the join: that decodes too.
        before = ["/a/10", "/b/20"]
        after = ["/a/10", "/b/20", "/c/30", "/c/30", "/a/10"]
        with h2.NodeH2Server() as server, \
                h2.JoiningClient(server.port, before, after) as joining:
            with Tracer("-c", h2.JOIN_CLIENT, "-c", h2.NODE_SERVER,
                        "--exchanges-only") as tracer:
                joining.release()
                replies = joining.replies()
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r["path"], r["status"], r["body_bytes"]) for r in replies],
                         [(p, 200, len(expected_body(p))) for p in after])
        # What the joined decoders cannot know: the client's entries from before.
        authority = loopback(server.port)
        self.assertEqual(sorted(map(tuple, joining.table)),
                         [(":authority", authority), (":path", "/a/10"), (":path", "/b/20"),
                          ("user-agent", "st-h2-join/1")])
        events = tracer.events()
        client = streams(events, pid=joining.pid, remote=authority)
        served = streams(events, pid=server.proc.pid, remote=loopback(joining.local_port))
        self.assertEqual(sorted(client), [r["stream"] for r in replies])
        for r in replies:
            e = client[r["stream"]]
            self.assertTrue(e["preexisting"], e)
            self.assert_request_as_far_as_known(e["request"], r, joining.table)
            self.assert_response_right_or_unknown(e["response"], r)
            self.assert_timed(e)
        # The first /c/30 came after the join: its path and everything but the
        # fields from before decode.
        first_new = client[replies[2]["stream"]]["request"]
        self.assertEqual((first_new["path"], first_new["method"], first_new["scheme"]),
                         ("/c/30", "GET", "http"))
        self.assertEqual(first_new["headers_unknown"], 2)  # :authority, user-agent
        # Both sockets come from the startup scan: neither end's role is known.
        self.assert_both_ends(client, served, roles=("unknown", "unknown"))
        # The client's GOAWAY as it closes.
        self.assertEqual(goaways(events, pid=joining.pid),
                         [dict(NO_ERROR_GOAWAY, last_stream=0)])
        # The summary counts every field not shown, on both ends, and the four
        # decoders (two ends, two directions) that started midway.
        shown_unknown = sum(m.get("headers_unknown", 0) for end in (client, served)
                            for e in end.values() for m in (e["request"], e["response"]))
        self.assertGreater(shown_unknown, 0)
        self.assertEqual(h2_summary(tracer),
                         H2Summary(fields_unknown=shown_unknown, decoders_joined=4,
                                   blocks_failed=0, untracked=0, refused=0, memory=0,
                                   given_up=0))
        self.assertEqual(messages_not_whole(tracer), 0, tracer.stderr)


if __name__ == "__main__":
    unittest.main()
