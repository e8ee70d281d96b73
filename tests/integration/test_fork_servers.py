"""Servers that fork for each connection, as they ship: sshd (which re-execs
too), socat's fork option, dnsmasq's TCP children, and a prefork server whose
children accept on one inherited listener. Whichever process does the I/O,
the server side moves exactly the bytes the client reports, its captured
payload is the client's, and the close of the process that did the I/O
carries the same totals.

The close of a process that only held the socket (the listener's parent after
it forked) is deliberately not asserted here."""

import base64
import os
import re
import subprocess
import tempfile
import time
import unittest

from peers import Process, SshServer, free_port, wait_for_port
from tracer import Server, Tracer, require_root, run_python, select

require_root()


def children(pid):
    """The pids of a process's children, live or not yet reaped."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except (FileNotFoundError, ProcessLookupError):  # it exited meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after "(comm)"
            found.append(int(entry))
    return found


def wait_no_children(pid, timeout=15):
    """Until every per-connection child of a server has exited and been reaped."""
    deadline = time.time() + timeout
    while children(pid):
        if time.time() > deadline:
            raise AssertionError("children of %d still running: %s" % (pid, children(pid)))
        time.sleep(0.05)


def tcp(events, **fields):
    return [e for e in select(events, **fields) if e["transport"] == "tcp"]


def total(events, direction):
    return sum(e["bytes"] for e in events if e["direction"] == direction)


def stream(events, direction):
    """The captured bytes of one direction, in the order the kernel moved them."""
    chosen = sorted((e for e in events if e["direction"] == direction),
                    key=lambda e: e["ts_ns"])
    return b"".join(base64.b64decode(e["data_b64"]) for e in chosen)


class ForkServerCase(unittest.TestCase):
    def assert_totals_and_closes(self, client, server, events):
        """Client and server sides agree, byte for byte. Each connection (one
        kernel socket, one "conn" number) has one close, from its last user,
        with what moved through all its fds; every other fd that did I/O on
        it has a release with what moved through that fd."""
        self.assertTrue(client and server)
        self.assertEqual([e for e in client + server if e["captured"] != e["bytes"]], [])
        self.assertEqual(total(server, "recv"), total(client, "send"))
        self.assertEqual(total(server, "send"), total(client, "recv"))
        self.assertEqual(stream(server, "recv"), stream(client, "send"))
        self.assertEqual(stream(server, "send"), stream(client, "recv"))
        for side in (client, server):
            for conn in sorted({e["conn"] for e in side}):
                data = [e for e in side if e["conn"] == conn]
                (close,) = tcp(events, event="close", conn=conn)
                self.assertEqual((close["bytes_sent"], close["bytes_recv"]),
                                 (total(data, "send"), total(data, "recv")), close)
                for pid, fd in sorted({(e["pid"], e["fd"]) for e in data}):
                    if (pid, fd) == (close["pid"], close["fd"]):
                        continue
                    mine = [e for e in data if (e["pid"], e["fd"]) == (pid, fd)]
                    (release,) = tcp(events, event="release", conn=conn, pid=pid, fd=fd)
                    self.assertEqual((release["bytes_sent"], release["bytes_recv"]),
                                     (total(mine, "send"), total(mine, "recv")), release)
        (client_close,) = tcp(events, event="close", pid=client[0]["pid"], fd=client[0]["fd"])
        self.assertEqual((client_close["bytes_sent"], client_close["bytes_recv"]),
                         (total(server, "recv"), total(server, "send")))


class SshdTest(ForkServerCase):
    def test_sshd_session_seen_from_both_ends(self):
        with SshServer() as server:
            wait_no_children(server.proc.pid)  # wait_for_port's probe connection
            with Tracer("--json-b64", "--data-size", "32768") as tracer:
                ssh = subprocess.Popen(server.client("echo hello-over-ssh"),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = ssh.communicate(timeout=60)
                wait_no_children(server.proc.pid)
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual((ssh.returncode, out), (0, b"hello-over-ssh\n"), err)
        self.assertIn("lost samples 0", tracer.summary()[0])
        events = tracer.events()

        (connect,) = tcp(events, event="connect", pid=ssh.pid)
        self.assertEqual((connect["remote"], connect["result"]),
                         ("127.0.0.1:%d" % server.port, 0))
        client = tcp(events, event="data", pid=ssh.pid, fd=connect["fd"])
        # The listener accepts, and its forked, re-exec'd child and that one's
        # privilege-separated child speak SSH: the listener moves no byte.
        (accept,) = tcp(events, event="accept", pid=server.proc.pid)
        self.assertEqual(accept["role"], "server")
        self.assertRegex(accept["remote"], r"^127\.0\.0\.1:\d+$")
        server_side = tcp(events, event="data", remote=accept["remote"])
        pids = {e["pid"] for e in server_side}
        self.assertTrue(pids and server.proc.pid not in pids and ssh.pid not in pids, pids)
        self.assertEqual({e["adopted"] for e in server_side}, {True})

        # Each end's identification string, captured as the other end received it.
        client_banner = stream(client, "send").split(b"\r\n", 1)[0]
        server_banner = stream(server_side, "send").split(b"\r\n", 1)[0]
        self.assertTrue(client_banner.startswith(b"SSH-2.0-OpenSSH_"), client_banner)
        self.assertTrue(server_banner.startswith(b"SSH-2.0-OpenSSH_"), server_banner)
        self.assertTrue(stream(server_side, "recv").startswith(client_banner + b"\r\n"))
        self.assertTrue(stream(client, "recv").startswith(server_banner + b"\r\n"))
        self.assert_totals_and_closes(client, server_side, events)


# One connection per payload (a file of base64 lines: larger than an
# argument may be), all open at once; each sends its payload, half-closes,
# reads the reply to the end.
HALF_CLOSE_CLIENT = r"""
import base64, json, os, socket, sys
with open(sys.argv[2]) as f:
    payloads = [base64.b64decode(line) for line in f]
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in payloads]
for sock, payload in zip(socks, payloads):
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    print(json.dumps({"fd": sock.fileno(), "local": "%s:%d" % sock.getsockname(),
                      "sent": len(payload), "recv": len(got),
                      "reply_b64": base64.b64encode(got).decode()}))
