"""TLS plaintext through uprobes (issue 13) with real clients and servers on
loopback: curl and python urllib against nginx, openssl s_client against
s_server (echo and -www), wget (GnuTLS), redis-cli --tls, psql
sslmode=require; a client started after the tracer, -p choosing one of two
processes, --show-ciphertext and --no-tls. Node and Go: test_tls_go_node.py.

Every tracer is filtered by the comms of its peers (-c; nginx runs under a
comm of its own), and every assertion by the pid and remote address of the
connection the peers reported, so other traffic on the machine cannot change
what is checked. What is checked is exact: each side's exchanges against what
the client reported, the plaintext bytes per direction against the
exchanges, each side's wire totals against the other's."""

import base64
import re
import time
import unittest

import tls_peers as peers
from tracer import Tracer, require_root, select

require_root()

NGINX = "st_tls_nginx"
PATHS = peers.DEFAULT_PATHS


def loopback(port):
    return "127.0.0.1:%d" % port


def only_connection(events, pid):
    """The one TCP connection over loopback of pid in the trace."""
    conns = sorted({e["conn"] for e in events if e.get("pid") == pid
                    and e.get("remote", "").startswith("127.0.0.1:") and "conn" in e})
    if len(conns) != 1:
        raise AssertionError("pid %d: loopback connections %r, want one" % (pid, conns))
    return pid, conns[0]


def pid_of(events, comm, remote):
    pids = {e["pid"] for e in events if e.get("comm") == comm and e.get("remote") == remote}
    if len(pids) != 1:
        raise AssertionError("%s to %s: pids %r, want one" % (comm, remote, pids))
    return pids.pop()


def payload(events):
    """The captured bytes of events in order (--json-b64)."""
    return b"".join(base64.b64decode(e["data_b64"]) for e in events)


def connection(events, pid, remote):
    """(pid, conn) of the one connection of pid to remote; asserts there is one."""
    conns = sorted({e["conn"] for e in events
                    if e.get("pid") == pid and e.get("remote") == remote and "conn" in e})
    if len(conns) != 1:
        raise AssertionError("pid %d to %s: connections %r, want one" % (pid, remote, conns))
    return pid, conns[0]


def connections(events, comm, remote):
    """Every (pid, conn) of comm to remote, in the order they started."""
    found = []
    for e in events:
        key = (e.get("pid"), e.get("conn"))
        if e.get("comm") == comm and e.get("remote") == remote and "conn" in e \
                and key not in found:
            found.append(key)
    return found


def of(events, key, **fields):
    pid, conn = key
    return select(events, pid=pid, conn=conn, **fields)


def plaintext(events, key, direction):
    return of(events, key, event="data", tls=True, direction=direction)


def exchanges(events, key, protocol):
    return of(events, key, event="exchange", protocol=protocol, tls=True)


def close_of(events, key):
    closes = of(events, key, event="close")
    if len(closes) != 1:
        raise AssertionError("%r: %d close events" % (key, len(closes)))
    return closes[0]


def records(events, key):
    """The ciphertext data events of a connection (printed with --show-ciphertext)."""
    return of(events, key, event="data", tls=False, protocol="tls")


def close_notify_size(events, key, version=None):
    """The bytes of one encrypted alert record in the session's version and
    cipher (from its ServerHello unless given): header, (TLS 1.2 GCM: an
    8-byte explicit nonce,) the alert (TLS 1.3: and its content type), a
    16-byte tag."""
    if version == "TLS1.3":
        return 5 + 2 + 1 + 16
    hello = of(events, key, event="exchange", protocol="tls")[0]["response"]
    if hello["version"] == "TLS1.3":
        return 5 + 2 + 1 + 16
    if hello["version"] == "TLS1.2" and "_GCM_" in hello["cipher"]:
        return 5 + 8 + 2 + 16
    raise AssertionError("no alert size known for %r" % hello)


def tls_summary(tracer):
    for line in tracer.stderr_lines:
        if line.startswith("socket-tracer: TLS: "):
            return line
    raise AssertionError("no TLS summary line in: %s" % tracer.stderr)


def records_not_printed(tracer):
    return int(re.search(r"socket-tracer: (\d+) TLS record events not printed",
                         tracer.stderr).group(1))


