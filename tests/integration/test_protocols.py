"""Protocol decoding with real peers: exchanges paired, decoded and timed."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from peers import DnsServer, HttpServer, PostgresServer, RedisServer, TlsServer
from tls_peers import NginxHttpsServer, expected_body
from tracer import Tracer, require_root, select

require_root()

# Three requests on one keep-alive connection; each round trip timed by the client.
KEEPALIVE_CLIENT = r"""
import http.client, json, os, sys, time
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
out = {"pid": os.getpid(), "rtt_ns": []}
for path in ("/", "/missing", "/size/20000"):
    start = time.monotonic_ns()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    out["rtt_ns"].append(time.monotonic_ns() - start)
out["fd"] = conn.sock.fileno()
conn.close()
print(json.dumps(out))
"""


def exchanges(events, **fields):
    return select(events, event="exchange", **fields)


class Http(unittest.TestCase):
    def test_python_keepalive_requests_paired_in_order(self):
        with HttpServer() as server, Tracer("-c", "python3") as tracer:
            client = subprocess.run([sys.executable, "-c", KEEPALIVE_CLIENT, str(server.port)],
                                    capture_output=True, timeout=30, check=True)
            info = json.loads(client.stdout)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        mine = exchanges(events, pid=info["pid"], fd=info["fd"])
        self.assertEqual(len(mine), 3, mine)
        expected = [("/", 200, "OK", 5), ("/missing", 404, "Not Found", 8),
                    ("/size/20000", 200, "OK", 20000)]
        for exchange, (target, status, reason, length), rtt in zip(mine, expected,
                                                                   info["rtt_ns"]):
            self.assertEqual(exchange["protocol"], "http")
            self.assertEqual(exchange["role"], "client")
            self.assertEqual(exchange["request"]["method"], "GET")
            self.assertEqual(exchange["request"]["target"], target)
            self.assertEqual(exchange["request"]["host"], "127.0.0.1:%d" % server.port)
            self.assertEqual(exchange["response"]["status"], status)
            self.assertEqual(exchange["response"]["reason"], reason)
            self.assertEqual(exchange["response"]["content_length"], length)
            self.assertGreater(exchange["latency_ns"], 0)
            self.assertLess(exchange["latency_ns"], rtt)
        # The server's side of the same exchanges, role server.
        served = [e for e in exchanges(events, role="server")
                  if e["request"] and e["request"]["host"] == "127.0.0.1:%d" % server.port]
        self.assertEqual([e["response"]["status"] for e in served], [200, 404, 200])
        # The 20000-byte body is bigger than a capture: still one exchange, exact size.
        self.assertGreater(mine[2]["response_bytes"], 20000)

    def test_curl_two_urls_one_connection(self):
        with HttpServer() as server, Tracer("-c", "curl", "--exchanges-only") as tracer:
            base = "http://127.0.0.1:%d" % server.port
            subprocess.run(["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", base + "/a",
                            base + "/missing"], check=True, timeout=30)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        self.assertEqual({e["event"] for e in events}, {"exchange"})
        self.assertEqual([(e["request"]["target"], e["response"]["status"]) for e in events],
                         [("/a", 200), ("/missing", 404)])
        self.assertEqual(len({e["fd"] for e in events}), 1)

    def test_human_exchange_line(self):
        with HttpServer() as server, Tracer("-c", "curl", "--exchanges-only",
                                            json_output=False) as tracer:
            subprocess.run(["curl", "-s", "-o", "/dev/null",
                            "http://127.0.0.1:%d/hello" % server.port], check=True, timeout=30)
            self.assertEqual(tracer.stop(), 0)
        lines = tracer.stdout_text.decode().splitlines()
        self.assertEqual(len(lines), 2, lines)  # header + one exchange
        self.assertRegex(lines[1], r" exchange +client +127\.0\.0\.1:%d +http GET /hello "
                                   r"-> 200 OK  [\d.]+(us|ms)  req \d+B resp \d+B$" % server.port)


class Redis(unittest.TestCase):
    def test_set_get_and_pipelining(self):
        with RedisServer() as server, Tracer("-c", "redis-cli", "--protocol", "redis") as tracer:
            cli = ["redis-cli", "-p", str(server.port)]
            subprocess.run(cli + ["SET", "greeting", "hello world"], check=True,
                           capture_output=True)
            subprocess.run(cli + ["GET", "greeting"], check=True, capture_output=True)
            subprocess.run(cli + ["GET", "absent"], check=True, capture_output=True)
            pipe = "".join("*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n$%d\r\n%s\r\n" % (len(v), v)
                           for v in ("a", "bb", "ccc"))
            subprocess.run(cli + ["--pipe"], input=pipe.encode(), check=True,
                           capture_output=True)
            self.assertEqual(tracer.stop(), 0)
        found = [(e["request"]["command"], e["request"]["args"], e["response"]["reply_type"],
                  e["response"]["reply"]) for e in exchanges(tracer.events())
                 if e["request"]["command"] not in ("COMMAND", "ECHO", "PING")]
        self.assertEqual(found[:3], [("SET", ["greeting", "hello world"], "status", "OK"),
                                     ("GET", ["greeting"], "bulk", "hello world"),
                                     ("GET", ["absent"], "null", "")])
        self.assertEqual(found[3:6], [("RPUSH", ["list", "a"], "integer", "1"),
                                      ("RPUSH", ["list", "bb"], "integer", "2"),
                                      ("RPUSH", ["list", "ccc"], "integer", "3")])
        for e in exchanges(tracer.events()):
            self.assertGreater(e["latency_ns"], 0)
        # --protocol redis: nothing else is printed.
        self.assertEqual({e.get("protocol") for e in tracer.events()} - {"redis"}, set())


class Dns(unittest.TestCase):
    def test_dig_query_and_answer(self):
        with DnsServer() as server, Tracer("-c", "dig", "--exchanges-only") as tracer:
            for name, qtype in (("web.example.test", "A"), ("v6.example.test", "AAAA"),
                                ("nothing.invalid", "A")):
                subprocess.run(["dig", "+time=2", "+tries=1", "@127.0.0.1", "-p",
                                str(server.port), name, qtype], check=True, capture_output=True)
            self.assertEqual(tracer.stop(), 0)
        found = [(e["request"]["name"], e["request"]["type"], e["response"]["rcode"],
                  e["response"]["answers"]) for e in exchanges(tracer.events())]
        self.assertEqual(found, [("web.example.test", "A", "NOERROR", ["10.1.2.3"]),
                                 ("v6.example.test", "AAAA", "NOERROR", ["fd00::7"]),
                                 ("nothing.invalid", "A", "REFUSED", [])])
        for e in exchanges(tracer.events()):
            self.assertEqual(e["protocol"], "dns")
            self.assertEqual(e["transport"], "udp")
            self.assertEqual(e["remote"], "127.0.0.1:%d" % server.port)


class Getaddrinfo(unittest.TestCase):
    def test_a_and_aaaa_in_one_sendmmsg_both_paired(self):
        # glibc's resolver sends A and AAAA in one sendmmsg. resolv.conf
        # names a dnsmasq on 127.0.0.77:53 inside a mount namespace of the
        # resolver's own; the answers are loopback addresses.
        tmp = tempfile.mkdtemp(prefix="st-gai-")
        resolv = os.path.join(tmp, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.77\noptions attempts:1 timeout:2\n")
        dnsmasq = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon",
             "--listen-address=127.0.0.77", "--bind-interfaces", "--port=53",
             "--address=/gai.example.test/127.0.0.1", "--address=/gai.example.test/::1",
             "--pid-file=", "--user=root", "--log-facility=-"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:
                probe = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "@127.0.0.77",
                                        "gai.example.test", "A"], capture_output=True, text=True)
                if probe.stdout.strip() == "127.0.0.1":
                    break
                time.sleep(0.1)
            with Tracer("-c", "getent", "--exchanges-only") as tracer:
                out = subprocess.run(["unshare", "-m", "sh", "-c",
                                      "mount --bind %s /etc/resolv.conf && "
                                      "exec getent ahosts gai.example.test" % resolv],
                                     capture_output=True, text=True, timeout=30, check=True)
                self.assertEqual(tracer.stop(), 0)
        finally:
            dnsmasq.terminate()
            dnsmasq.wait()
            shutil.rmtree(tmp)
        self.assertIn("127.0.0.1", out.stdout)
        self.assertIn("::1", out.stdout)
        found = sorted((e["request"]["type"], e["request"]["name"], e["response"]["rcode"],
                        e["response"]["answers"]) for e in exchanges(tracer.events()))
        self.assertEqual(found, [("A", "gai.example.test", "NOERROR", ["127.0.0.1"]),
                                 ("AAAA", "gai.example.test", "NOERROR", ["::1"])])


class NginxTls(unittest.TestCase):
    def test_peeking_server_totals_and_one_handshake(self):
        # nginx peeks at the first byte of every TLS connection: the peek
        # is neither counted nor decoded, so both ends agree byte for byte
        # and the server side has one handshake exchange. The records are
        # what is counted here: printed with --show-ciphertext.
        with NginxHttpsServer(paths=("/hello",)) as server, \
                Tracer("-c", "nginx", "-c", "curl", "--show-ciphertext") as tracer:
            out = subprocess.run(["curl", "-sk", server.url("/hello")],
                                 capture_output=True, timeout=30, check=True).stdout
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out, expected_body("/hello"))
        events = tracer.events()
        tcp = [e for e in events if e.get("transport") == "tcp"]
        (client,) = [e for e in tcp if e["comm"] == "curl" and e["event"] == "close"]
        (accepted,) = [e for e in tcp if e["comm"] == "nginx" and e["event"] == "accept"]
        server_side = [e for e in tcp if e["pid"] == accepted["pid"] and e["fd"] == accepted["fd"]]
        (closed,) = [e for e in server_side if e["event"] == "close"]
        self.assertEqual((closed["bytes_recv"], closed["bytes_sent"]),
                         (client["bytes_sent"], client["bytes_recv"]))
        received = [e for e in server_side if e["event"] == "data" and e["direction"] == "recv"
                    and not e["tls"]]
        self.assertEqual(sum(e["bytes"] for e in received), client["bytes_sent"])
        hellos = [e for e in exchanges(events, pid=accepted["pid"], fd=accepted["fd"])
                  if e["protocol"] == "tls"]
        self.assertEqual(len(hellos), 1, hellos)


class Tls(unittest.TestCase):
    def test_client_hello_sni(self):
        with TlsServer() as server, Tracer("-c", "openssl", "--show-ciphertext") as tracer:
            subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % server.port,
                            "-servername", "sni.example.test", "-CAfile", server.cert],
                           input=b"hello over tls\n", capture_output=True, timeout=30)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        handshakes = [e for e in exchanges(events, role="client")]
        self.assertEqual(len(handshakes), 1, handshakes)
        self.assertEqual(handshakes[0]["request"]["sni"], "sni.example.test")
        self.assertEqual(handshakes[0]["request"]["version"], "TLS1.3")
        self.assertEqual(handshakes[0]["response"]["version"], "TLS1.3")
        # After each end's handshake exchange, its connection's records are
        # marked encrypted (printed with --show-ciphertext); the line
        # s_client sent is the plaintext both ends' TLS calls moved. Each
        # end against its own exchange: a write's event is stamped at its
        # syscall's exit, which may come after the peer has read it.
        served = exchanges(events, role="server")
        self.assertEqual(len(served), 1, served)
        plaintext = []
        for hello in handshakes + served:
            later = [e for e in select(events, event="data", pid=hello["pid"], fd=hello["fd"])
                     if e["ts_ns"] > hello["response_ts_ns"]]
            records = [e for e in later if not e["tls"]]
            self.assertTrue(records, hello)
            self.assertTrue(all(e["protocol"] == "tls" and e["encrypted"] for e in records),
                            records)
            plaintext += [(e["direction"], e["data"]) for e in later if e["tls"]]
        self.assertCountEqual(plaintext, [("send", "hello over tls\n"),
                                          ("recv", "hello over tls\n")])


class Postgres(unittest.TestCase):
    def test_select_and_failing_statement(self):
        with PostgresServer() as server, Tracer("-c", "psql", "--exchanges-only") as tracer:
            psql = ["psql", "-X", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                    "-d", "postgres", "-v", "ON_ERROR_STOP=0"]
            env = dict(os.environ, PGSSLMODE="disable")
            subprocess.run(psql + ["-c", "SELECT 1"], check=True, capture_output=True, env=env)
            subprocess.run(psql + ["-c", "SELECT * FROM nope"], capture_output=True, env=env)
            self.assertEqual(tracer.stop(), 0)
        found = [e for e in exchanges(tracer.events())]
        startups = [e for e in found if e["request"] and e["request"]["type"] == "startup"]
        self.assertEqual(len(startups), 2)
        self.assertEqual((startups[0]["request"]["user"], startups[0]["request"]["database"]),
                         ("postgres", "postgres"))
        self.assertEqual(startups[0]["response"]["type"], "ready")
        queries = [e for e in found if e["request"] and e["request"]["type"] == "query"]
        self.assertEqual(queries[0]["request"]["query"], "SELECT 1")
        self.assertEqual(queries[0]["response"]["tag"], "SELECT 1")
        self.assertEqual(queries[1]["request"]["query"], "SELECT * FROM nope")
        self.assertEqual(queries[1]["response"]["type"], "error")
        self.assertEqual(queries[1]["response"]["code"], "42P01")
        self.assertEqual(queries[1]["response"]["error"], 'relation "nope" does not exist')


if __name__ == "__main__":
    unittest.main()
