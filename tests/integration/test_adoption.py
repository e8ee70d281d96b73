"""Sockets reached however a process got them: through dup2/F_DUPFD, a
forked child, SCM_RIGHTS, bash's /dev/tcp, a server blocked in accept()
before the tracer started, a forked PostgreSQL backend. Each is traced from
its first I/O with exact bytes; MSG_PEEK is not counted; threads sharing a
socket keep consistent positions; a non-socket is never a socket."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

from peers import PostgresServer, free_port
from tracer import Server, Tracer, require_root, run_python, select

require_root()

# One TCP connection written through every kind of second fd: dup2,
# F_DUPFD, a forked child, and a child that gets it over SCM_RIGHTS.
FD_PATHS = r"""
import fcntl, json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
sent = []
def send(fd, text):
    os.write(fd, text)
    sent.append(text.decode())
os.dup2(cli.fileno(), 50)
send(50, b"through-dup2")
dupfd = fcntl.fcntl(cli.fileno(), fcntl.F_DUPFD, 60)
send(dupfd, b"through-F_DUPFD")
child = os.fork()
if child == 0:
    os.write(cli.fileno(), b"from-a-child")
    os._exit(0)
os.waitpid(child, 0)
sent.append("from-a-child")
a, b = socket.socketpair()
receiver = os.fork()
if receiver == 0:
    _, (fd,), _, _ = socket.recv_fds(b, 16, 1)
    os.write(fd, b"passed-by-SCM_RIGHTS")
    os._exit(0)
socket.send_fds(a, [b"x"], [cli.fileno()])
os.waitpid(receiver, 0)
sent.append("passed-by-SCM_RIGHTS")
want = sum(len(s) for s in sent)
got = b""
while len(got) < want:
    got += conn.recv(4096)
print(json.dumps({"pid": os.getpid(), "child": child, "receiver": receiver,
                  "cli_fd": cli.fileno(), "dupfd": dupfd, "server_fd": conn.fileno(),
                  "sent": sent, "received": got.decode()}))
"""

# A server already blocked in accept() when the tracer starts.
BLOCKED_SERVER = r"""
import json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(json.dumps({"pid": os.getpid(), "port": srv.getsockname()[1]}), flush=True)
conn, peer = srv.accept()
request = conn.recv(100)
conn.sendall(b"reply-to-" + request)
print(json.dumps({"fd": conn.fileno(), "peer": "%s:%d" % peer, "request": request.decode()}))
conn.close()
"""

# A peek, then the read that consumes the same bytes.
PEEK = r"""
import json, os, socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
conn.sendall(b"peek-then-read")
time.sleep(0.05)
peeked = cli.recv(100, socket.MSG_PEEK)
read = cli.recv(100)
print(json.dumps({"pid": os.getpid(), "fd": cli.fileno(), "peeked": peeked.decode(),
                  "read": read.decode()}))
cli.close(); conn.close()
"""

# Eight threads sending on one socket at once.
THREADS = r"""
import json, os, socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
total = 8 * 500 * 100
def drain():
    got = 0
    while got < total:
        got += len(conn.recv(1 << 20))
reader = threading.Thread(target=drain); reader.start()
def send():
    for _ in range(500):
        cli.sendall(b"t" * 100)
threads = [threading.Thread(target=send) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
reader.join()
print(json.dumps({"pid": os.getpid(), "fd": cli.fileno(), "total": total}))
cli.close(); conn.close()
"""

# connect() on a regular file's fd fails with ENOTSOCK; what is then
# written to the file is not network traffic.
NOT_A_SOCKET = r"""
import ctypes, errno, json, os, socket, struct, tempfile
libc = ctypes.CDLL(None, use_errno=True)
f = tempfile.TemporaryFile()
addr = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 443) + socket.inet_aton("10.66.66.66") + bytes(8)
assert libc.connect(f.fileno(), addr, len(addr)) == -1 and ctypes.get_errno() == errno.ENOTSOCK
os.write(f.fileno(), b"POST /transfer?to=attacker HTTP/1.1\r\nHost: bank\r\n\r\n")
print(json.dumps({"pid": os.getpid(), "fd": f.fileno()}))
"""


# One kernel socket through several fds and processes: a handover to a
# child, a fork server, a UDP socket and its dup, dup2 onto a traced fd.
SHARED = r"""
import json, os, socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
port = srv.getsockname()[1]
out = {"pid": os.getpid()}
def recv_exactly(s, n):
    got = b""
    while len(got) < n:
        got += s.recv(100)
    return got.decode()

