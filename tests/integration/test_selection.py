"""Selection: --port, --remote, --tcp, --udp, --unix, and -p with the
processes it forks (or not, --no-follow), -p with -c (the union), against
real loopback traffic. Each run's traffic has connections the filter must
keep and a control it must leave out; the assertions name exact payloads."""

import base64
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from peers import free_port
from tracer import BINARY, Server, Tracer, require_root, run_python, select

require_root()

# One process: TCP over IPv4 to ports A and B, TCP over IPv6, a UDP
# exchange and a unix stream connection, each with a payload naming it.
# The servers listen on the ports given (A, B, IPv6, UDP).
# Sockets stay open a moment after their last byte, as connections do,
# so that their local port can be asked of the kernel. Prints the ports.
TRAFFIC = r"""
import json, os, socket, sys, tempfile, time

def tcp(family, host, port, name):
    srv = socket.socket(family); srv.bind((host, port)); srv.listen(4)
    cli = socket.socket(family); cli.connect(srv.getsockname()[:2])
    conn, _ = srv.accept()
    cli.sendall(b"to-" + name); conn.recv(100)
    conn.sendall(b"from-" + name); cli.recv(100)
    time.sleep(0.3)
    port = srv.getsockname()[1]
    cli.close(); conn.close(); srv.close()
    return port

a, b, v6, udp = map(int, sys.argv[1:5])
ports = {"a": tcp(socket.AF_INET, "127.0.0.1", a, b"a"),
         "b": tcp(socket.AF_INET, "127.0.0.1", b, b"b"),
         "v6": tcp(socket.AF_INET6, "::1", v6, b"v6")}
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.1", udp))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cli.sendto(b"to-udp", srv.getsockname())
data, peer = srv.recvfrom(100); srv.sendto(b"from-udp", peer); cli.recvfrom(100)
time.sleep(0.3)
ports["udp"] = srv.getsockname()[1]
cli.close(); srv.close()
path = os.path.join(tempfile.mkdtemp(), "sock")
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(1)
cli = socket.socket(socket.AF_UNIX); cli.connect(path)
conn, _ = srv.accept()
cli.sendall(b"to-unix"); conn.recv(100); conn.sendall(b"from-unix"); cli.recv(100)
time.sleep(0.3)
cli.close(); conn.close(); srv.close(); os.unlink(path)
print(json.dumps(ports))
"""

ALL = {b"to-a", b"from-a", b"to-b", b"from-b", b"to-v6", b"from-v6", b"to-udp", b"from-udp",
       b"to-unix", b"from-unix"}


def payloads(events, pid, direction):
    """The captured payloads of one process's data events in one direction."""
    return sorted(base64.b64decode(e["data_b64"])
                  for e in select(events, event="data", pid=pid, direction=direction))


