"""TLS plaintext of node (OpenSSL in the node binary, memory buffers: the
socket is the thread's next write) and Go (crypto/tls probed at its entry and
every RET, plain and stripped binaries built by the test), client and server
of each, both sides checked as test_tls.py does.

The servers run before the tracer starts, so their binaries are probed at the
start; the clients start later and wait before their first request (-delay),
time for the tracer to probe a new binary (10-15 ms, node's ~90 ms).

Go's client writes a request on one goroutine and reads its reply on another
(its server likewise reads the next request while it writes a reply): a
Write's return may come after the peer's answer was read, its thread having
lost the CPU to the peer it woke (about one Write in ten here; docs/tls.md).
Each Go pair makes GO_PATHS requests, each a chance of that, checked by the
same exact assertions."""

import unittest

import tls_peers as peers
from test_tls import (Checks, PATHS, connection, exchanges, loopback, of, pid_of, probe_lines,
                      tls_summary)
from tracer import Tracer, require_root

require_root()

CLIENT_DELAY = 0.3
GO_PATHS = PATHS * 3


class Pair(Checks):
    def assert_pair(self, events, paths, server_pid, server_port, client_comm, replies, syscall,
                    sockets):
        """The client's and the server's connection: exchanges, plaintext,
        wire totals; returns both keys."""
        self.assertEqual([(r.status, r.body_len) for r in replies],
                         [(200, len(peers.expected_body(p))) for p in paths])
        self.assertEqual(len({r.local_port for r in replies}), 1, replies)  # keep-alive
        remote = loopback(server_port)
        client = connection(events, pid_of(events, client_comm, remote), remote)
        server = connection(events, server_pid, loopback(replies[0].local_port))
        found, served = exchanges(events, client, "http"), exchanges(events, server, "http")
        for side in (found, served):
            self.assert_http(side, paths)
            self.assertEqual([e["response"]["content_length"] for e in side],
                             [r.body_len for r in replies])
        self.assertEqual([(e["request_bytes"], e["response_bytes"]) for e in found],
                         [(e["request_bytes"], e["response_bytes"]) for e in served])
        for key, side, is_client in ((client, found, True), (server, served, False)):
            sent, received = self.assert_plaintext_stream(events, key, syscall, sockets)
            self.assert_sums(events, key, side, sent, received, client=is_client)
            self.assert_no_ciphertext_after_plaintext(events, key)
        return client, server

    def assert_no_ciphertext_after_plaintext(self, events, key):
        """Records made before the first plaintext call (a handshake on memory
        buffers, or Go's, which is not probed) may print; none after it."""
        first = min(e["ts_ns"] for e in of(events, key, event="data", tls=True))
        self.assertEqual([e for e in of(events, key, event="data", tls=False)
                          if e["ts_ns"] > first], [])
        hello = of(events, key, event="exchange", protocol="tls")
        self.assertEqual([e["request"]["handshake"] for e in hello], ["client_hello"])


class Node(Pair, unittest.TestCase):
    def test_node_client_and_server(self):
        with peers.NodeHttpsServer() as server:
            with Tracer("-v", "-c", "node_tls_client", "-c", "node_tls_server") as tracer:
                replies = peers.node_client([server.url(p) for p in PATHS], delay=CLIENT_DELAY)
                self.assertEqual(tracer.stop(), 0)
            events = tracer.events()
            client, served = self.assert_pair(events, PATHS, server.proc.pid, server.port,
                                              "node_tls_client", replies, "openssl",
                                              ("adjacent",))
        # The client's agent is destroyed at its end: both close, in either order.
        self.assert_closes_match(events, client, served, unread_by_a=None, unread_by_b=None)
        lines = probe_lines(tracer)
        self.assertTrue([l for l in lines if l.startswith(
            "TLS probes: openssl: SSL_write, SSL_read, SSL_write_ex, SSL_read_ex in ")
            and "/node (every process)" in l], lines)


class Go(Pair, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for stripped in (False, True):
            for name in ("go_client", "go_server"):
                peers.go_binary(name, stripped)

    def _pair(self, stripped):
        tail = "_s" if stripped else ""
        with peers.GoHttpsServer(stripped) as server:
            with Tracer("-v", "-c", "go_client" + tail, "-c", "go_server" + tail) as tracer:
                replies = peers.go_client([server.url(p) for p in GO_PATHS], stripped,
                                          delay=CLIENT_DELAY)
                self.assertEqual(tracer.stop(), 0)
            events = tracer.events()
            client, served = self.assert_pair(events, GO_PATHS, server.proc.pid, server.port,
                                              "go_client" + tail, replies, "go-tls", (None,))
            binary = server.binary
        self.assert_closes_match(events, client, served, unread_by_a=None, unread_by_b=None)
        # Every call matched its return, no socket mixed up.
        summary = tls_summary(tracer)
        for count in ("plaintext without a known socket", "calls whose socket changed",
                      "mixing two sockets", "returns without an entry",
                      "writes shown whole that sent less"):
            self.assertIn("%s 0" % count, summary)
        lines = probe_lines(tracer)
        for name in ("go_server" + tail, "go_client" + tail):
            path = binary[:-len(binary.rsplit("/", 1)[1])] + name
            self.assertTrue([l for l in lines if l.startswith("TLS probes: go crypto/tls: ")
                             and " in %s (every process)" % path in l], lines)

    def test_go_client_and_server(self):
        self._pair(stripped=False)

    def test_go_stripped_client_and_server(self):
        self._pair(stripped=True)


if __name__ == "__main__":
    unittest.main()
