"""--metrics through the real binary: a real Prometheus scrapes it during a
known curl workload against nginx, and its HTTP API gives the exact request
and connection counts and a latency quantile inside what curl measured;
the endpoint answers 404 and 405 off /metrics, its page passes promtool,
and a taken port is one line and exit status 1. Without -q the lines go
on beside the metrics; with it, stdout stays empty.

The tracer follows copies of curl and nginx under names of their own (-c):
other tests' traffic and Prometheus's scrapes cannot get into the counts.
(--port would not do: an accepted socket's local port is asked of the
kernel, and a short connection's is gone by then.)"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from peers import NginxServer, Process, free_port, wait_for_port
from tracer import BINARY, Tracer, require_root, select

require_root()

CURL_COMM = "st-metrics-curl"
NGINX_COMM = "st-metrics-ngx"
FOUND = 100    # GET /index.html: 200 (NginxServer's default file)
MISSING = 20   # GET /missing: 404
SCRAPE_CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: socket-tracer
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""
# src/metrics/metrics_registry.c's bucket bounds, seconds
BUCKETS = [1e-05, 2.5e-05, 5e-05, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
           0.25, 0.5, 1, 2.5, 5, 10]


def http_get(url, method="GET"):
    """(status, headers, body) of one request."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def metrics_page(port):
    return http_get("http://127.0.0.1:%d/metrics" % port)[2].decode("utf-8")


def sample(page, line_start):
    """The value of the page's one sample line that starts so."""
    (value,) = [line.rsplit(" ", 1)[1] for line in page.splitlines()
                if line.startswith(line_start + " ")]
    return float(value)


def program_copy(name, directory, comm):
    """A copy of a program under another name: its processes' comm."""
    path = os.path.join(directory, comm)
    shutil.copy(shutil.which(name), path)
    return path


class MetricsTracer(Process):
    """socket-tracer --metrics ... -q; ready once the metrics show the probes."""

    def __init__(self, *args):
        self.port = free_port()
        super().__init__([BINARY, "--metrics", "127.0.0.1:%d" % self.port, "-q"] + list(args))
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("tracer exited: %s" % self.proc.stderr.read().decode())
            try:
                page = metrics_page(self.port)
                if sample(page, 'socket_tracer_probes_attached{kind="tracepoint"}') > 0:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise AssertionError("the tracer's metrics never showed the probes")