def probe_lines(tracer):
    return [l.rstrip("\n") for l in tracer.stderr_lines if l.startswith("TLS probes: ")]


class Checks:
    """Mixed into a unittest.TestCase."""

    def assert_plaintext_stream(self, events, key, syscall, sockets=(None,)):
        """Every plaintext event of the connection: syscall, its fd and remote,
        positions without a gap in each direction; returns (sent, received)."""
        totals = {}
        first = of(events, key, event="data")
        fd, remote = first[0]["fd"], first[0]["remote"]
        for direction in ("send", "recv"):
            at = 0
            for e in plaintext(events, key, direction):
                self.assertEqual((e["syscall"], e["fd"], e["remote"]), (syscall, fd, remote), e)
                self.assertIn(e.get("tls_socket"), sockets, e)
                self.assertEqual(e["pos"], at, e)
                self.assertGreater(e["bytes"], 0, e)
                at += e["bytes"]
            totals[direction] = at
        return totals["send"], totals["recv"]

    def assert_http(self, found, targets, statuses=None):
        """The connection's HTTP exchanges, in order: targets, statuses, latency."""
        self.assertEqual([e["request"]["target"] for e in found], list(targets), found)
        statuses = statuses or [200] * len(targets)
        for e, status in zip(found, statuses):
            self.assertEqual(e["request"]["method"], "GET", e)
            self.assertIsNotNone(e["response"], e)
            self.assertEqual(e["response"]["status"], status, e)
            self.assertGreater(e["latency_ns"], 0, e)
            self.assertTrue(e["tls"], e)

    def assert_sums(self, events, key, found, sent, received, client=True):
        """The plaintext sums equal the exchanges' sizes (requests are what a
        client sends and a server receives)."""
        requests = sum(e["request_bytes"] for e in found)
        responses = sum(e["response_bytes"] for e in found)
        self.assertEqual((sent, received),
                         (requests, responses) if client else (responses, requests), key)

    def assert_closes_match(self, events, a, b, unread_by_a=False, unread_by_b=False,
                            version=None):
        """What one side sent on the wire, the other received; but for the
        close_notify alert a side sent as the other closed, which that side
        never read (unread_by_a: a never read b's; None: which side closes
        first is a race, either may be unread)."""
        alert = close_notify_size(events, a, version)
        x, y = close_of(events, a), close_of(events, b)
        unread = {True: {alert}, False: {0}, None: {0, alert}}
        self.assertIn(y["bytes_sent"] - x["bytes_recv"], unread[unread_by_a], (x, y))
        self.assertIn(x["bytes_sent"] - y["bytes_recv"], unread[unread_by_b], (x, y))
        self.assertGreater(x["bytes_sent"], 0)
        return x, y

    def assert_no_ciphertext_after_handshake(self, events, key):
        """By default the records of a connection whose plaintext is captured are
        not printed; the handshake's tls exchange is."""
        hello = of(events, key, event="exchange", protocol="tls")
        self.assertEqual(len(hello), 1, hello)
        self.assertEqual(hello[0]["request"]["handshake"], "client_hello")
        self.assertEqual(hello[0]["response"]["handshake"], "server_hello")
        self.assertFalse(hello[0]["tls"])
        after = [e for e in of(events, key, event="data", tls=False)
                 if e["ts_ns"] > hello[0]["response_ts_ns"]]
        self.assertEqual(after, [])

    def assert_ciphertext_is_the_wire(self, events, key):
        """--show-ciphertext: the records printed add up to the close totals."""
        close = close_of(events, key)
        found = records(events, key)
        self.assertTrue(found)
        self.assertEqual(sum(e["bytes"] for e in found if e["direction"] == "send"),
                         close["bytes_sent"])
        self.assertEqual(sum(e["bytes"] for e in found if e["direction"] == "recv"),
                         close["bytes_recv"])