cli = socket.create_connection(("127.0.0.1", port)); conn, _ = srv.accept()
out.update(handover_fd=conn.fileno(), handover_peer="%s:%d" % cli.getsockname())
conn.sendall(b"parent-part;")
child = os.fork()
if child == 0:
    time.sleep(0.2); conn.sendall(b"child-part"); conn.close(); os._exit(0)
conn.close(); os.waitpid(child, 0)
out.update(handover_child=child, handover_got=recv_exactly(cli, 22))
cli.close()

cli2 = socket.create_connection(("127.0.0.1", port)); conn2, _ = srv.accept()
out.update(served_fd=conn2.fileno(), served_peer="%s:%d" % cli2.getsockname())
server_child = os.fork()
if server_child == 0:
    req = conn2.recv(100); conn2.sendall(b"served:" + req); conn2.close(); os._exit(0)
conn2.close()
cli2.sendall(b"request")
out.update(server_child=server_child, reply=recv_exactly(cli2, 14))
os.waitpid(server_child, 0); cli2.close()

r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(r.getsockname())
d = os.dup(u.fileno())
os.write(u.fileno(), b"via-original"); os.write(d, b"via-dup")
out.update(udp_fd=u.fileno(), udp_dup=d, udp_got=[r.recv(100).decode(), r.recv(100).decode()])
os.close(d); u.close()

a = socket.create_connection(("127.0.0.1", port)); sa, _ = srv.accept()
a.sendall(b"first-socket")
b = socket.create_connection(("127.0.0.1", port)); sb, _ = srv.accept()
out.update(a_fd=a.fileno(), b_fd=b.fileno(), a_got=recv_exactly(sa, 12))
os.dup2(b.fileno(), a.fileno())
os.write(a.fileno(), b"second-socket")
out.update(b_got=recv_exactly(sb, 13))
print(json.dumps(out))
"""


# Sockets connected before the trace, then written through new fds.
CONNECTED_BEFORE = r"""
import json, os, signal, socket, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname()); conn, _ = srv.accept()
receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); receiver.bind(("127.0.0.1", 0))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.connect(receiver.getsockname())
print(json.dumps({"pid": os.getpid(), "port": srv.getsockname()[1],
                  "udp_peer": "127.0.0.1:%d" % receiver.getsockname()[1]}), flush=True)