for sock in socks:
    sock.close()
"""


def half_close_client(port, payloads):
    """Runs HALF_CLOSE_CLIENT; returns its pid and one report per payload."""
    with tempfile.NamedTemporaryFile("w", suffix=".b64") as f:
        f.writelines(base64.b64encode(p).decode() + "\n" for p in payloads)
        f.flush()
        return run_python(HALF_CLOSE_CLIENT, port, f.name)


class SocatForkTest(ForkServerCase):
    def test_socat_fork_child_echoes_through_cat(self):
        port = free_port()
        payload = b"".join(b"line %04d through socat's forked child\n" % i for i in range(200))
        with Process(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,fork,reuseaddr" % port,
                      "EXEC:cat"]) as socat:
            wait_for_port(port, proc=socat.proc)
            wait_no_children(socat.proc.pid)
            with Tracer("--json-b64", "--data-size", "32768") as tracer:
                pid, (info,) = half_close_client(port, [payload])
                wait_no_children(socat.proc.pid)
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(base64.b64decode(info["reply_b64"]), payload)
        self.assertIn("lost samples 0", tracer.summary()[0])
        events = tracer.events()

        client = tcp(events, event="data", pid=pid, fd=info["fd"])
        (accept,) = tcp(events, event="accept", pid=socat.proc.pid)
        self.assertEqual((accept["remote"], accept["role"]), (info["local"], "server"))
        # The child socat forked for the connection moves every byte, between
        # the socket and cat's socketpair; the listener moves none.
        server_side = tcp(events, event="data", remote=info["local"])
        (child,) = {e["pid"] for e in server_side}
        self.assertNotIn(child, (socat.proc.pid, pid))
        self.assertEqual({e["adopted"] for e in server_side}, {True})
        self.assertEqual((total(client, "send"), total(client, "recv")),
                         (len(payload), len(payload)))
        self.assertEqual(stream(server_side, "recv"), payload)
        self.assertEqual(stream(server_side, "send"), payload)
        self.assert_totals_and_closes(client, server_side, events)


class DnsmasqTcpTest(ForkServerCase):
    def test_dnsmasq_tcp_child_answers_dig(self):
        port = free_port()
        # No --no-daemon: in its debug mode dnsmasq answers TCP in the main
        # process; with --keep-in-foreground alone it forks a child per connection.
        args = ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--port=%d" % port,
                "--address=/example.test/127.0.0.5", "--pid-file=", "--user=root",
                "--log-facility=-"]
        with Process(args) as dnsmasq:
            wait_for_port(port, proc=dnsmasq.proc)
            wait_no_children(dnsmasq.proc.pid)
            with Tracer("--json-b64") as tracer:
                dig = subprocess.Popen(["dig", "+tcp", "+noall", "+answer", "+stats", "+time=5",
                                        "+tries=1", "@127.0.0.1", "-p", str(port),
                                        "example.test", "A"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = dig.communicate(timeout=30)
                wait_no_children(dnsmasq.proc.pid)
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(dig.returncode, 0, err)
        self.assertRegex(out, rb"(?m)^example\.test\.\s+\d+\s+IN\s+A\s+127\.0\.0\.5$")
        (answer_size,) = re.findall(rb"MSG SIZE +rcvd: (\d+)", out)
        self.assertIn("lost samples 0", tracer.summary()[0])
        events = tracer.events()

        (connect,) = tcp(events, event="connect", pid=dig.pid)
        self.assertEqual(connect["remote"], "127.0.0.1:%d" % port)
        client = tcp(events, event="data", pid=dig.pid, fd=connect["fd"])
        # dnsmasq accepts without asking for the address, so its accept line has
        # no peer; the child's data events get it from the kernel's TCP state.
        (accept,) = tcp(events, event="accept", pid=dnsmasq.proc.pid)
        self.assertEqual(accept["role"], "server")
        server_side = [e for e in tcp(events, event="data")
                       if e["pid"] not in (dig.pid, dnsmasq.proc.pid)
                       and e["comm"] == "dnsmasq"]
        self.assertEqual(tcp(events, event="data", pid=dnsmasq.proc.pid), [])
        (remote,) = {e["remote"] for e in server_side}
        self.assertRegex(remote, r"^127\.0\.0\.1:\d+$")
        self.assertNotEqual(remote, "127.0.0.1:%d" % port)
        self.assertEqual(len({e["pid"] for e in server_side}), 1)
        self.assertEqual({e["adopted"] for e in server_side}, {True})
        self.assert_totals_and_closes(client, server_side, events)

        # DNS over TCP is not decoded into exchanges (docs/events.md, "Not
        # decoded"), so the pairing is checked on the captured bytes: one
        # length-prefixed query for example.test A, one answer with its id.
        query, answer = stream(server_side, "recv"), stream(server_side, "send")
        self.assertEqual(int.from_bytes(query[:2], "big"), len(query) - 2)
        self.assertEqual(int.from_bytes(answer[:2], "big"), len(answer) - 2)
        self.assertEqual(len(answer), 2 + int(answer_size))  # what dig says it received
        question = b"\x07example\x04test\x00\x00\x01\x00\x01"  # example.test, A, IN
        self.assertEqual(query[14:14 + len(question)], question)
        self.assertEqual(answer[2:4], query[2:4])  # the query id
        self.assertEqual(answer[8:10], b"\x00\x01")  # one answer
        self.assertEqual(answer[14:14 + len(question)], question)
        record = answer[14 + len(question):]
        self.assertEqual(record[:6], b"\xc0\x0c\x00\x01\x00\x01")  # the name above, A, IN
        self.assertEqual(record[10:16], b"\x00\x04\x7f\x00\x00\x05")  # 4 bytes, 127.0.0.5


# The parent listens, forks three children that each accept() once on the
# inherited listener and answer one request, then waits for them.
PREFORK_SERVER = r"""
import json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        conn, peer = srv.accept()
        request = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            request += chunk
        reply = b"served-by-%d:" % os.getpid() + request
        conn.sendall(reply)
        fd = conn.fileno()
        conn.close()
        # one write: the children's lines must not interleave
        os.write(1, (json.dumps({"pid": os.getpid(), "fd": fd, "peer": "%s:%d" % peer,
                                 "request": len(request), "reply": len(reply)}) + "\n").encode())
        os._exit(0)
    children.append(pid)