class CurlNginx(Checks, unittest.TestCase):
    """curl with 3 URLs on one keep-alive connection to nginx: both sides."""

    def _round(self, *tracer_args):
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-c", "curl", "-c", NGINX, *tracer_args) as tracer:
            worker = nginx.worker_pid()
            replies = peers.curl([nginx.url(p) for p in PATHS])
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.num_connects) for r in replies],
                         [(200, 1), (200, 0), (200, 0)])
        self.assertEqual([r.size_download for r in replies],
                         [len(peers.expected_body(p)) for p in PATHS])
        events = tracer.events()
        remote = loopback(nginx.port)
        client = connection(events, pid_of(events, "curl", remote), remote)
        server = connection(events, worker, loopback(replies[0].local_port))
        for key, is_client in ((client, True), (server, False)):
            found = exchanges(events, key, "http")
            self.assert_http(found, PATHS)
            self.assertEqual([e["request_bytes"] for e in found],
                             [r.size_request for r in replies])
            self.assertEqual([e["response_bytes"] for e in found],
                             [r.size_header + r.size_download for r in replies])
            self.assertEqual([e["response"]["content_length"] for e in found],
                             [r.size_download for r in replies])
            sent, received = self.assert_plaintext_stream(events, key, "openssl")
            self.assert_sums(events, key, found, sent, received, client=is_client)
        self.assert_closes_match(events, client, server)
        if "--no-tls" not in tracer_args:
            # Every call matched its return once: no file probed twice, no
            # socket mixed up.
            summary = tls_summary(tracer)
            for count in ("plaintext without a known socket", "calls whose socket changed",
                          "mixing two sockets", "taken from the next write wrongly",
                          "returns without an entry"):
                self.assertIn("%s 0" % count, summary)
        return tracer, events, client, server

    def test_both_sides_exchanges_sizes_and_no_ciphertext(self):
        tracer, events, client, server = self._round()
        for key in (client, server):
            self.assert_no_ciphertext_after_handshake(events, key)
            self.assertEqual(records(events, key), [])
        self.assertGreater(records_not_printed(tracer), 0)

    def test_show_ciphertext_prints_the_records_too(self):
        tracer, events, client, server = self._round("--show-ciphertext")
        for key in (client, server):
            self.assert_ciphertext_is_the_wire(events, key)
            inside = [e for e in records(events, key) if e.get("tls_records")]
            self.assertTrue(inside, key)
            self.assertEqual({e["syscall"] for e in records(events, key)} & {"openssl"}, set())

    def test_no_tls_prints_ciphertext_and_no_plaintext(self):
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-v", "--no-tls", "-c", "curl", "-c", NGINX) as tracer:
            worker = nginx.worker_pid()
            replies = peers.curl([nginx.url(p) for p in PATHS])
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        self.assertEqual([e for e in events if e.get("tls")], [])
        self.assertEqual(select(events, event="exchange", protocol="http"), [])
        self.assertEqual(probe_lines(tracer), [])
        self.assertNotRegex(tracer.stderr, r"socket-tracer: TLS: ")
        remote = loopback(nginx.port)
        client = connection(events, pid_of(events, "curl", remote), remote)
        server = connection(events, worker, loopback(replies[0].local_port))
        for key in (client, server):
            self.assert_ciphertext_is_the_wire(events, key)
            self.assertEqual([e for e in of(events, key, event="data")
                              if e["protocol"] != "tls"], [])
            self.assertEqual(len(of(events, key, event="exchange", protocol="tls")), 1)
        self.assert_closes_match(events, client, server)


