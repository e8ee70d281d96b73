"""Data events: exact bytes and counts from real clients, shown safely."""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

from tracer import Tracer, Server, require_root, run_python, select

require_root()

# Reads one HTTP request, records exactly what arrived, answers 200.
RECORDING_HTTP_SERVER = r"""
import base64, json, os, socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(json.dumps({"pid": os.getpid(), "port": srv.getsockname()[1]}), flush=True)
conn, _ = srv.accept()
request = b""
while b"\r\n\r\n" not in request:
    request += conn.recv(65536)
body = b"x" * 5000
conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
             + body)
fd = conn.fileno()
conn.close()
print(json.dumps({"fd": fd, "request_b64": base64.b64encode(request).decode()}))
"""

# Sends `size` bytes, reads the reply of `reply` bytes, both ends report fds.
BULK_PAIR = r"""
import json, os, socket, sys, threading
size, reply = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
server_fd = conn.fileno()
def serve():
    got = 0
    while got < size:
        got += len(conn.recv(1 << 20))
    conn.sendall(b"r" * reply)
    conn.close()
t = threading.Thread(target=serve); t.start()
cli.sendall(os.urandom(size))
got = 0
while got < reply:
    got += len(cli.recv(1 << 20))
t.join()
print(json.dumps({"pid": os.getpid(), "client_fd": cli.fileno(), "server_fd": server_fd}))
cli.close()
"""

# sendmsg with several buffers and writev: what the tracer captures must be
# the concatenation, in order; recvmsg/readv on the other end.
GATHER_PAIR = r"""
import json, os, socket
a, b = socket.socketpair()
a.sendmsg([b"alpha-", b"beta-", b"gamma"])
first = b.recvmsg(100)[0]
os.writev(a.fileno(), [b"one ", b"two ", b"three"])
second = os.readv(b.fileno(), [bytearray(7), bytearray(100)])
print(json.dumps({"pid": os.getpid(), "a": a.fileno(), "b": b.fileno()}))
"""

UDP_EXCHANGE = r"""
import json, os, socket
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.1", 0))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); cli.bind(("127.0.0.1", 0))
cli.sendto(b"q" * 37, srv.getsockname())
data, peer = srv.recvfrom(2048)
srv.sendto(b"a" * 501, peer)
cli.recvfrom(2048)
print(json.dumps({"pid": os.getpid(), "server_fd": srv.fileno(), "client_fd": cli.fileno(),
                  "server_port": srv.getsockname()[1], "client_port": cli.getsockname()[1]}))
"""

