"""--stats' endpoints and outcomes of DNS, PostgreSQL, memcached and TLS,
against what the real clients saw: dig's status line, psql's errors,
memcached's replies, openssl's handshakes. Endpoints fold ids and literals; a
refusal is a client error, an SQL error an error, a cache miss no error at
all."""

import os
import shutil
import subprocess
import tempfile
import unittest

import test_stats
from peers import DnsServer, PostgresServer, Process, free_port, wait_for_port
from test_memcached import MemcachedServer
from tracer import Tracer, require_root

require_root()

# (name, type, times): dnsmasq answers *.web.example.test itself and refuses
# the rest (no upstream).
DNS_QUERIES = [("web.example.test", "A", 3), ("7.web.example.test", "A", 2),
               ("42.web.example.test", "A", 2), ("v6.example.test", "AAAA", 2),
               ("nothing.test", "A", 3)]
DNS_ROWS = {"web.example.test A": (3, "NOERROR"), "{id}.web.example.test A": (4, "NOERROR"),
            "v6.example.test AAAA": (2, "NOERROR"), "nothing.test A": (3, "REFUSED")}

# Two statements alike but for their literals, a list, and a missing table.
PG_QUERIES = ["SELECT 1", "SELECT 2", "select * from pg_class where oid in (1, 2, 3)",
              "select * from pg_class where oid in (4, 5)", "SELECT * FROM nope WHERE a = 'x'"]
PG_ROWS = {"SELECT ?": (2, 0), "select * from pg_class where oid in (?...)": (2, 0),
           "SELECT * FROM nope WHERE a = ?": (1, 1)}

# One connection of the text protocol, in order; the comm is "mc-client".
MEMCACHED_CLIENT = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"mc-client", 0, 0, 0)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def ask(line, lines=1):
    s.sendall(line)
    return [f.readline().strip().decode() for _ in range(lines)]
out = []
for i in range(3):
    out += ask(b"set k%d 0 0 1\r\nv\r\n" % i)