class PythonUrllib(Checks, unittest.TestCase):
    def _check_urllib(self, events, worker, nginx, replies, comm, paths):
        """One connection per URL: the client's and nginx's exchange of each."""
        keys = connections(events, comm, loopback(nginx.port))
        self.assertEqual(len(keys), len(paths), keys)
        for key, reply, path in zip(keys, replies, paths):
            server = connection(events, worker, loopback(reply.local_port))
            found = exchanges(events, key, "http")
            served = exchanges(events, server, "http")
            self.assert_http(found, [path])
            self.assert_http(served, [path])
            self.assertEqual(found[0]["response"]["content_length"], reply.body_len)
            self.assertEqual((found[0]["request_bytes"], found[0]["response_bytes"]),
                             (served[0]["request_bytes"], served[0]["response_bytes"]))
            for side, is_client in ((key, True), (server, False)):
                sent, received = self.assert_plaintext_stream(events, side, "openssl",
                                                              sockets=(None, "cached"))
                self.assert_sums(events, side, found, sent, received, client=is_client)
                self.assert_no_ciphertext_after_handshake(events, side)
            # nginx closes after its reply (urllib says Connection: close)
            # with an alert python never reads.
            self.assert_closes_match(events, key, server, unread_by_a=True)

    def test_urllib_each_url_on_its_connection(self):
        comm = "py_tls_client"
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-c", comm, "-c", NGINX) as tracer:
            worker = nginx.worker_pid()
            replies = peers.python_client([nginx.url(p) for p in PATHS], comm=comm)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.body_len) for r in replies],
                         [(200, len(peers.expected_body(p))) for p in PATHS])
        self._check_urllib(tracer.events(), worker, nginx, replies, comm, PATHS)

    def test_client_started_2s_after_the_tracer(self):
        # libssl is probed at the start: a python started later is traced from
        # its first call, with no window.
        comm = "py_tls_late"
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-v", "-c", comm, "-c", NGINX) as tracer:
            worker = nginx.worker_pid()
            time.sleep(2)
            replies = peers.python_client([nginx.url("/body/1000")], comm=comm)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.body_len) for r in replies], [(200, 1000)])
        self._check_urllib(tracer.events(), worker, nginx, replies, comm, ["/body/1000"])
        self.assertTrue([l for l in probe_lines(tracer)
                         if "/libssl.so.3 (every process)" in l], probe_lines(tracer))

    def test_asyncio_memory_buffers_take_the_adjacent_socket(self):
        # asyncio's SSLObject makes no socket syscall inside SSL_read/SSL_write:
        # the session's socket is the one the thread writes its records to.
        comm = "py_tls_async"
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-c", comm, "-c", NGINX) as tracer:
            worker = nginx.worker_pid()
            replies = peers.asyncio_client([nginx.url(p) for p in PATHS], comm=comm)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.body_len) for r in replies],
                         [(200, len(peers.expected_body(p))) for p in PATHS])
        events = tracer.events()
        remote = loopback(nginx.port)
        client = connection(events, pid_of(events, comm, remote), remote)
        server = connection(events, worker, loopback(replies[0].local_port))
        found, served = exchanges(events, client, "http"), exchanges(events, server, "http")
        for side in (found, served):
            self.assert_http(side, PATHS)
            self.assertEqual([e["response"]["content_length"] for e in side],
                             [r.body_len for r in replies])
        self.assertEqual([(e["request_bytes"], e["response_bytes"]) for e in found],
                         [(e["request_bytes"], e["response_bytes"]) for e in served])
        sent, received = self.assert_plaintext_stream(events, client, "openssl",
                                                      sockets=("adjacent",))
        self.assert_sums(events, client, found, sent, received)
        sent, received = self.assert_plaintext_stream(events, server, "openssl",
                                                      sockets=(None, "cached"))
        self.assert_sums(events, server, served, sent, received, client=False)
        self.assertEqual([e for e in of(events, client, event="data", tls=True)
                          if e["remote"] != remote], [])
        self.assert_closes_match(events, client, server, unread_by_a=None, unread_by_b=None)

    def test_pid_traces_one_of_two_clients(self):
        comm = "py_tls_pair"
        urls = ["/hello", "/body/1000"]
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                peers.WaitingPythonClient([nginx.url(p) for p in urls], comm) as first, \
                peers.WaitingPythonClient([nginx.url(p) for p in urls], comm) as second:
            with Tracer("-v", "-p", str(first.pid)) as tracer:
                first.release()
                second.release()
                replies = first.replies()
                others = second.replies()
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.body_len) for r in replies + others],
                         [(200, 6), (200, 1000)] * 2)
        events = tracer.events()
        self.assertEqual({e["pid"] for e in events if "pid" in e}, {first.pid})
        keys = connections(events, comm, loopback(nginx.port))
        self.assertEqual(len(keys), 2, keys)
        for key, path in zip(keys, urls):
            found = exchanges(events, key, "http")
            self.assert_http(found, [path])
            sent, received = self.assert_plaintext_stream(events, key, "openssl",
                                                          sockets=(None, "cached"))
            self.assert_sums(events, key, found, sent, received)
        lines = probe_lines(tracer)
        self.assertTrue([l for l in lines if "/libssl.so.3 (process %d)" % first.pid in l],
                        lines)
        for line in lines:
            self.assertIn("(process %d)" % first.pid, line)
        self.assertIn(" 0 not probed for an error", tls_summary(tracer))