# sendmmsg/recvmmsg (through libc: Python has no wrapper) of two datagrams,
# and sendfile on TCP: sizes, the first message's bytes, peers.
MMSG_AND_SENDFILE = r"""
import ctypes, json, os, socket, struct, tempfile
from libc_abi import iovec, libc, mmsghdr
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.1", 0))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); cli.bind(("127.0.0.1", 0))
peer = ctypes.create_string_buffer(struct.pack("<H", socket.AF_INET) +
    struct.pack(">H", srv.getsockname()[1]) + socket.inet_aton("127.0.0.1") + bytes(8))
payloads = [ctypes.create_string_buffer(b"first-datagram", 14),
            ctypes.create_string_buffer(b"second!", 7)]
iovs = [iovec(ctypes.cast(p, ctypes.c_void_p), len(p.raw)) for p in payloads]
out = (mmsghdr * 2)()
for i in range(2):
    out[i].hdr.name = ctypes.cast(peer, ctypes.c_void_p)
    out[i].hdr.namelen = 16
    out[i].hdr.iov = ctypes.pointer(iovs[i])
    out[i].hdr.iovlen = 1
assert libc.sendmmsg(cli.fileno(), out, 2, 0) == 2, ctypes.get_errno()
buffers = [ctypes.create_string_buffer(64) for _ in range(2)]
names = [ctypes.create_string_buffer(16) for _ in range(2)]
in_iovs = [iovec(ctypes.cast(b, ctypes.c_void_p), 64) for b in buffers]
got = (mmsghdr * 2)()
for i in range(2):
    got[i].hdr.name = ctypes.cast(names[i], ctypes.c_void_p)
    got[i].hdr.namelen = 16
    got[i].hdr.iov = ctypes.pointer(in_iovs[i])
    got[i].hdr.iovlen = 1
assert libc.recvmmsg(srv.fileno(), got, 2, 0, None) == 2, ctypes.get_errno()
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
sender = socket.create_connection(listener.getsockname())
receiver, _ = listener.accept()
with tempfile.TemporaryFile() as f:
    f.write(b"f" * 3000); f.flush()
    assert os.sendfile(sender.fileno(), f.fileno(), 0, 3000) == 3000
got_file = 0
while got_file < 3000:
    got_file += len(receiver.recv(4096))
pipe_out, pipe_in = os.pipe()
with tempfile.TemporaryFile() as f:
    f.write(b"s" * 2500); f.flush(); f.seek(0)
    assert os.splice(f.fileno(), pipe_in, 2500) == 2500
    assert os.splice(pipe_out, sender.fileno(), 2500) == 2500
spliced_out = 0
while spliced_out < 2500:
    spliced_out += os.splice(receiver.fileno(), pipe_in, 2500 - spliced_out)
assert os.read(pipe_out, 65536) == b"s" * 2500
print(json.dumps({"pid": os.getpid(), "udp_client_fd": cli.fileno(),
                  "udp_server_fd": srv.fileno(), "client_port": cli.getsockname()[1],
                  "server_port": srv.getsockname()[1], "sender_fd": sender.fileno(),
                  "receiver_fd": receiver.fileno()}))
"""

# writev of 64 iovecs, then of 70 (past ST_IOV_MAX), 5 bytes each.
WRITEV_MANY = r"""
import json, os, socket
a, b = socket.socketpair()
first = [b"%04d|" % i for i in range(64)]
second = [b"%04d;" % i for i in range(70)]
assert os.writev(a.fileno(), first) == 320
assert os.writev(a.fileno(), second) == 350
got = 0
while got < 670:
    got += len(b.recv(4096))
print(json.dumps({"fd": a.fileno(), "first": b"".join(first).decode(),
                  "second": b"".join(second).decode()}))
"""

# One sendmmsg of 20 three-byte datagrams.
MMSG_MANY = r"""
import ctypes, json, os, socket
from libc_abi import iovec, libc, mmsghdr
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rx.bind(("127.0.0.1", 0))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); tx.connect(rx.getsockname())
payloads = [ctypes.create_string_buffer(b"m%02d" % i, 3) for i in range(20)]
iovs = [iovec(ctypes.cast(p, ctypes.c_void_p), 3) for p in payloads]
out = (mmsghdr * 20)()
for i in range(20):
    out[i].hdr.iov = ctypes.pointer(iovs[i])
    out[i].hdr.iovlen = 1
assert libc.sendmmsg(tx.fileno(), out, 20, 0) == 20, ctypes.get_errno()
print(json.dumps({"fd": tx.fileno()}))
tx.close()
"""

HOSTILE = (b"\x1b[2J\x1b[31mRED\x1b[0m\x00\x00\x07bell\xff\xfe\xc3\x28 ok \xe2\x82\xac"
           b"\r\n\t\x9b\x08\x7f\xed\xa0\x80 end")
HOSTILE_PAIR = r"""
import base64, json, os, socket, sys
a, b = socket.socketpair()
a.sendall(base64.b64decode(sys.argv[1]))
b.recv(4096)
print(json.dumps({"pid": os.getpid(), "a": a.fileno()}))
"""

# A connection opened before the tracer starts; it writes when told to.
LONG_LIVED = r"""
import json, os, socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
print(json.dumps({"pid": os.getpid(), "fd": cli.fileno(), "port": srv.getsockname()[1]}),
      flush=True)
sys.stdin.readline()
cli.sendall(b"after the tracer started")
conn.recv(100)
cli.close(); conn.close()
"""


def joined(events, field="data_b64"):
    return b"".join(base64.b64decode(e[field]) for e in events)