signal.sigwait({signal.SIGUSR1})
tcp_dup, udp_dup = os.dup(cli.fileno()), os.dup(udp.fileno())
os.write(tcp_dup, b"late-tcp"); os.write(udp_dup, b"late-udp")
assert conn.recv(100) == b"late-tcp" and receiver.recv(100) == b"late-udp"
print(json.dumps({"tcp_dup": tcp_dup, "udp_dup": udp_dup}), flush=True)
time.sleep(1)  # the peer is asked of the live process when the event is read
"""


class FdPathsTest(unittest.TestCase):
    def test_every_second_fd_is_traced_from_its_first_write(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(FD_PATHS)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        self.assertEqual(info["received"], "".join(info["sent"]))

        def sends(p, fd):
            return [e for e in select(events, pid=p, fd=fd, event="data", direction="send")
                    if e["transport"] == "tcp"]
        paths = [(pid, 50, "through-dup2"), (pid, info["dupfd"], "through-F_DUPFD"),
                 (info["child"], info["cli_fd"], "from-a-child")]
        for p, fd, text in paths:
            (ev,) = sends(p, fd)
            self.assertEqual((ev["data"], ev["bytes"], ev["captured"], ev["adopted"]),
                             (text, len(text), len(text), True), ev)
        (passed,) = [e for e in select(events, pid=info["receiver"], event="data",
                                       direction="send") if e["transport"] == "tcp"]
        self.assertEqual((passed["data"], passed["adopted"]), ("passed-by-SCM_RIGHTS", True))
        # One kernel socket: every fd's and process's I/O is one connection.
        conns = {ev["conn"] for p, fd, _ in paths for ev in sends(p, fd)}
        self.assertEqual(conns, {passed["conn"]})

        # The server side received exactly what all of them sent.
        received = select(events, pid=pid, fd=info["server_fd"], event="data", direction="recv")
        self.assertEqual("".join(e["data"] for e in received), info["received"])
        (close,) = select(events, pid=pid, fd=info["server_fd"], event="close")
        self.assertEqual(close["bytes_recv"], len(info["received"]))

    def test_bash_dev_tcp(self):
        # bash connects, then moves the socket to fd 3 with dup2.
        port = free_port()
        script = ('exec 3<>/dev/tcp/127.0.0.1/%d; printf "hello-from-bash" >&3; '
                  'read -r reply <&3; printf "%%s" "$reply"' % port)
        server = subprocess.Popen([sys.executable, "-c",
                                   "import socket, sys\n"
                                   "s = socket.socket(); s.bind(('127.0.0.1', %d)); s.listen(1)\n"
                                   "print('ready', flush=True)\n"
                                   "c, _ = s.accept(); got = c.recv(100)\n"
                                   "c.sendall(b'echo:' + got + b'\\n'); c.close()\n" % port],
                                  stdout=subprocess.PIPE)
        try:
            server.stdout.readline()
            with Tracer("-c", "bash") as tracer:
                bash = subprocess.run(["bash", "-c", script], capture_output=True, timeout=30,
                                      check=True)
                self.assertEqual(tracer.stop(), 0)
        finally:
            server.wait(timeout=30)
            server.stdout.close()
        self.assertEqual(bash.stdout, b"echo:hello-from-bash")
        # Its builtins write and read through fds 1 and 0, dup2'd from 3.
        data = [e for e in tracer.events() if e["event"] == "data" and e["transport"] == "tcp"]
        self.assertTrue(data and all(e["adopted"] for e in data))
        self.assertEqual("".join(e["data"] for e in data if e["direction"] == "send"),
                         "hello-from-bash")
        self.assertEqual("".join(e["data"] for e in data if e["direction"] == "recv"),
                         "echo:hello-from-bash\n")



class SharedSocketTest(unittest.TestCase):
    """A connection is the kernel socket: its fds in any process share one
    "conn" number; a close that leaves it open elsewhere is a "release";
    the "close" comes from the last user, with everyone's totals."""

    @classmethod
    def setUpClass(cls):
        with Tracer() as tracer:
            _, (cls.info,) = run_python(SHARED)
            assert tracer.stop() == 0
        cls.events = [e for e in tracer.events() if e["pid"] in
                      (cls.info["pid"], cls.info["handover_child"], cls.info["server_child"])]

    def of(self, pid, fd, **fields):
        return select(self.events, pid=pid, fd=fd, **fields)

    def test_handover_to_a_child(self):
        info = self.info
        self.assertEqual(info["handover_got"], "parent-part;child-part")
        pid, child, fd = info["pid"], info["handover_child"], info["handover_fd"]
        (accept,) = self.of(pid, fd, event="accept", remote=info["handover_peer"])
        conn = accept["conn"]
        (parent_send,) = self.of(pid, fd, event="data", data="parent-part;")
        (release,) = self.of(pid, fd, event="release", conn=conn)
        (child_send,) = self.of(child, fd, event="data", direction="send")
        (close,) = self.of(child, fd, event="close")
        self.assertEqual([e["conn"] for e in (parent_send, release, child_send, close)],
                         [conn] * 4)
        self.assertEqual((release["bytes_sent"], release["bytes_recv"]), (12, 0))
        self.assertEqual((child_send["data"], child_send["adopted"], child_send["role"]),
                         ("child-part", True, "server"))
        self.assertEqual((close["bytes_sent"], close["bytes_recv"], close["users"],
                          close["role"], close["remote"]),
                         (22, 0, 2, "server", accept["remote"]))
        self.assertFalse(self.of(pid, fd, event="close", conn=conn))

    def test_fork_server(self):
        info = self.info
        self.assertEqual(info["reply"], "served:request")
        pid, child, fd = info["pid"], info["server_child"], info["served_fd"]
        (accept,) = self.of(pid, fd, event="accept", remote=info["served_peer"])
        (release,) = self.of(pid, fd, event="release", conn=accept["conn"])
        self.assertEqual((release["bytes_sent"], release["bytes_recv"]), (0, 0))
        data = self.of(child, fd, event="data")
        self.assertEqual([(e["direction"], e["data"], e["adopted"]) for e in data],
                         [("recv", "request", True), ("send", "served:request", True)])
        (close,) = self.of(child, fd, event="close")
        self.assertEqual((close["bytes_recv"], close["bytes_sent"], close["remote"]),
                         (7, 14, accept["remote"]))
        self.assertEqual({e["conn"] for e in data}, {close["conn"]})

    def test_udp_socket_and_its_dup(self):
        info = self.info
        self.assertEqual(info["udp_got"], ["via-original", "via-dup"])
        pid = info["pid"]
        sends = [e for e in self.events if e["pid"] == pid and e["event"] == "data"
                 and e["transport"] == "udp" and e["direction"] == "send"]
        self.assertEqual([(e["fd"], e["data"]) for e in sends],
                         [(info["udp_fd"], "via-original"), (info["udp_dup"], "via-dup")])
        (release,) = self.of(pid, info["udp_dup"], event="release")
        (close,) = self.of(pid, info["udp_fd"], event="close", transport="udp")
        self.assertEqual(release["bytes_sent"], 7)
        self.assertEqual((close["bytes_sent"], close["users"]), (19, 2))
        self.assertEqual({release["conn"], close["conn"], sends[0]["conn"], sends[1]["conn"]},
                         {close["conn"]})

    def test_dup2_onto_a_traced_fd(self):
        info = self.info
        self.assertEqual((info["a_got"], info["b_got"]), ("first-socket", "second-socket"))
        pid, a, b = info["pid"], info["a_fd"], info["b_fd"]
        (first,) = self.of(pid, a, event="data", data="first-socket")
        (replaced,) = self.of(pid, a, event="close", fd_replaced=True)
        self.assertEqual((replaced["conn"], replaced["bytes_sent"]), (first["conn"], 12))
        (second,) = self.of(pid, a, event="data", data="second-socket")
        (b_connect,) = self.of(pid, b, event="connect")
        self.assertEqual(second["conn"], b_connect["conn"])
        self.assertNotEqual(second["conn"], first["conn"])