class NetworkSelectionTest(unittest.TestCase):
    def setUp(self):
        self.ports = {"a": free_port(), "b": free_port(), "v6": free_port(),
                      "udp": free_port(socket.SOCK_DGRAM)}
        while len(set(self.ports.values())) < 4:
            self.ports["b"] = free_port()

    def trace(self, *args):
        """The traffic under socket-tracer with these options: its process's
        events, and its pid."""
        with Tracer("--json-b64", *args) as tracer:
            pid, (ports,) = run_python(TRAFFIC, self.ports["a"], self.ports["b"],
                                       self.ports["v6"], self.ports["udp"])
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(ports, self.ports)
        self.assertIn("lost samples 0", tracer.summary()[0])
        # Events left out are counted (others' too: not an exact number).
        self.assertEqual(any(re.match(r"socket-tracer: \d+ events not printed: outside "
                                      r"--port, --remote, --tcp, --udp, --unix$", line)
                             for line in tracer.stderr_lines), bool(args), tracer.stderr)
        return [e for e in tracer.events() if e["pid"] == pid], pid

    def assert_exchanges(self, args, names):
        """Each named exchange seen from both its ends, and nothing else."""
        events, pid = self.trace(*args)
        sent = sorted([b"to-" + n for n in names] + [b"from-" + n for n in names])
        self.assertEqual(payloads(events, pid, "send"), sent, args)
        self.assertEqual(payloads(events, pid, "recv"), sent, args)
        return events

    def test_unfiltered_control(self):
        # What the filters below choose from: every exchange, both ends.
        self.assert_exchanges((), [b"a", b"b", b"v6", b"udp", b"unix"])

    def test_port_local_or_remote(self):
        # The client's by its remote port, the accepted socket's by its local
        # one; B, on another port, is left out, and so are connection events.
        events = self.assert_exchanges(("--port", str(self.ports["a"])), [b"a"])
        a = "127.0.0.1:%d" % self.ports["a"]
        (connect,) = select(events, event="connect")
        self.assertEqual(connect["remote"], a)
        (accept,) = select(events, event="accept")
        self.assertEqual(accept["role"], "server")
        closes = select(events, event="close")
        self.assertEqual(len(closes), 2, closes)  # both ends of A; not its listener
        self.assertEqual(sorted((c["bytes_sent"], c["bytes_recv"]) for c in closes),
                         [(4, 6), (6, 4)])

    def test_port_of_short_server_connections(self):
        # Accepted sockets closed at once, before the kernel can be asked
        # their local port: the listener's, which lives on, decides.
        code = r"""
import socket, sys, time
srv = socket.socket(); srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(16)
for i in range(10):
    cli = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    cli.sendall(b"q%d" % i); conn.recv(10); conn.sendall(b"r%d" % i); conn.close()
    cli.recv(10); cli.close()
time.sleep(1)  # a server's listener outlives its connections
srv.close()
"""
        with Tracer("--json-b64", "--port", str(self.ports["a"])) as tracer:
            pid, _ = run_python(code, self.ports["a"])
            self.assertEqual(tracer.stop(), 0)
        events = [e for e in tracer.events() if e["pid"] == pid]
        self.assertEqual(len(select(events, event="accept")), 10)
        served = [e for e in events if e["event"] == "data" and e["role"] == "server"]
        self.assertEqual(sorted(base64.b64decode(e["data_b64"]) for e in served),
                         sorted([b"q%d" % i for i in range(10)] +
                                [b"r%d" % i for i in range(10)]))

    def test_ports_repeated_and_udp(self):
        self.assert_exchanges(("--port", str(self.ports["b"]), "--port", str(self.ports["udp"])),
                              [b"b", b"udp"])

    def test_remote_ipv4_block(self):
        self.assert_exchanges(("--remote", "127.0.0.0/8"), [b"a", b"b", b"udp"])

    def test_remote_ipv6(self):
        self.assert_exchanges(("--remote", "::1"), [b"v6"])
        self.assert_exchanges(("--remote", "[::]/0"), [b"v6"])

    def test_remote_no_match(self):
        self.assert_exchanges(("--remote", "10.0.0.0/8"), [])

    def test_kinds(self):
        self.assert_exchanges(("--tcp",), [b"a", b"b", b"v6"])
        self.assert_exchanges(("--udp",), [b"udp"])
        self.assert_exchanges(("--unix",), [b"unix"])
        self.assert_exchanges(("--udp", "--unix"), [b"udp", b"unix"])

    def test_options_combine(self):
        # Each kind of option must hold: port A is TCP, so --udp leaves it out.
        self.assert_exchanges(("--port", str(self.ports["a"]), "--tcp"), [b"a"])
        self.assert_exchanges(("--port", str(self.ports["a"]), "--udp"), [])
        self.assert_exchanges(("--remote", "127.0.0.1", "--port", str(self.ports["b"])), [b"b"])


# A server that forks a child per connection; the child answers, exits.
FORK_SERVER = r"""
import json, os, socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
print(json.dumps({"port": srv.getsockname()[1]}), flush=True)
children = []
for _ in range(int(sys.argv[1])):
    conn, _ = srv.accept()
    child = os.fork()
    if child == 0:
        srv.close()
        request = conn.recv(100)
        conn.sendall(b"reply-" + request + b"-from-" + str(os.getpid()).encode())
        conn.close()
        os._exit(0)
    children.append(child)
    conn.close()
for child in children:
    os.waitpid(child, 0)
print(json.dumps({"children": children}), flush=True)
"""

