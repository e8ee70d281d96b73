"""--stats: the table of exchanges by endpoint, against what the clients saw.

A known workload runs through real servers (nginx, redis-server) from real
clients (curl, redis-cli); the final table must count each endpoint exactly,
split its errors as the clients saw them, and give percentiles inside the
latencies the clients measured."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from peers import NginxServer, RedisServer
from tracer import BINARY, Tracer, require_root

# 300 requests over 3 endpoints, 10 % of them 404 (items 31..60 do not exist)
ITEMS = 30
REQUESTS = ([("/index.html", 200)] * 110 +
            [("/items/%d" % (1 + i % ITEMS), 200) for i in range(130)] +
            [("/items/%d" % (ITEMS + 1 + i), 404) for i in range(30)] +
            [("/about.html", 200)] * 30)
ENDPOINTS = {
    "GET /index.html": (110, 0),
    "GET /items/{id}": (160, 30),
    "GET /about.html": (30, 0),
}


def nginx_files():
    files = {"index.html": "index\n", "about.html": "about us\n"}
    for i in range(1, ITEMS + 1):
        files["items/%d" % i] = "item %d\n" % i
    return files


def curl_workload(port):
    """One curl, one keep-alive connection: each request's status and total time."""
    args = ["curl", "-s", "-w", "%{http_code} %{time_total}\\n"]
    for path, _ in REQUESTS:
        args += ["-o", "/dev/null", "http://127.0.0.1:%d%s" % (port, path)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout
    results = [line.split() for line in out.splitlines()]
    return [(int(code), float(seconds)) for code, seconds in results]


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def final_table(tracer):
    tables = [json.loads(line) for line in tracer.stdout_text.decode().splitlines()]
    for table in tables:
        assert table["type"] == "stats", table
    assert tables[-1]["final"], tables[-1]
    return tables


def rows_of(table, protocol, role):
    return {row["endpoint"]: row for row in table["rows"]
            if row.get("protocol") == protocol and row["role"] == role}


@unittest.skipUnless(shutil.which("nginx") and shutil.which("curl"), "needs nginx and curl")
class HttpStatsTest(unittest.TestCase):
    def test_counts_errors_and_percentiles_per_endpoint(self):
        with NginxServer(nginx_files()) as server, \
                Tracer("--stats=1", "-c", "curl", "-c", "nginx") as tracer:
            results = curl_workload(server.port)
            self.assertEqual([code for code, _ in results], [code for _, code in REQUESTS])
            self.assertEqual(tracer.stop(), 0, tracer.stderr)
        tables = final_table(tracer)
        table = tables[-1]
        self.assertEqual(table["requests"], 2 * len(REQUESTS))
        for role in ("client", "server"):
            rows = rows_of(table, "http", role)
            self.assertEqual(set(rows), set(ENDPOINTS), rows)
            for endpoint, (count, not_found) in ENDPOINTS.items():
                row = rows[endpoint]
                self.assertEqual(row["count"], count, row)
                self.assertEqual(row["timed"], count, row)
                self.assertEqual(row["client_errors"], not_found, row)
                self.assertEqual(row["errors"], not_found, row)
                self.assertEqual(row["server_errors"], 0, row)
                self.assertEqual(row["no_response"], 0, row)
                self.assertLessEqual(row["min_ns"], row["p50_ns"])
                self.assertLessEqual(row["p50_ns"], row["p90_ns"])
                self.assertLessEqual(row["p90_ns"], row["p99_ns"])
                self.assertLessEqual(row["p99_ns"], row["max_ns"])
                self.assertGreater(row["min_ns"], 0)
                self.assertEqual(row["remote"], "127.0.0.1:%d" % server.port if role == "client"
                                 else "127.0.0.1")
        # The client's latency lies inside each request's total time as curl
        # measured it (which adds curl's own work), the server's inside the client's.
        slowest = max(seconds for _, seconds in results) * 1e9
        client, served = rows_of(table, "http", "client"), rows_of(table, "http", "server")
        for endpoint in ENDPOINTS:
            self.assertLessEqual(client[endpoint]["max_ns"], slowest)
            self.assertLessEqual(served[endpoint]["min_ns"], client[endpoint]["max_ns"])
        # Every request's bytes: curl's request lines are alike per endpoint
        self.assertEqual(sum(r["request_bytes"] for r in client.values()),
                         sum(r["request_bytes"] for r in served.values()))
        self.assertEqual(sum(r["response_bytes"] for r in client.values()),
                         sum(r["response_bytes"] for r in served.values()))
        # Interval tables before the final one, their counts never going back
        counts = [t["requests"] for t in tables]
        self.assertEqual(counts, sorted(counts))
        self.assertFalse(any(t["final"] for t in tables[:-1]))

    def test_human_table_sorted_with_histograms(self):
        with NginxServer(nginx_files()) as server, \
                Tracer("--stats=60", "--sort", "count", "--histogram", "-c", "curl",
                       json_output=False) as tracer:
            curl_workload(server.port)
            self.assertEqual(tracer.stop(), 0, tracer.stderr)
        lines = tracer.stdout_text.decode().splitlines()
        self.assertRegex(lines[0], r"^\d\d:\d\d:\d\d final: 300 requests in [\d.]+ s, 3 rows$")
        header = lines[1].split()
        self.assertEqual(header, ["PROTO", "ROLE", "REMOTE", "COUNT", "ERRORS", "4XX", "5XX",
                                  "NORESP", "P50", "P90", "P99", "MAX", "REQ", "RESP",
                                  "ENDPOINT"])
        rows = [line for line in lines if line.startswith("http ")]
        self.assertEqual([row.split()[-2:] for row in rows],
                         [["GET", "/items/{id}"], ["GET", "/index.html"],
                          ["GET", "/about.html"]])
        self.assertEqual([int(row.split()[3]) for row in rows], [160, 110, 30])
        # each row's histogram counts all of its requests
        drawn, current = {}, None
        for line in lines[2:]:
            if line.startswith("http "):
                current = line.split()[-1]
                drawn[current] = 0
            match = re.match(r"^\s+\d+ -> \d+\s+: (\d+)\s+\|\**\s*\|$", line)
            if match:
                drawn[current] += int(match.group(1))
        self.assertEqual(drawn, {"/items/{id}": 160, "/index.html": 110, "/about.html": 30})


@unittest.skipUnless(shutil.which("redis-server") and shutil.which("redis-cli"),
                     "needs redis-server and redis-cli")
class RedisStatsTest(unittest.TestCase):
    def test_command_mix_with_errors(self):
        commands = []
        for i in range(50):
            commands.append("SET key:%d value%d" % (i, i))
        for i in range(100):
            commands.append("GET key:%d" % i)  # half of them miss: nil, not an error
        for i in range(10):
            commands.append("INCR key:%d" % i)  # not an integer: an error reply
        with RedisServer() as server, Tracer("--stats", "-c", "redis-cli") as tracer:
            out = subprocess.run(["redis-cli", "-p", str(server.port)],
                                 input="\n".join(commands) + "\n", capture_output=True,
                                 text=True, check=True, timeout=30).stdout
            self.assertEqual(out.count("ERR value is not an integer"), 10)
            self.assertEqual(tracer.stop(), 0, tracer.stderr)
        rows = rows_of(final_table(tracer)[-1], "redis", "client")
        # redis-cli asks the server for its command table (COMMAND DOCS) first
        self.assertEqual({name: (row["count"], row["errors"]) for name, row in rows.items()},
                         {"SET": (50, 0), "GET": (100, 0), "INCR": (10, 10), "COMMAND": (1, 0)})
        for row in rows.values():
            self.assertLessEqual(row["p50_ns"], row["p99_ns"])
            self.assertLessEqual(row["p99_ns"], row["max_ns"])


@unittest.skipUnless(shutil.which("nginx") and shutil.which("curl") and shutil.which("script"),
                     "needs nginx, curl and script")
class StatsTerminalTest(unittest.TestCase):
    def test_live_table_replaces_the_last_on_a_terminal(self):
        tmp = tempfile.mkdtemp(prefix="st-stats-tty-")
        typescript = os.path.join(tmp, "typescript")
        try:
            with NginxServer(nginx_files()) as server:
                # script(1) gives the tracer a terminal; its output is the typescript
                proc = subprocess.Popen(["script", "-qfec", "%s --stats=0.5 -d 4 -c curl" % BINARY,
                                         typescript], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 30
                while b"Reading perf buffers" not in read_bytes(typescript):
                    self.assertLess(time.monotonic(), deadline, "tracer not ready")
                    time.sleep(0.05)
                url = "http://127.0.0.1:%d/index.html" % server.port
                subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=True, timeout=10)
                self.assertEqual(proc.wait(30), 0)
            with open(typescript, "rb") as f:
                text = f.read().decode()
        finally:
            shutil.rmtree(tmp)
        tables = text.split("\x1b[H\x1b[2J")
        self.assertGreaterEqual(len(tables), 4, text)  # one clear before each live table
        final = [line for line in text.splitlines() if " final: " in line]
        self.assertEqual(len(final), 1, text)
        self.assertRegex(final[0], r"final: 1 request in [\d.]+ s, 1 row\r?$")


class StatsOptionsTest(unittest.TestCase):
    def refused(self, *args):
        result = subprocess.run([BINARY] + list(args), capture_output=True, text=True,
                                timeout=10)
        self.assertEqual(result.returncode, 2, result)
        self.assertEqual(result.stdout, "")
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        return result.stderr

    def test_bad_values_and_combinations(self):
        self.assertIn("--stats interval", self.refused("--stats=0"))
        self.assertIn("--stats interval", self.refused("--stats=abc"))
        self.assertIn("no such column", self.refused("--stats", "--sort", "latency"))
        self.assertIn("needs --stats", self.refused("--sort", "p99"))
        self.assertIn("needs --stats", self.refused("--histogram"))
        self.assertIn("--no-data", self.refused("--stats", "--no-data"))
        self.assertIn("--exchanges-only", self.refused("--stats", "--exchanges-only"))
        self.assertIn("--json", self.refused("--stats", "--histogram", "--json"))

    def test_replay_gives_the_same_table(self):
        require_root()
        tmp = tempfile.mkdtemp(prefix="st-stats-")
        recording = os.path.join(tmp, "rec")
        try:
            with NginxServer(nginx_files()) as server, \
                    Tracer("--stats", "--record", recording, "-c", "curl") as tracer:
                curl_workload(server.port)
                self.assertEqual(tracer.stop(), 0, tracer.stderr)
            live = final_table(tracer)[-1]
            replay = subprocess.run([BINARY, "--replay", recording, "--stats", "--json"],
                                    capture_output=True, timeout=60)
            self.assertEqual(replay.returncode, 0, replay.stderr)
            replayed = json.loads(replay.stdout.decode().splitlines()[-1])
            self.assertEqual(replayed["rows"], live["rows"])
            self.assertEqual(replayed["requests"], len(REQUESTS))
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    require_root()
    unittest.main()