class ConnectedBeforeTest(unittest.TestCase):
    def test_new_fd_of_a_socket_connected_before_the_start_has_its_peer(self):
        with Server(CONNECTED_BEFORE) as server:
            with Tracer() as tracer:
                os.kill(server.pid, signal.SIGUSR1)
                (info,) = server.finish()
                self.assertEqual(tracer.stop(), 0)
        first = server.first
        mine = select(tracer.events(), pid=server.pid, event="data")
        (tcp,) = select(mine, fd=info["tcp_dup"])
        (udp,) = select(mine, fd=info["udp_dup"])
        self.assertEqual((tcp["data"], tcp["adopted"], tcp["remote"]),
                         ("late-tcp", True, "127.0.0.1:%d" % first["port"]))
        self.assertEqual((udp["data"], udp["adopted"], udp["transport"], udp["remote"]),
                         ("late-udp", True, "udp", first["udp_peer"]))


class AcceptBlockedTest(unittest.TestCase):
    def test_server_blocked_in_accept_before_the_start(self):
        with Server(BLOCKED_SERVER) as server:
            with Tracer() as tracer:
                client = socket.create_connection(("127.0.0.1", server.first["port"]))
                client.sendall(b"hello")
                self.assertEqual(client.recv(100), b"reply-to-hello")
                client.close()
                (info,) = server.finish()
                self.assertEqual(tracer.stop(), 0)
        mine = select(tracer.events(), pid=server.pid)
        (accept,) = select(mine, event="accept")
        self.assertEqual((accept["fd"], accept["remote"], accept["role"]),
                         (info["fd"], info["peer"], "server"))
        data = select(mine, fd=info["fd"], event="data")
        self.assertEqual([(e["direction"], e["data"]) for e in data],
                         [("recv", "hello"), ("send", "reply-to-hello")])