# A client, its comm set to argv[2]: sends argv[3], reads the reply.
CLIENT = r"""
import ctypes, json, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)  # PR_SET_NAME
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sock.sendall(sys.argv[3].encode())
reply = b""
while True:
    chunk = sock.recv(100)
    if not chunk:
        break
    reply += chunk
sock.close()
print(json.dumps({"reply": reply.decode()}))
"""


class ProcessSelectionTest(unittest.TestCase):
    def serve(self, tracer_args, clients):
        """A fork server traced by -p (and tracer_args), and clients named
        (comm, request); returns (events, server pid, its children, the
        clients' pids and replies)."""
        with Server(FORK_SERVER, len(clients)) as server:
            with Tracer("--json-b64", "-p", str(server.pid), *tracer_args) as tracer:
                done = [run_python(CLIENT, server.first["port"], comm, request)
                        for comm, request in clients]
                (finished,) = server.finish()
                self.assertEqual(tracer.stop(), 0)
        self.assertIn("lost samples 0", tracer.summary()[0])
        children = finished["children"]
        for (pid, (out,)), (comm, request), child in zip(done, clients, children):
            self.assertEqual(out["reply"], "reply-%s-from-%d" % (request, child))
        return tracer.events(), server.pid, children, [pid for pid, _ in done]

    def test_pid_follows_forked_children(self):
        events, server, children, clients = self.serve((), [("st-sel-a", "one"),
                                                            ("st-sel-b", "two")])
        for child, request in zip(children, ("one", "two")):
            self.assertEqual(payloads(events, child, "recv"), [request.encode()])
            self.assertEqual(payloads(events, child, "send"),
                             [("reply-%s-from-%d" % (request, child)).encode()])
        self.assertEqual(len(select(events, event="accept", pid=server)), 2)
        # The clients are not the server's: never selected.
        self.assertEqual([e for e in events if e["pid"] in clients], [])
        self.assertEqual({e["pid"] for e in events} - {server} - set(children), set())

    def test_no_follow_keeps_to_the_pid(self):
        events, server, children, clients = self.serve(("--no-follow",),
                                                       [("st-sel-a", "one")])
        self.assertEqual(len(select(events, event="accept", pid=server)), 1)
        self.assertEqual([e for e in events if e["pid"] != server], [])
        self.assertEqual(select(events, event="data"), [])  # only the child moved bytes

    def test_pid_and_comm_select_the_union(self):
        # The server by pid, one client by comm; the other client, named
        # otherwise, is the control.
        events, server, children, clients = self.serve(
            ("-c", "st-sel-wanted"), [("st-sel-wanted", "one"), ("st-sel-other", "two")])
        self.assertEqual(payloads(events, clients[0], "send"), [b"one"])
        self.assertEqual(payloads(events, clients[0], "recv"),
                         [("reply-one-from-%d" % children[0]).encode()])
        self.assertEqual([e for e in events if e["pid"] == clients[1]], [])
        self.assertEqual(payloads(events, children[1], "recv"), [b"two"])


class UsageTest(unittest.TestCase):
    def usage(self, *args):
        proc = subprocess.run([BINARY] + list(args), capture_output=True, text=True, timeout=30)
        self.assertEqual((proc.returncode, proc.stdout), (2, ""), proc.stderr)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        return proc.stderr

    def test_pid_of_no_process(self):
        self.assertEqual(self.usage("-p", "2147483647"),
                         "socket-tracer: --pid 2147483647: no such process (try --help)\n")

    def test_options_that_print_nothing(self):
        self.assertIn("nothing would print", self.usage("--exchanges-only", "--no-data"))
        self.assertIn("nothing would print", self.usage("--protocol", "HTTP", "--no-data"))
        self.assertIn("--hex with --json", self.usage("-x", "--json"))

    def test_comm_cut_to_15(self):
        # A note, then the trace runs with the cut name.
        with Tracer("-c", "st-sel-a-very-long-name", "-d", "1", json_output=False) as tracer:
            self.assertEqual(tracer.stop(settle=0), 0)
        self.assertIn("socket-tracer: note: --comm 'st-sel-a-very-long-name' cut to the "
                      "kernel's 15 characters: 'st-sel-a-very-l'\n", tracer.stderr_lines)


if __name__ == "__main__":
    unittest.main()