class OpensslTools(Checks, unittest.TestCase):
    def test_s_client_s_server_echo_both_ways(self):
        data = b"".join(b"echo line %03d: %s\n" % (i, b"x" * (i % 50)) for i in range(60))
        with peers.OpensslServer("echo") as server, \
                Tracer("-c", "openssl", "--json-b64", "--data-size", "32768") as tracer:
            echoed = peers.openssl_client(server.port, data, expect=len(data))
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(echoed, data)
        events = tracer.events()
        remote = loopback(server.port)
        client = connection(events, pid_of(events, "openssl", remote), remote)
        served = only_connection(events, server.proc.pid)
        for key in (client, served):
            sent, received = self.assert_plaintext_stream(events, key, "openssl",
                                                          sockets=(None, "cached"))
            self.assertEqual((sent, received), (len(data), len(data)), key)
            self.assertEqual(payload(plaintext(events, key, "send")), data)
            self.assertEqual(payload(plaintext(events, key, "recv")), data)
            self.assert_no_ciphertext_after_handshake(events, key)
        # s_client is stopped: s_server's closing alert is not read.
        self.assert_closes_match(events, client, served, unread_by_a=True)

    def test_s_server_www_page_through_the_internal_write(self):
        # -www writes through BIO_f_ssl, bypassing SSL_write: the page is
        # captured by the probe on the internal function both go through.
        request = b"GET / HTTP/1.0\r\n\r\n"
        with peers.OpensslServer("www") as server, \
                Tracer("-c", "openssl", "--json-b64", "--data-size", "32768") as tracer:
            page = peers.openssl_client(server.port, request)
            self.assertEqual(tracer.stop(), 0)
        self.assertTrue(page.startswith(b"HTTP/1.0 200 ok\r\n"), page[:40])
        events = tracer.events()
        remote = loopback(server.port)
        client = connection(events, pid_of(events, "openssl", remote), remote)
        served = only_connection(events, server.proc.pid)
        for key, is_client in ((client, True), (served, False)):
            sent, received = self.assert_plaintext_stream(events, key, "openssl",
                                                          sockets=(None, "cached"))
            self.assertEqual((sent, received) if is_client else (received, sent),
                             (len(request), len(page)), key)
            found = exchanges(events, key, "http")
            self.assert_http(found, ["/"])
            self.assertEqual((found[0]["request_bytes"], found[0]["response_bytes"]),
                             (len(request), len(page)))
            self.assert_no_ciphertext_after_handshake(events, key)
        self.assertEqual(payload(plaintext(events, served, "send")), page)
        self.assertEqual(payload(plaintext(events, client, "recv")), page)
        self.assert_closes_match(events, client, served)

    def test_wget_through_gnutls(self):
        with peers.NginxHttpsServer(comm=NGINX) as nginx, \
                Tracer("-c", "wget", "-c", NGINX) as tracer:
            worker = nginx.worker_pid()
            replies = peers.wget([nginx.url(p) for p in PATHS])
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual([(r.status, r.body_len) for r in replies],
                         [(200, len(peers.expected_body(p))) for p in PATHS])
        events = tracer.events()
        remote = loopback(nginx.port)
        client = connection(events, pid_of(events, "wget", remote), remote)
        server = only_connection(events, worker)
        found = exchanges(events, client, "http")
        served = exchanges(events, server, "http")
        for side in (found, served):
            self.assert_http(side, PATHS)
            self.assertEqual([e["response"]["content_length"] for e in side],
                             [r.body_len for r in replies])
        self.assertEqual([(e["request_bytes"], e["response_bytes"]) for e in found],
                         [(e["request_bytes"], e["response_bytes"]) for e in served])
        sent, received = self.assert_plaintext_stream(events, client, "gnutls",
                                                      sockets=(None, "cached"))
        self.assert_sums(events, client, found, sent, received)
        sent, received = self.assert_plaintext_stream(events, server, "openssl",
                                                      sockets=(None, "cached"))
        self.assert_sums(events, server, served, sent, received, client=False)
        for key in (client, server):
            self.assert_no_ciphertext_after_handshake(events, key)
        self.assert_closes_match(events, client, server)