class PeekTest(unittest.TestCase):
    def test_peek_is_neither_counted_nor_shown(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(PEEK)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(info["peeked"], info["read"])
        events = select(tracer.events(), pid=pid, fd=info["fd"])
        recvs = select(events, event="data", direction="recv")
        self.assertEqual([(e["data"], e["pos"]) for e in recvs], [(info["read"], 0)])
        (close,) = select(events, event="close")
        self.assertEqual(close["bytes_recv"], len(info["read"]))


class ThreadsTest(unittest.TestCase):
    def test_positions_stay_consistent_across_threads(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(THREADS, timeout=120)
            self.assertEqual(tracer.stop(), 0)
        self.assertIn("lost samples 0", tracer.summary()[0])
        events = select(tracer.events(), pid=pid, fd=info["fd"])
        sends = select(events, event="data", direction="send")
        self.assertEqual(sorted(e["pos"] for e in sends), list(range(0, info["total"], 100)))
        self.assertEqual(sum(e["bytes"] for e in sends), info["total"])
        self.assertEqual([e for e in sends if e["gap_bytes"]], [])
        (close,) = select(events, event="close")
        self.assertEqual(close["bytes_sent"], info["total"])


class NotASocketTest(unittest.TestCase):
    def test_failed_connect_on_a_file_reports_nothing(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(NOT_A_SOCKET)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(select(tracer.events(), pid=pid, fd=info["fd"]), [])


# A process that exits holding its sockets: the kernel closes them.
EXIT_HOLDING = r"""
import json, os, socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"q" * 3000)
got = 0
while got < 3000:
    got += len(conn.recv(65536))
conn.sendall(b"r" * 1234)
got = 0
while got < 1234:
    got += len(cli.recv(65536))
print(json.dumps({"pid": os.getpid(), "cli": cli.fileno(), "conn": conn.fileno()}), flush=True)
os._exit(0)
"""


class ExitWithoutCloseTest(unittest.TestCase):
    def test_sockets_held_at_exit_get_their_close(self):
        with Tracer() as tracer:
            pid, (info,) = run_python(EXIT_HOLDING)
            self.assertEqual(tracer.stop(), 0)
        closes = select(tracer.events(), pid=pid, event="close", process_exited=True)
        self.assertEqual(sorted((c["fd"], c["bytes_sent"], c["bytes_recv"], c["role"])
                                for c in closes),
                         sorted([(info["cli"], 3000, 1234, "client"),
                                 (info["conn"], 1234, 3000, "server")]))
        self.assertEqual({c["remote"] != "" for c in closes}, {True})
        # Ranked as closed, not as still open.
        ranked = [l for l in tracer.summary()[1] if " %d python3 " % pid in l]
        self.assertEqual(len(ranked), 2, ranked)
        self.assertEqual([l for l in ranked if "(open)" in l or "without close" in l], [])


class ForkedServerTest(unittest.TestCase):
    def test_postgres_backend_queries_paired_on_the_server(self):
        with PostgresServer() as server, Tracer("-c", "postgres") as tracer:
            psql = ["psql", "-X", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                    "-d", "postgres", "-At"]
            env = dict(os.environ, PGSSLMODE="disable")
            out = subprocess.run(psql + ["-c", "SELECT 40 + 2"], check=True,
                                 capture_output=True, env=env, timeout=60).stdout
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out, b"42\n")
        events = tracer.events()
        queries = [e for e in select(events, event="exchange", protocol="postgres")
                   if e["request"] and e["request"]["type"] == "query"]
        (query,) = [e for e in queries if e["request"]["query"] == "SELECT 40 + 2"]
        self.assertEqual(query["response"]["tag"], "SELECT 1")
        self.assertGreater(query["latency_ns"], 0)
        # The backend is a child of the postmaster: its socket was adopted,
        # and its totals match what its data events moved.
        backend = select(events, pid=query["pid"], fd=query["fd"])
        data = select(backend, event="data")
        self.assertTrue(data and all(e["adopted"] for e in data))
        (close,) = select(backend, event="close")
        self.assertEqual(close["bytes_recv"],
                         sum(e["bytes"] for e in data if e["direction"] == "recv"))
        self.assertEqual(close["bytes_sent"],
                         sum(e["bytes"] for e in data if e["direction"] == "send"))


if __name__ == "__main__":
    unittest.main()
