"""Connection events from real clients and servers, checked field by field."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from tracer import Tracer, Server, free_port, require_root, run_python, select

require_root()

# A server that accepts `count` connections, reports each accepted fd and the
# client's address, reads until the client closes, and closes.
ACCEPT_SERVER = r"""
import json, os, socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
count = int(sys.argv[2])
srv = socket.socket(family, socket.SOCK_STREAM)
srv.bind((host, 0)); srv.listen(8)
print(json.dumps({"pid": os.getpid(), "port": srv.getsockname()[1]}), flush=True)
for _ in range(count):
    conn, peer = srv.accept()
    print(json.dumps({"fd": conn.fileno(), "peer_port": peer[1]}), flush=True)
    while conn.recv(4096):
        pass
    conn.close()
"""

# A client that connects (blocking), reports its fd and local port, sends a
# line and closes.
CONNECT_CLIENT = r"""
import json, os, socket, sys
family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
err = s.connect_ex((sys.argv[2], int(sys.argv[3])))
local = s.getsockname()[1] if err == 0 else 0
print(json.dumps({"pid": os.getpid(), "fd": s.fileno(), "err": err, "local_port": local}))
if err == 0:
    s.sendall(b"hello\n")
s.close()
"""

NONBLOCKING_CLIENT = r"""
import json, os, select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setblocking(False)
err = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
select.select([], [s], [], 5)
print(json.dumps({"pid": os.getpid(), "fd": s.fileno(), "err": err}))
s.close()
"""

UNIX_PAIR = r"""
import json, os, socket, sys, threading
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path); srv.listen(1)
cli = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
cli.connect(path)
conn, _ = srv.accept()
cli.sendall(b"ping"); conn.recv(16)
print(json.dumps({"pid": os.getpid(), "client_fd": cli.fileno(), "accepted_fd": conn.fileno()}))
cli.close(); conn.close(); srv.close()
"""

UDP_CONNECT = r"""
import json, os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
print(json.dumps({"pid": os.getpid(), "fd": s.fileno()}))
s.close()
"""


class ConnectionEvents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.tracer = Tracer("--no-data")
        cls.clients = {}
        # IPv4 and IPv6: client connect, server accept, both closes.
        for version, host in (("4", "127.0.0.1"), ("6", "::1")):
            with Server(ACCEPT_SERVER, version, 1) as server:
                pid, (client,) = run_python(CONNECT_CLIENT, version, host, server.first["port"])
                (accepted,) = server.finish()
            cls.clients[version] = dict(client, pid=pid, server_pid=server.pid,
                                        port=server.first["port"], accepted=accepted)
        refused_port = free_port()
        pid, (refused,) = run_python(CONNECT_CLIENT, "4", "127.0.0.1", refused_port)
        cls.clients["refused"] = dict(refused, pid=pid, port=refused_port)
        with Server(ACCEPT_SERVER, "4", 1) as server:
            pid, (nonblocking,) = run_python(NONBLOCKING_CLIENT, server.first["port"])
            server.finish()
        cls.clients["nonblocking"] = dict(nonblocking, pid=pid, port=server.first["port"])
        cls.unix_path = os.path.join(cls.tmp, "peer.sock")
        pid, (unix,) = run_python(UNIX_PAIR, cls.unix_path)
        cls.clients["unix"] = dict(unix, pid=pid)
        udp_port = free_port()
        pid, (udp,) = run_python(UDP_CONNECT, udp_port)
        cls.clients["udp"] = dict(udp, pid=pid, port=udp_port)
        cls.exit_code = cls.tracer.stop()
        cls.events = cls.tracer.events()

    def one(self, **fields):
        found = select(self.events, **fields)
        self.assertEqual(len(found), 1, "expected one event with %s, got %s" % (fields, found))
        return found[0]

    def check_tcp_pair(self, version, remote_host, family):
        client = self.clients[version]
        self.assertEqual(client["err"], 0)
        connect = self.one(event="connect", pid=client["pid"])
        self.assertEqual(connect["tid"], client["pid"])
        self.assertEqual(connect["fd"], client["fd"])
        self.assertEqual(connect["role"], "client")
        self.assertEqual(connect["family"], family)
        self.assertEqual(connect["transport"], "tcp")
        self.assertEqual(connect["remote"], remote_host % client["port"])
        self.assertEqual(connect["result"], 0)
        self.assertNotIn("error", connect)
        self.assertEqual(connect["comm"], "python3")
        self.assertRegex(connect["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

        accept = self.one(event="accept", pid=client["server_pid"])
        self.assertEqual(accept["fd"], client["accepted"]["fd"])
        self.assertEqual(accept["role"], "server")
        self.assertEqual(accept["family"], family)
        self.assertEqual(accept["transport"], "tcp")
        self.assertEqual(accept["remote"], remote_host % client["local_port"])
        self.assertEqual(accept["result"], client["accepted"]["fd"])

        close = self.one(event="close", pid=client["pid"], fd=client["fd"])
        self.assertEqual(close["remote"], connect["remote"])
        self.assertEqual(close["role"], "client")
        self.assertEqual(close["result"], 0)
        self.assertGreater(close["duration_ns"], 0)
        self.assertEqual(close["duration_ns"], close["ts_ns"] - connect["ts_ns"])
        server_close = self.one(event="close", pid=client["server_pid"],
                                fd=client["accepted"]["fd"])
        self.assertEqual(server_close["remote"], accept["remote"])
        self.assertEqual(server_close["role"], "server")

    def test_exit_code(self):
        self.assertEqual(self.exit_code, 0, self.tracer.stderr)

    def test_ipv4_connect_accept_close(self):
        self.check_tcp_pair("4", "127.0.0.1:%d", "inet")

    def test_ipv6_connect_accept_close(self):
        self.check_tcp_pair("6", "[::1]:%d", "inet6")

    def test_refused_connect(self):
        client = self.clients["refused"]
        connect = self.one(event="connect", pid=client["pid"])
        self.assertEqual(connect["fd"], client["fd"])
        self.assertEqual(connect["remote"], "127.0.0.1:%d" % client["port"])
        self.assertEqual(connect["result"], -111)
        self.assertEqual(connect["error"], "ECONNREFUSED")

    def test_nonblocking_connect(self):
        client = self.clients["nonblocking"]
        connect = self.one(event="connect", pid=client["pid"])
        self.assertEqual(connect["fd"], client["fd"])
        self.assertEqual(connect["remote"], "127.0.0.1:%d" % client["port"])
        self.assertEqual(connect["result"], -115)
        self.assertEqual(connect["error"], "EINPROGRESS")

    def test_unix_socket(self):
        peer = self.clients["unix"]
        connect = self.one(event="connect", pid=peer["pid"], fd=peer["client_fd"])
        self.assertEqual(connect["family"], "unix")
        self.assertEqual(connect["transport"], "unix-stream")
        self.assertEqual(connect["remote"], self.unix_path)
        self.assertEqual(connect["result"], 0)
        accept = self.one(event="accept", pid=peer["pid"], fd=peer["accepted_fd"])
        self.assertEqual(accept["family"], "unix")
        self.assertEqual(accept["transport"], "unix-stream")
        self.assertEqual(accept["remote"], "")  # the client socket is unnamed
        close = self.one(event="close", pid=peer["pid"], fd=peer["client_fd"])
        self.assertEqual(close["remote"], self.unix_path)

    def test_udp_connect(self):
        client = self.clients["udp"]
        connect = self.one(event="connect", pid=client["pid"])
        self.assertEqual(connect["fd"], client["fd"])
        self.assertEqual(connect["transport"], "udp")
        self.assertEqual(connect["remote"], "127.0.0.1:%d" % client["port"])

    def test_non_socket_close_is_silent(self):
        # Every python process closes regular files; none of them may show up.
        for event in select(self.events, event="close"):
            self.assertIn(event["family"], ("inet", "inet6", "unix"))


class CurlAgainstHttpServer(unittest.TestCase):
    def test_curl_ipv4_and_ipv6(self):
        for bind, url_host, remote in (("127.0.0.1", "127.0.0.1", "127.0.0.1:%d"),
                                       ("::1", "[::1]", "[::1]:%d")):
            port = free_port(socket.AF_INET6 if ":" in bind else socket.AF_INET)
            server = subprocess.Popen([sys.executable, "-m", "http.server", str(port),
                                       "--bind", bind], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            try:
                deadline = time.time() + 10
                while time.time() < deadline:
                    probe = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET)
                    if probe.connect_ex((bind, port)) == 0:
                        probe.close()
                        break
                    probe.close()
                    time.sleep(0.05)
                with Tracer("--no-data", "-c", "curl") as tracer:
                    curl = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                           "http://%s:%d/" % (url_host, port)],
                                          capture_output=True, timeout=30)
                    self.assertEqual(curl.stdout, b"200")
                    self.assertEqual(tracer.stop(), 0)
                    events = tracer.events()
            finally:
                server.terminate()
                server.wait()
            tcp = [e for e in select(events, event="connect") if e["transport"] == "tcp"]
            self.assertEqual(len(tcp), 1, events)
            self.assertEqual(tcp[0]["remote"], remote % port)
            self.assertEqual(tcp[0]["comm"], "curl")
            self.assertEqual(tcp[0]["role"], "client")
            self.assertIn(tcp[0]["result"], (0, -115))
            close = select(events, event="close", pid=tcp[0]["pid"], fd=tcp[0]["fd"])
            self.assertEqual(len(close), 1)
            self.assertEqual(close[0]["remote"], remote % port)
            # -c curl filtered in the kernel: no other process appears.
            self.assertEqual({e["comm"] for e in events}, {"curl"})


if __name__ == "__main__":
    unittest.main()