class Databases(Checks, unittest.TestCase):
    def test_redis_cli_tls_commands(self):
        commands = [["SET", "st_tls_key", "value-1"], ["GET", "st_tls_key"],
                    ["INCR", "st_tls_n"]]
        with peers.RedisTlsServer() as redis, \
                Tracer("-c", "redis-cli", "-c", "redis-server") as tracer:
            output = peers.redis_cli(redis.port, commands)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(output, ["OK", "value-1", "1"])
        events = tracer.events()
        remote = loopback(redis.port)
        client = connection(events, pid_of(events, "redis-cli", remote), remote)
        server = only_connection(events, redis.proc.pid)
        for key, is_client in ((client, True), (server, False)):
            found = exchanges(events, key, "redis")
            # redis-cli asks for COMMAND DOCS first (its hints).
            self.assertEqual([(e["request"]["command"], e["request"]["args"]) for e in found],
                             [("COMMAND", ["DOCS"])] + [(c[0], c[1:]) for c in commands])
            self.assertEqual([(e["response"]["reply_type"], e["response"]["reply"])
                              for e in found[1:]],
                             [("status", "OK"), ("bulk", "value-1"), ("integer", "1")])
            self.assertEqual([e["response_bytes"] for e in found[1:]], [5, 13, 4])
            sent, received = self.assert_plaintext_stream(events, key, "openssl",
                                                          sockets=(None, "cached"))
            self.assert_sums(events, key, found, sent, received, client=is_client)
            self.assert_no_ciphertext_after_handshake(events, key)
        self.assertEqual([(e["request_bytes"], e["response_bytes"])
                          for e in exchanges(events, client, "redis")],
                         [(e["request_bytes"], e["response_bytes"])
                          for e in exchanges(events, server, "redis")])
        # redis-server answers redis-cli's closing alert with one of its own,
        # after redis-cli closed.
        self.assert_closes_match(events, client, server, unread_by_a=True)

    def test_psql_sslmode_require_query(self):
        query = "select 'st-tls ' || version from pg_stat_ssl where pid = pg_backend_pid()"
        with peers.PostgresTlsServer() as pg, \
                Tracer("-c", "psql", "-c", "postgres") as tracer:
            self.assertEqual(peers.psql(pg.port, query), "st-tls TLSv1.3")
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        remote = loopback(pg.port)
        client = connection(events, pid_of(events, "psql", remote), remote)
        queries = [e for e in select(events, event="exchange", protocol="postgres", tls=True)
                   if (e["request"] or {}).get("query") == query]
        self.assertEqual(sorted(e["comm"] for e in queries), ["postgres", "psql"], queries)
        backend = [(e["pid"], e["conn"]) for e in queries if e["comm"] == "postgres"][0]
        for key in (client, backend):
            # The SSLRequest and its "S" go in cleartext; all else is TLS.
            cleartext = of(events, key, event="exchange", protocol="postgres", tls=False)
            self.assertEqual([(e["request_bytes"], e["response_bytes"]) for e in cleartext],
                             [(8, 1)])
            found = [e for e in queries if (e["pid"], e["conn"]) == key]
            self.assertEqual(len(found), 1)
            self.assertEqual(found[0]["request_bytes"], 1 + 4 + len(query) + 1)
            self.assertEqual(found[0]["response"]["status"], "idle")
            self.assertGreater(found[0]["latency_ns"], 0)
            self.assert_plaintext_stream(events, key, "openssl", sockets=(None, "cached"))
            self.assertEqual({e["protocol"] for e in plaintext(events, key, "send")},
                             {"postgres"})
        self.assertEqual(queries[0]["response_bytes"], queries[1]["response_bytes"])
        # On psql's Terminate both send an alert and close: which one reads
        # the other's is a race.
        self.assert_closes_match(events, client, backend, unread_by_a=None, unread_by_b=None,
                                 version="TLS1.3")


if __name__ == "__main__":
    unittest.main()