print(json.dumps({"pid": os.getpid(), "port": srv.getsockname()[1],
                  "children": children}), flush=True)
for pid in children:
    os.waitpid(pid, 0)
"""

class PreforkTest(unittest.TestCase):
    def test_each_child_accepts_and_serves_one_connection(self):
        sizes = (11, 3000, 200000)
        requests = [(b"request %d " % i * size)[:size] for i, size in enumerate(sizes)]
        with Tracer("--json-b64") as tracer:
            with Server(PREFORK_SERVER) as server:
                pid, conns = half_close_client(server.first["port"], requests)
                served = {s["pid"]: s for s in server.finish()}
            self.assertEqual(tracer.stop(), 0)
        # Each reply names the child that served it, then echoes the request.
        for conn, request in zip(conns, requests):
            served_by, echoed = base64.b64decode(conn["reply_b64"]).split(b":", 1)
            self.assertEqual(echoed, request)
            conn["served_by"] = int(served_by[len(b"served-by-"):])
        self.assertIn("lost samples 0", tracer.summary()[0])
        events = tracer.events()
        self.assertEqual(sorted(c["served_by"] for c in conns),
                         sorted(server.first["children"]))
        self.assertEqual(sorted(served), sorted(server.first["children"]))
        self.assertEqual(tcp(events, event="accept", pid=server.pid), [])

        for i, conn in enumerate(conns):
            child = served[conn["served_by"]]
            self.assertEqual((child["peer"], child["request"], child["reply"]),
                             (conn["local"], conn["sent"], conn["recv"]))
            # The child's own accept on the inherited listener, with the peer.
            (accept,) = tcp(events, event="accept", pid=child["pid"])
            self.assertEqual((accept["fd"], accept["result"], accept["remote"], accept["role"]),
                             (child["fd"], child["fd"], conn["local"], "server"))
            data = tcp(events, event="data", pid=child["pid"], fd=child["fd"])
            self.assertEqual((total(data, "recv"), total(data, "send")),
                             (conn["sent"], conn["recv"]))
            self.assertEqual({(e["role"], e["remote"], e["adopted"]) for e in data},
                             {("server", conn["local"], False)})
            # Every captured excerpt is the payload at its stream position.
            request = requests[i]
            reply = b"served-by-%d:" % child["pid"] + request
            for e in data:
                wire = request if e["direction"] == "recv" else reply
                self.assertEqual(base64.b64decode(e["data_b64"]),
                                 wire[e["pos"]:e["pos"] + e["captured"]], e)
                self.assertGreater(e["captured"], 0)
            (close,) = tcp(events, event="close", pid=child["pid"], fd=child["fd"])
            self.assertEqual((close["bytes_sent"], close["bytes_recv"], close["process_exited"],
                              close["remote"]),
                             (conn["recv"], conn["sent"], False, conn["local"]))
            # The client's end of the same connection.
            mine = tcp(events, event="data", pid=pid, fd=conn["fd"])
            self.assertEqual((total(mine, "send"), total(mine, "recv")),
                             (conn["sent"], conn["recv"]))
            (client_close,) = tcp(events, event="close", pid=pid, fd=conn["fd"])
            self.assertEqual((client_close["bytes_sent"], client_close["bytes_recv"]),
                             (conn["sent"], conn["recv"]))


if __name__ == "__main__":
    unittest.main()