out += ask(b"get k0\r\n", 3) + ask(b"get k1\r\n", 3) + ask(b"get missing\r\n")
out += ask(b"add k0 0 0 1\r\nv\r\n") + ask(b"bogus\r\n")
print("\n".join(out))
"""
MEMCACHED_SEEN = ["STORED"] * 3 + ["VALUE k0 0 1", "v", "END", "VALUE k1 0 1", "v", "END",
                                   "END", "NOT_STORED", "ERROR"]
MEMCACHED_ROWS = {"set": (3, 0), "get": (3, 0), "add": (1, 0), "bogus": (1, 1)}


def counts(rows):
    return {endpoint: (row["count"], row["errors"], row["client_errors"], row["server_errors"])
            for endpoint, row in rows.items()}


@unittest.skipUnless(shutil.which("dnsmasq") and shutil.which("dig") and shutil.which("psql")
                     and shutil.which("memcached"), "needs dnsmasq, dig, psql and memcached")
class StatsProtocolsTest(unittest.TestCase):
    def test_endpoints_and_outcomes(self):
        with DnsServer() as dns, PostgresServer() as pg, MemcachedServer() as mc, \
                Tracer("--stats", "-c", "dig", "-c", "psql", "-c", "mc-client") as tracer:
            statuses = {}
            for name, qtype, times in DNS_QUERIES:
                for _ in range(times):
                    out = subprocess.run(["dig", "+time=2", "+tries=1", "@127.0.0.1", "-p",
                                          str(dns.port), name, qtype], capture_output=True,
                                         text=True, timeout=10).stdout
                    statuses.setdefault(name, set()).add(out.split("status: ")[1].split(",")[0])
            pg_errors = 0
            for query in PG_QUERIES:
                result = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(pg.port),
                                         "-U", "postgres", "-c", query], capture_output=True,
                                        text=True, timeout=30)
                pg_errors += result.returncode != 0
            mc_out = subprocess.run(["/usr/bin/python3", "-c", MEMCACHED_CLIENT, str(mc.port)],
                                    capture_output=True, text=True, check=True,
                                    timeout=30).stdout.splitlines()
            self.assertEqual(tracer.stop(), 0, tracer.stderr)
        self.assertEqual(statuses, {"web.example.test": {"NOERROR"},
                                    "7.web.example.test": {"NOERROR"},
                                    "42.web.example.test": {"NOERROR"},
                                    "v6.example.test": {"NOERROR"},
                                    "nothing.test": {"REFUSED"}})
        self.assertEqual(pg_errors, 1)
        self.assertEqual(mc_out, MEMCACHED_SEEN)
        table = test_stats.final_table(tracer)[-1]

        # DNS: REFUSED refuses the question as asked, a client error.
        dns_rows = test_stats.rows_of(table, "dns", "client")
        self.assertEqual(counts(dns_rows),
                         {endpoint: (n, n * (status != "NOERROR"), n * (status != "NOERROR"), 0)
                          for endpoint, (n, status) in DNS_ROWS.items()})

        # PostgreSQL: each psql connection's query by its fingerprint, the
        # failed one an error without a side; the startups their own row.
        pg_rows = test_stats.rows_of(table, "postgres", "client")
        for endpoint, (n, errors) in PG_ROWS.items():
            self.assertEqual(counts(pg_rows)[endpoint], (n, errors, 0, 0), pg_rows)
        self.assertEqual(pg_rows["StartupMessage"]["count"], len(PG_QUERIES))
        self.assertEqual(pg_rows["StartupMessage"]["errors"], 0)

        # memcached: a miss and a store that did not apply are answers, an
        # unknown command the client's error.
        mc_rows = test_stats.rows_of(table, "memcached", "client")
        self.assertEqual(counts(mc_rows),
                         {endpoint: (n, errors, errors, 0)
                          for endpoint, (n, errors) in MEMCACHED_ROWS.items()})


class Tls13OnlyServer(Process):
    """openssl s_server that refuses any hello below TLS 1.3 with an alert."""

    def __init__(self, tmp):
        self.port = free_port()
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
                        "-keyout", key, "-out", cert, "-days", "1"],
                       check=True, capture_output=True)
        super().__init__(["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                          "-cert", cert, "-key", key, "-tls1_3", "-quiet"],
                         stdin=subprocess.PIPE)
        wait_for_port(self.port, proc=self.proc)

    def stop(self):
        super().stop()
        self.proc.stdin.close()


@unittest.skipUnless(shutil.which("openssl"), "needs openssl")
class TlsStatsTest(unittest.TestCase):
    def test_refused_hello_is_a_client_error(self):
        tmp = tempfile.mkdtemp(prefix="st-stats-tls-")
        handshakes = {}
        try:
            with Tls13OnlyServer(tmp) as server, \
                    Tracer("--stats", "-c", "openssl") as tracer:
                for version, name, times in (("-tls1_3", "db1.example.test", 2),
                                             ("-tls1_2", "db2.example.test", 3)):
                    for _ in range(times):
                        result = subprocess.run(
                            ["openssl", "s_client", version, "-connect",
                             "127.0.0.1:%d" % server.port, "-servername", name],
                            input="", capture_output=True, text=True, timeout=20)
                        handshakes.setdefault(version, []).append(
                            "alert protocol version" in result.stderr)
                self.assertEqual(tracer.stop(), 0, tracer.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        # openssl says which were refused: TLS 1.2's, every time
        self.assertEqual(handshakes, {"-tls1_3": [False] * 2, "-tls1_2": [True] * 3})
        rows = test_stats.rows_of(test_stats.final_table(tracer)[-1], "tls", "client")
        self.assertEqual(counts(rows), {"ClientHello db1.example.test": (2, 0, 0, 0),
                                        "ClientHello db2.example.test": (3, 3, 3, 0)})


if __name__ == "__main__":
    unittest.main()