class DataEvents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tracer = Tracer("--json-b64", "-c", "python3", "-c", "curl")
        with Server(RECORDING_HTTP_SERVER) as server:
            curl = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w",
                                     "%{size_header} %{size_download}",
                                     "http://127.0.0.1:%d/x?y=1" % server.first["port"]],
                                    stdout=subprocess.PIPE)
            out, _ = curl.communicate(timeout=30)
            (recorded,) = server.finish()
        cls.curl = {"pid": curl.pid, "sizes": [int(x) for x in out.split()],
                    "request": base64.b64decode(recorded["request_b64"])}
        cls.bulk_size, cls.bulk_reply = 4 << 20, 1 << 20
        cls.bulk_pid, (cls.bulk,) = run_python(BULK_PAIR, cls.bulk_size, cls.bulk_reply)
        cls.gather_pid, (cls.gather,) = run_python(GATHER_PAIR)
        cls.udp_pid, (cls.udp,) = run_python(UDP_EXCHANGE)
        cls.mmsg_pid, (cls.mmsg,) = run_python(MMSG_AND_SENDFILE)
        cls.mmsg_many = run_python(MMSG_MANY)
        cls.writev_many = run_python(WRITEV_MANY)
        cls.hostile_pid, (cls.hostile,) = run_python(
            HOSTILE_PAIR, base64.b64encode(HOSTILE).decode())
        cls.exit_code = cls.tracer.stop(settle=1.0)
        cls.events = cls.tracer.events()

    def test_clean_exit_nothing_lost(self):
        self.assertEqual(self.exit_code, 0)
        summary, _ = self.tracer.summary()
        self.assertRegex(summary, r"lost samples 0, malformed samples 0")

    def test_summary_ranks_the_bulk_transfer_first(self):
        _, rest = self.tracer.summary()
        rest = rest[rest.index("socket-tracer: top connections by bytes:\n"):]
        # Both ends moved 5 MiB: they share the first two places, in either order.
        top_two = sorted(" ".join(line.split()) for line in rest[1:3])
        expected = sorted([
            "%d python3 fd %d 127.0.0.1:%s sent %dB, recv %dB" % (
                self.bulk_pid, self.bulk["client_fd"], "PORT", self.bulk_size, self.bulk_reply),
            "%d python3 fd %d 127.0.0.1:%s sent %dB, recv %dB" % (
                self.bulk_pid, self.bulk["server_fd"], "PORT", self.bulk_reply, self.bulk_size)])
        self.assertEqual([re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", l) for l in top_two],
                         expected)

    def test_curl_request_bytes_and_response_size(self):
        connect = select(self.events, event="connect", pid=self.curl["pid"], transport="tcp")
        self.assertEqual(len(connect), 1)
        fd = connect[0]["fd"]
        sends = select(self.events, event="data", pid=self.curl["pid"], fd=fd, direction="send")
        self.assertEqual(joined(sends), self.curl["request"])
        self.assertTrue(self.curl["request"].startswith(b"GET /x?y=1 HTTP/1.1\r\n"))
        for e in sends:
            self.assertEqual(e["remote"], connect[0]["remote"])
            self.assertEqual(e["role"], "client")
            self.assertFalse(e["truncated"])
        recvs = select(self.events, event="data", pid=self.curl["pid"], fd=fd, direction="recv")
        self.assertEqual(sum(e["bytes"] for e in recvs), sum(self.curl["sizes"]))
        self.assertEqual(sum(self.curl["sizes"]), 5000 + len(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"))
        # Positions are contiguous: each event starts where the previous ended.
        pos = 0
        for e in recvs:
            self.assertEqual(e["pos"], pos)
            self.assertEqual(e["gap_bytes"], 0)
            pos += e["bytes"]

    def test_bulk_transfer_counts_exact_on_both_ends(self):
        pid = self.bulk_pid
        client_close = select(self.events, event="close", pid=pid, fd=self.bulk["client_fd"])
        server_close = select(self.events, event="close", pid=pid, fd=self.bulk["server_fd"])
        self.assertEqual(len(client_close), 1)
        self.assertEqual(len(server_close), 1)
        self.assertEqual(client_close[0]["bytes_sent"], self.bulk_size)
        self.assertEqual(client_close[0]["bytes_recv"], self.bulk_reply)
        self.assertEqual(server_close[0]["bytes_recv"], self.bulk_size)
        self.assertEqual(server_close[0]["bytes_sent"], self.bulk_reply)
        sends = select(self.events, event="data", pid=pid, fd=self.bulk["client_fd"],
                       direction="send")
        self.assertEqual(sum(e["bytes"] for e in sends), self.bulk_size)
        for e in sends:
            self.assertEqual(e["captured"], min(e["bytes"], 4096))
            self.assertEqual(e["truncated"], e["bytes"] > 4096)

    def test_sendmsg_and_writev_capture_the_concatenation(self):
        pid = self.gather_pid
        sent = select(self.events, event="data", pid=pid, fd=self.gather["a"], direction="send")
        self.assertEqual([(e["syscall"], base64.b64decode(e["data_b64"])) for e in sent],
                         [("sendmsg", b"alpha-beta-gamma"), ("writev", b"one two three")])
        received = select(self.events, event="data", pid=pid, fd=self.gather["b"],
                          direction="recv")
        self.assertEqual([(e["syscall"], base64.b64decode(e["data_b64"])) for e in received],
                         [("recvmsg", b"alpha-beta-gamma"), ("readv", b"one two three")])
        self.assertEqual(received[1]["pos"], 16)
        self.assertEqual(received[0]["transport"], "unix-stream")

    def test_udp_peers_and_sizes(self):
        pid, udp = self.udp_pid, self.udp
        (query,) = select(self.events, event="data", pid=pid, fd=udp["client_fd"],
                          direction="send")
        self.assertEqual((query["syscall"], query["bytes"], query["remote"], query["transport"]),
                         ("sendto", 37, "127.0.0.1:%d" % udp["server_port"], "udp"))
        (arrived,) = select(self.events, event="data", pid=pid, fd=udp["server_fd"],
                            direction="recv")
        self.assertEqual((arrived["syscall"], arrived["bytes"], arrived["remote"]),
                         ("recvfrom", 37, "127.0.0.1:%d" % udp["client_port"]))
        (answer,) = select(self.events, event="data", pid=pid, fd=udp["server_fd"],
                           direction="send")
        self.assertEqual((answer["bytes"], answer["remote"]),
                         (501, "127.0.0.1:%d" % udp["client_port"]))
        (reply,) = select(self.events, event="data", pid=pid, fd=udp["client_fd"],
                          direction="recv")
        self.assertEqual((reply["bytes"], reply["remote"], base64.b64decode(reply["data_b64"])),
                         (501, "127.0.0.1:%d" % udp["server_port"], b"a" * 501))

    def test_mmsg_one_event_per_message(self):
        pid, ids = self.mmsg_pid, self.mmsg
        sent = select(self.events, event="data", pid=pid, fd=ids["udp_client_fd"])
        self.assertEqual([(e["syscall"], e["direction"], e["bytes"], e["captured"], e["pos"],
                           base64.b64decode(e["data_b64"]), e["remote"]) for e in sent],
                         [("sendmmsg", "send", 14, 14, 0, b"first-datagram",
                           "127.0.0.1:%d" % ids["server_port"]),
                          ("sendmmsg", "send", 7, 7, 14, b"second!",
                           "127.0.0.1:%d" % ids["server_port"])])
        received = select(self.events, event="data", pid=pid, fd=ids["udp_server_fd"])
        self.assertEqual([(e["syscall"], e["bytes"], base64.b64decode(e["data_b64"]),
                           e["remote"]) for e in received],
                         [("recvmmsg", 14, b"first-datagram", "127.0.0.1:%d" % ids["client_port"]),
                          ("recvmmsg", 7, b"second!", "127.0.0.1:%d" % ids["client_port"])])

    def test_writev_gathers_every_iovec_up_to_the_limit(self):
        pid, (info,) = self.writev_many
        sent = select(self.events, event="data", pid=pid, fd=info["fd"], direction="send")
        self.assertEqual([(e["syscall"], e["bytes"], e["captured"], e.get("capture_cut"))
                          for e in sent],
                         [("writev", 320, 320, None), ("writev", 350, 320, "iovec-limit")])
        self.assertEqual(sent[0]["data"], info["first"])
        self.assertEqual(sent[1]["data"], info["second"][:320])

    def test_mmsg_past_the_message_limit(self):
        # 20 datagrams in one sendmmsg: 16 reported one by one, the bytes of
        # the last 4 in one event that says why they were not captured.
        pid, (info,) = self.mmsg_many
        sent = select(self.events, event="data", pid=pid, fd=info["fd"])
        self.assertEqual([base64.b64decode(e["data_b64"]) for e in sent[:16]],
                         [b"m%02d" % i for i in range(16)])
        rest = sent[16]
        self.assertEqual((len(sent), rest["bytes"], rest["captured"], rest["capture_cut"],
                          rest["pos"]), (17, 12, 0, "message-limit", 48))
        (close,) = select(self.events, event="close", pid=pid, fd=info["fd"])
        self.assertEqual(close["bytes_sent"], 60)

    def test_sendfile_and_splice_count_bytes_without_capture(self):
        sent = select(self.events, event="data", pid=self.mmsg_pid,
                      fd=self.mmsg["sender_fd"], direction="send")
        self.assertEqual([(e["syscall"], e["bytes"], e["captured"], e["pos"],
                           e.get("capture_cut")) for e in sent],
                         [("sendfile", 3000, 0, 0, "no-buffer"),
                          ("splice", 2500, 0, 3000, "no-buffer")])
        (close,) = select(self.events, event="close", pid=self.mmsg_pid,
                          fd=self.mmsg["sender_fd"])
        self.assertEqual(close["bytes_sent"], 5500)
        # splice out of a TCP socket into a pipe: a receive, counted.
        received = select(self.events, event="data", pid=self.mmsg_pid,
                          fd=self.mmsg["receiver_fd"], direction="recv")
        spliced = [e for e in received if e["syscall"] == "splice"]
        self.assertEqual(sum(e["bytes"] for e in received if e["syscall"] != "splice"), 3000)
        self.assertEqual(sum(e["bytes"] for e in spliced), 2500)
        self.assertTrue(all(e["captured"] == 0 and e["capture_cut"] == "no-buffer" and
                            e["gap_bytes"] == 0 for e in spliced), spliced)
        self.assertEqual(spliced[0]["pos"], 3000)
        (close,) = select(self.events, event="close", pid=self.mmsg_pid,
                          fd=self.mmsg["receiver_fd"])
        self.assertEqual((close["bytes_recv"], close["bytes_sent"]), (5500, 0))

    def test_hostile_payload_in_json(self):
        (sent,) = select(self.events, event="data", pid=self.hostile_pid, fd=self.hostile["a"])
        self.assertEqual(base64.b64decode(sent["data_b64"]), HOSTILE)
        data = sent["data"]
        self.assertTrue(data.startswith("\\x1b[2J\\x1b[31mRED\\x1b[0m\\x00\\x00\\x07bell"), data)
        self.assertIn("\\xff\\xfe\\xc3( ok \u20ac\r\n\t\\x9b\\x08\\x7f\\xed\\xa0\\x80 end",
                      data)
        # No raw control character survives decoding except \r \n \t.
        self.assertFalse(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", data))


class HumanOutput(unittest.TestCase):
    def test_hostile_payload_never_reaches_the_terminal_raw(self):
        with Tracer("-x", "-c", "python3", json_output=False) as tracer:
            run_python(HOSTILE_PAIR, base64.b64encode(HOSTILE).decode())
            self.assertEqual(tracer.stop(), 0)
        out = tracer.stdout_text
        self.assertTrue(re.search(rb"send .* sendto \d+B \"\\x1b\[2J\\x1b\[31mRED", out), out)
        self.assertIsNone(re.search(rb"[\x00-\x09\x0b-\x1f\x7f-\xff]", out))
        header = out.split(b"\n", 1)[0]
        self.assertTrue(header.startswith(b"TIME "))
        # Hex dump of the capture under its line.
        self.assertIn(b"1b 5b 32 4a 1b 5b 33 31", out)


class Truncation(unittest.TestCase):
    def test_short_capture_shows_the_gap_on_the_next_event(self):
        with Tracer("--data-size", "16", "-c", "python3") as tracer:
            pid, (bulk,) = run_python(BULK_PAIR, 100, 10)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        (sent,) = select(events, event="data", pid=pid, fd=bulk["client_fd"], direction="send")
        self.assertEqual((sent["bytes"], sent["captured"], sent["truncated"]), (100, 16, True))
        received = select(events, event="data", pid=pid, fd=bulk["server_fd"], direction="recv")
        self.assertEqual(sum(e["bytes"] for e in received), 100)
        self.assertEqual(received[0]["captured"], 16)
        if len(received) > 1:
            self.assertEqual(received[1]["gap_bytes"], received[1]["pos"] - 16)
            self.assertEqual(received[1]["gap_pos"], 16)


    def test_largest_capture(self):
        with Tracer("--data-size", "30720", "--json-b64", "-c", "python3") as tracer:
            pid, (bulk,) = run_python(BULK_PAIR, 30720, 10)
            self.assertEqual(tracer.stop(), 0)
        sent = select(tracer.events(), event="data", pid=pid, fd=bulk["client_fd"],
                      direction="send")
        self.assertEqual(sum(e["captured"] for e in sent), 30720)
        self.assertTrue(all(not e["truncated"] for e in sent))
        self.assertEqual(sum(len(base64.b64decode(e["data_b64"])) for e in sent), 30720)


class PreexistingConnection(unittest.TestCase):
    def test_traced_from_its_next_write(self):
        peer = subprocess.Popen([sys.executable, "-c", LONG_LIVED], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        info = json.loads(peer.stdout.readline())
        try:
            with Tracer("-p", str(info["pid"])) as tracer:
                peer.stdin.write(b"go\n")
                peer.stdin.flush()
                peer.wait(30)
                self.assertEqual(tracer.stop(), 0)
        finally:
            if peer.poll() is None:
                peer.kill()
            peer.wait()
            peer.stdin.close()
            peer.stdout.close()
        events = tracer.events()
        (sent,) = select(events, event="data", fd=info["fd"], direction="send")
        self.assertEqual(base64.b64decode(sent.get("data_b64", "")) or sent["data"].encode(),
                         b"after the tracer started")
        self.assertTrue(sent["preexisting"])
        self.assertEqual(sent["remote"], "127.0.0.1:%d" % info["port"])
        self.assertEqual(sent["pos"], 0)
        (close,) = select(events, event="close", fd=info["fd"])
        self.assertTrue(close["preexisting"])
        self.assertEqual(close["bytes_sent"], len(b"after the tracer started"))
        self.assertEqual({e["pid"] for e in events}, {info["pid"]})


class NoData(unittest.TestCase):
    def test_no_data_counts_exact_totals(self):
        # --no-data: no data events, and every close says how many bytes
        # the socket moved (a 100 KB upload, a 70 KB reply).
        with Tracer("--no-data") as tracer:
            pid, (info,) = run_python(BULK_PAIR, 100000, 70000)
            self.assertEqual(tracer.stop(), 0)
        events = select(tracer.events(), pid=pid)
        self.assertEqual(select(events, event="data"), [])
        (client,) = select(events, event="close", fd=info["client_fd"], role="client")
        (server,) = select(events, event="close", fd=info["server_fd"], role="server")
        self.assertEqual((client["bytes_sent"], client["bytes_recv"]), (100000, 70000))
        self.assertEqual((server["bytes_sent"], server["bytes_recv"]), (70000, 100000))


if __name__ == "__main__":
    unittest.main()