class Prometheus(Process):
    def __init__(self, target_port):
        self.port = free_port()
        tmp = tempfile.mkdtemp(prefix="st-prometheus-")
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write(SCRAPE_CONFIG.format(port=target_port))
        super().__init__(["prometheus", "--config.file=" + config,
                          "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                          "--web.listen-address=127.0.0.1:%d" % self.port], tmp=tmp)
        wait_for_port(self.port, proc=self.proc, timeout=30)

    def query(self, expression):
        """An instant query's vector: [(labels, value)]."""
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (
            self.port, urllib.parse.urlencode({"query": expression}))
        answer = json.loads(http_get(url)[2])
        if answer["status"] != "success":
            raise AssertionError("query %s: %s" % (expression, answer))
        return [(r["metric"], float(r["value"][1])) for r in answer["data"]["result"]]

    def scalar(self, expression):
        (result,) = self.query(expression) or [({}, None)]
        return result[1]


def curl(program, port, path):
    """One request in its own curl process: (status, time_connect, time_total)."""
    out = subprocess.run(
        [program, "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_connect} %{time_total}",
         "http://127.0.0.1:%d%s" % (port, path)],
        capture_output=True, timeout=30, check=True).stdout.decode()
    code, connected, total = out.split()
    return int(code), float(connected), float(total)


@unittest.skipUnless(shutil.which("nginx") and shutil.which("curl") and
                     shutil.which("prometheus"), "needs nginx, curl and prometheus")
class Scraped(unittest.TestCase):
    """One workload, scraped; each test reads a part of what Prometheus has."""

    @classmethod
    def setUpClass(cls):
        cls.programs = tempfile.mkdtemp(prefix="st-metrics-programs-")
        cls.nginx = NginxServer(program=program_copy("nginx", cls.programs, NGINX_COMM))
        try:
            cls.tracer = MetricsTracer("-c", CURL_COMM, "-c", NGINX_COMM)
            cls.prometheus = Prometheus(cls.tracer.port)
        except BaseException:
            cls.tearDownClass()
            raise
        program = program_copy("curl", cls.programs, CURL_COMM)
        cls.curls = [curl(program, cls.nginx.port, "/index.html") for _ in range(FOUND)]
        cls.curls += [curl(program, cls.nginx.port, "/missing") for _ in range(MISSING)]
        # until a scrape after the workload has all of it, then two more:
        # a count that went on growing past the workload would show
        deadline = time.time() + 20
        total = 'sum(socket_tracer_requests_total{protocol="http",role="client"})'
        while time.time() < deadline and cls.prometheus.scalar(total) != FOUND + MISSING:
            time.sleep(0.5)
        time.sleep(2.5)

    @classmethod
    def tearDownClass(cls):
        for name in ("prometheus", "tracer", "nginx"):
            if hasattr(cls, name):
                getattr(cls, name).stop()
        shutil.rmtree(cls.programs, ignore_errors=True)

    def test_exact_request_count_by_role(self):
        self.assertEqual([code for code, _, _ in self.curls].count(200), FOUND)
        self.assertEqual([code for code, _, _ in self.curls].count(404), MISSING)
        by_role = dict((labels["role"], value) for labels, value in self.prometheus.query(
            'sum by (role) (socket_tracer_requests_total{protocol="http"})'))
        self.assertEqual(by_role, {"client": FOUND + MISSING, "server": FOUND + MISSING})

    def test_exact_count_by_status_class(self):
        by_status = dict((labels["status"], value) for labels, value in self.prometheus.query(
            'sum by (status) (socket_tracer_requests_total{protocol="http",role="client"})'))
        self.assertEqual(by_status, {"2xx": FOUND, "4xx": MISSING})

    def test_latency_quantile_inside_what_curl_measured(self):
        selector = '{protocol="http",role="client"}'
        count = self.prometheus.scalar(
            "sum(socket_tracer_request_duration_seconds_count%s)" % selector)
        self.assertEqual(count, FOUND + MISSING)
        # Over the counters themselves, not a rate: every request, exactly.
        q90 = self.prometheus.scalar(
            "histogram_quantile(0.9, sum by (le) "
            "(socket_tracer_request_duration_seconds_bucket%s))" % selector)
        # A traced request starts after curl's connection is up (not after
        # its pretransfer time: some were seen to start before it) and ends
        # before its total time, so the traced 108th fastest is no slower than
        # curl's 108th fastest span; the estimate stays inside its bucket.
        spans = sorted(total - connected for _, connected, total in self.curls)
        rank = (FOUND + MISSING) * 9 // 10
        bucket = next(b for b in BUCKETS if b >= spans[rank - 1])
        self.assertGreater(q90, 0)
        self.assertLessEqual(q90, bucket, (q90, spans[rank - 1]))
        latency_sum = self.prometheus.scalar(
            "sum(socket_tracer_request_duration_seconds_sum%s)" % selector)
        self.assertGreater(latency_sum, 0)
        self.assertLessEqual(latency_sum, sum(spans))

    def test_connections_exact(self):
        conns = dict(((labels["role"], labels["remote"]), value)
                     for labels, value in self.prometheus.query(
                         'socket_tracer_connections_total{protocol="http"}'))
        # one connection per curl; nginx's clients by address alone
        self.assertEqual(conns, {("client", "127.0.0.1:%d" % self.nginx.port): FOUND + MISSING,
                                 ("server", "127.0.0.1"): FOUND + MISSING})
        sent = self.prometheus.scalar('socket_tracer_connection_sent_bytes_total'
                                      '{protocol="http",role="client"}')
        requested = self.prometheus.scalar('sum(socket_tracer_request_bytes_total'
                                           '{protocol="http",role="client"})')
        self.assertEqual(sent, requested)

    def test_health_series(self):
        self.assertGreater(self.prometheus.scalar(
            'socket_tracer_probes_attached{kind="tracepoint"}'), 0)
        self.assertGreaterEqual(self.prometheus.scalar(
            'socket_tracer_events_total{kind="accept"}'), FOUND + MISSING)
        self.assertEqual(self.prometheus.scalar(
            'sum(socket_tracer_lost_samples_total)'), 0)
        self.assertGreater(self.prometheus.scalar('socket_tracer_cpu_seconds_total'), 0)
        self.assertEqual(self.prometheus.scalar(
            'up{job="socket-tracer"}'), 1)

    def test_page_passes_promtool_and_other_paths_are_refused(self):
        base = "http://127.0.0.1:%d" % self.tracer.port
        status, headers, body = http_get(base + "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        if shutil.which("promtool"):
            lint = subprocess.run(["promtool", "check", "metrics"], input=body,
                                  capture_output=True, timeout=30)
            self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        self.assertEqual(http_get(base + "/metrics", "HEAD")[0], 200)
        self.assertEqual(http_get(base + "/")[0], 404)
        self.assertEqual(http_get(base + "/metrics/x")[0], 404)
        status, headers, _ = http_get(base + "/metrics", "POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")


@unittest.skipUnless(shutil.which("nginx") and shutil.which("curl"), "needs nginx and curl")
class WithLines(unittest.TestCase):
    def test_lines_go_on_beside_the_metrics_without_q(self):
        port = free_port()
        programs = tempfile.mkdtemp(prefix="st-metrics-programs-")
        line = ('socket_tracer_requests_total{protocol="http",role="client",'
                'endpoint="GET /index.html",status="2xx"}')
        try:
            with NginxServer() as server, \
                    Tracer("--metrics", "127.0.0.1:%d" % port, "-c", CURL_COMM) as tracer:
                program = program_copy("curl", programs, CURL_COMM)
                codes = [curl(program, server.port, "/index.html")[0] for _ in range(3)]
                deadline = time.time() + 10
                while True:
                    page = metrics_page(port)
                    if line + " 3" in page or time.time() > deadline:
                        break
                    time.sleep(0.2)
                self.assertEqual(tracer.stop(), 0)
        finally:
            shutil.rmtree(programs, ignore_errors=True)
        self.assertEqual(codes, [200] * 3)
        self.assertEqual(sample(page, line), 3)
        exchanges = select(tracer.events(), event="exchange", comm=CURL_COMM)
        self.assertEqual([e["response"]["status"] for e in exchanges], [200] * 3)


    def test_q_leaves_only_the_metrics(self):
        port = free_port()
        programs = tempfile.mkdtemp(prefix="st-metrics-programs-")
        line = ('socket_tracer_requests_total{protocol="http",role="client",'
                'endpoint="GET /index.html",status="2xx"}')
        tracer = subprocess.Popen([BINARY, "--metrics", "127.0.0.1:%d" % port, "-q",
                                   "-c", CURL_COMM], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        try:
            with NginxServer() as server:
                deadline = time.time() + 60
                while True:
                    try:
                        page = metrics_page(port)
                        if sample(page, 'socket_tracer_probes_attached{kind="tracepoint"}'):
                            break
                    except (OSError, ValueError):
                        pass
                    self.assertLess(time.time(), deadline, "the metrics never showed the probes")
                    time.sleep(0.2)
                program = program_copy("curl", programs, CURL_COMM)
                codes = [curl(program, server.port, "/index.html")[0] for _ in range(2)]
                deadline = time.time() + 10
                while line + " 2" not in page and time.time() < deadline:
                    time.sleep(0.2)
                    page = metrics_page(port)
            tracer.send_signal(signal.SIGINT)
            out, err = tracer.communicate(timeout=30)
        finally:
            if tracer.poll() is None:
                tracer.kill()
                tracer.communicate()
            shutil.rmtree(programs, ignore_errors=True)
        self.assertEqual(codes, [200] * 2)
        self.assertEqual(sample(page, line), 2)
        # no line at all: stderr may tell of losses the machine's load caused
        self.assertEqual((tracer.returncode, out), (0, b""), err)


class Refusals(unittest.TestCase):
    def test_taken_port_is_one_line_and_status_1(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            run = subprocess.run([BINARY, "--metrics", "127.0.0.1:%d" % port, "-q", "-d", "30"],
                                 capture_output=True, timeout=120)
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stderr.decode().splitlines(),
                         ["socket-tracer: --metrics 127.0.0.1:%d: cannot listen: "
                          "Address already in use" % port])

    def test_bad_address_is_a_usage_error(self):
        for bad in (":9100", "localhost:9100", "127.0.0.1:0", "[::1]", "127.0.0.1:65536"):
            run = subprocess.run([BINARY, "--metrics", bad], capture_output=True, timeout=30)
            self.assertEqual(run.returncode, 2, bad)
            self.assertEqual(len(run.stderr.decode().splitlines()), 1, bad)
            self.assertIn("invalid --metrics '%s'" % bad, run.stderr.decode())

    def test_ipv6_loopback_serves(self):
        port = free_port()
        with Process([BINARY, "--metrics", "[::1]:%d" % port, "-q", "-d", "30"]) as tracer:
            deadline = time.time() + 60
            while True:
                try:
                    status, _, body = http_get("http://[::1]:%d/metrics" % port)
                    break
                except OSError:
                    if time.time() > deadline or tracer.proc.poll() is not None:
                        raise
                    time.sleep(0.2)
        self.assertEqual(status, 200)
        self.assertIn(b"# TYPE socket_tracer_requests_total counter\n", body)


if __name__ == "__main__":
    unittest.main()
