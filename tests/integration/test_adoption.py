"""Sockets reached however a process got them: through dup2/F_DUPFD, a
forked child, SCM_RIGHTS, bash's /dev/tcp, a server blocked in accept()
before the tracer started, a forked PostgreSQL backend. Each is traced from
its first I/O with exact bytes; MSG_PEEK is not counted; threads sharing a
socket keep consistent positions; a non-socket is never a socket."""

import json
import os
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
