"""Redis decoding with a real redis-server: interactive redis-cli, deep
pipelines, requests and replies far larger than the capture, pub/sub pushes
and masked credentials. Each tracer is filtered by its client's comm so that
other traffic on the machine cannot change the counts."""

import os
import subprocess
import unittest

from peers import Process, RedisServer, free_port, wait_for_port
from tracer import Server, Tracer, require_root, run_python, select

require_root()

# A RESP client on a raw socket that counts the bytes of every request and
# reply exactly; imported by each peer below through exec().
RESP_CLIENT = r"""
import ctypes, json, os, socket, sys

def set_comm(name):
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c

def command(*words):
    out = [b"*%d\r\n" % len(words)]
    for w in words:
        w = w if isinstance(w, bytes) else str(w).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(w), w))
    return b"".join(out)

class Conn:
    def __init__(self, port, send_chunk=None, recv_size=65536):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.send_chunk, self.recv_size = send_chunk, recv_size
        self.buf, self.pos, self.consumed = bytearray(), 0, 0

    def send(self, data):
        step = self.send_chunk or len(data)
        for at in range(0, len(data), step):
            self.sock.sendall(data[at:at + step])
        return len(data)

    def _fill(self):
        if self.pos > 1 << 20:
            del self.buf[:self.pos]
            self.pos = 0
        data = self.sock.recv(self.recv_size)
        if not data:
            raise EOFError
        self.buf += data

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos:end])
                self.consumed += end + 2 - self.pos
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        self.consumed += n
        return data

    def _value(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in b"+-:,(#":
            return rest.decode()
        if kind == b"_":
            return None
        if kind in b"$=!":
            n = int(rest)
            return None if n < 0 else self._exact(n + 2)[:-2].decode("latin-1")
        if kind in b"*~>%":
            n = int(rest) * (2 if kind == b"%" else 1)
            return None if n < 0 else [self._value() for _ in range(n)]
        raise ValueError(line)

    def reply(self):
        # One reply: (value, its exact size in bytes).
        start = self.consumed
        value = self._value()
        return value, self.consumed - start
"""

# RPUSH of 8000 values (~136 KB), LRANGE of the whole list (~136 KB), PING,
# on one connection, each waiting for its reply.
BIG_CLIENT = RESP_CLIENT + r"""
port, comm, chunk, recv_size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
set_comm(comm)
conn = Conn(port, send_chunk=chunk or None, recv_size=recv_size)
out = {"pid": os.getpid(), "sent": [], "received": [], "values": []}
values = ["value-%04d" % i for i in range(8000)]
for words in (["RPUSH", "biglist"] + values, ["LRANGE", "biglist", "0", "-1"], ["PING"]):
    out["sent"].append(conn.send(command(*words)))
    value, size = conn.reply()
    out["received"].append(size)
    out["values"].append(value if not isinstance(value, list) else len(value))
conn.sock.close()
print(json.dumps(out))
"""

# SUBSCRIBE chan1 chan2, then (after the test publishes) one message,
# UNSUBSCRIBE everything, PING.
SUBSCRIBER = RESP_CLIENT + r"""
port, comm = int(sys.argv[1]), sys.argv[2]
set_comm(comm)
conn = Conn(port)
out = {"pid": os.getpid(), "sent": [], "received": []}
out["sent"].append(conn.send(command("SUBSCRIBE", "chan1", "chan2")))
sizes = [conn.reply()[1] for _ in range(2)]
out["received"].append(sum(sizes))
print(json.dumps({"ready": True}), flush=True)
message, size = conn.reply()
out["message"], out["message_bytes"] = message, size
out["sent"].append(conn.send(command("UNSUBSCRIBE")))
confirmations = [conn.reply() for _ in range(2)]
out["received"].append(sum(size for _, size in confirmations))
out["sent"].append(conn.send(command("PING")))
value, size = conn.reply()
out["received"].append(size)
out["pong"] = value
conn.sock.close()
print(json.dumps(out))
"""

# AUTH, HELLO 3 with AUTH, PING against a server with requirepass.
AUTH_CLIENT = RESP_CLIENT + r"""
port, comm, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
set_comm(comm)
conn = Conn(port)
out = {"pid": os.getpid(), "replies": []}
for words in (["AUTH", password], ["HELLO", "3", "AUTH", "default", password], ["PING"]):
    conn.send(command(*words))
    value, _ = conn.reply()
    out["replies"].append(value if not isinstance(value, list) else len(value))
conn.sock.close()
print(json.dumps(out))
"""


class RedisAuthServer(Process):
    """redis-server that wants a password."""

    def __init__(self, password):
        self.port = free_port()
        super().__init__(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--requirepass", password])
        wait_for_port(self.port, proc=self.proc)


def exchanges(events, **fields):
    return select(events, event="exchange", protocol="redis", **fields)


def command_of(exchange):
    return exchange["request"]["command"] if exchange["request"] else None


class Redis(unittest.TestCase):
    def test_interactive_cli_session_pairs_command_docs(self):
        # redis-cli on a terminal (script gives it one; TERM=dumb keeps its line
        # editor from asking the terminal for the cursor) starts by sending
        # COMMAND DOCS, whose reply (~170 KB) is far more than the 4 KiB
        # captured per read.
        lines = b"SET a 1\nGET a\nMULTI\nINCR n\nEXEC\nLRANGE nolist 0 -1\nPING\n"
        with RedisServer() as server, Tracer("-c", "redis-cli") as tracer:
            subprocess.run(["script", "-qfec", "redis-cli -p %d" % server.port, "/dev/null"],
                           input=lines, env=dict(os.environ, TERM="dumb"), check=True,
                           capture_output=True, timeout=30)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        found = exchanges(events)
        self.assertEqual([command_of(e) for e in found],
                         ["COMMAND", "SET", "GET", "MULTI", "INCR", "EXEC", "LRANGE", "PING"])
        for e in found:
            self.assertIsNotNone(e["request"], e)
            self.assertIsNotNone(e["response"], e)
            self.assertNotIn("push", e)
        docs = found[0]
        self.assertEqual(docs["request"]["args"], ["DOCS"])
        self.assertEqual(docs["response"]["reply_type"], "array")
        self.assertGreater(docs["response"]["n_elements"], 300)
        self.assertGreater(docs["response_bytes"], 100000)
        self.assertTrue(docs["response"].get("partial"))  # 4 KiB of each 16 KiB read
        self.assertEqual([(e["response"]["reply_type"], e["response"]["reply"]) for e in found[1:5]],
                         [("status", "OK"), ("bulk", "1"), ("status", "OK"), ("status", "QUEUED")])
        self.assertEqual((found[5]["response"]["n_elements"], found[5]["response"]["elements"]),
                         (1, ["1"]))
        self.assertEqual((found[6]["response"]["reply_type"], found[6]["response"]["n_elements"]),
                         ("array", 0))
        self.assertEqual(found[7]["response"]["reply"], "PONG")
        # Sizes: every byte redis-cli sent and received, in exactly one message.
        pid = found[0]["pid"]
        data = select(events, event="data", pid=pid)
        self.assertEqual(sum(e["request_bytes"] for e in found),
                         sum(e["bytes"] for e in data if e["direction"] == "send"))
        self.assertEqual(sum(e["response_bytes"] for e in found),
                         sum(e["bytes"] for e in data if e["direction"] == "recv"))

    def test_benchmark_pipeline_of_50_pairs_every_request(self):
        with RedisServer() as server, \
                Tracer("-c", "redis-benchmark", "--exchanges-only") as tracer:
            subprocess.run(["redis-benchmark", "-p", str(server.port), "-P", "50", "-n", "4000",
                            "-t", "set,get", "-c", "1", "-q"], check=True, capture_output=True,
                           timeout=60)
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(tracer.events())
        self.assertEqual([e for e in found if not e["request"] or not e["response"]], [])
        sets = [e for e in found if command_of(e) == "SET"]
        gets = [e for e in found if command_of(e) == "GET"]
        self.assertEqual((len(sets), len(gets)), (4000, 4000))
        self.assertEqual({(e["response"]["reply_type"], e["response"]["reply"]) for e in sets},
                         {("status", "OK")})
        self.assertEqual({e["response"]["reply_type"] for e in gets}, {"bulk"})
        self.assertEqual({e["response_bytes"] for e in sets}, {5})
        # One connection per test with -c 1.
        self.assertEqual(len({(e["pid"], e["fd"]) for e in sets}), 1)
        self.assertEqual(len({(e["pid"], e["fd"]) for e in gets}), 1)
        summary, _ = tracer.summary()
        self.assertRegex(tracer.stderr, r"requests unpaired for a full queue 0 ")

    def _big_round(self, *tracer_args, chunk=0, recv_size=65536):
        comm = "st-redis-big"
        with RedisServer() as server, \
                Tracer("-c", comm, "--exchanges-only", *tracer_args) as tracer:
            _, out = run_python(BIG_CLIENT, server.port, comm, chunk, recv_size)
            self.assertEqual(tracer.stop(), 0)
        out = out[0]
        self.assertEqual(out["values"], ["8000", 8000, "PONG"])
        found = exchanges(tracer.events(), pid=out["pid"])
        self.assertEqual([command_of(e) for e in found], ["RPUSH", "LRANGE", "PING"])
        self.assertEqual([e["request_bytes"] for e in found], out["sent"])
        self.assertEqual([e["response_bytes"] for e in found], out["received"])
        self.assertGreater(out["sent"][0], 130000)
        self.assertGreater(out["received"][1], 130000)
        return found

    def test_big_request_and_reply_on_one_connection(self):
        # Default capture: the RPUSH and the LRANGE reply lose bytes (4 KiB
        # per syscall kept), pair all the same, with exact sizes.
        found = self._big_round()
        self.assertEqual(found[0]["response"]["reply"], "8000")
        self.assertEqual(found[1]["response"]["reply_type"], "array")
        self.assertEqual(found[1]["response"]["n_elements"], 8000)
        self.assertTrue(found[1]["response"].get("partial"))
        self.assertEqual(found[2]["response"]["reply"], "PONG")
        for e in found:
            self.assertIsNotNone(e["latency_ns"])

    def test_big_request_and_reply_decoded_whole(self):
        # Every byte captured (16 KiB writes and reads, 32 KiB data size):
        # both are parsed to their end, nothing buffered whole.
        found = self._big_round("--data-size", "32768", chunk=16384, recv_size=16384)
        rpush, lrange, ping = (e["request"] for e in found)
        self.assertEqual((rpush["args"], rpush["n_args"]),
                         (["biglist", "value-0000", "value-0001", "value-0002"], 8001))
        self.assertNotIn("partial", rpush)
        reply = found[1]["response"]
        self.assertNotIn("partial", reply)
        self.assertEqual((reply["n_elements"], reply["elements"]),
                         (8000, ["value-0000", "value-0001", "value-0002", "value-0003"]))

    def test_subscribe_publish_shows_push(self):
        comm = "st-redis-sub"
        with RedisServer() as server, Tracer("-c", comm, "--exchanges-only") as tracer:
            subscriber = Server(SUBSCRIBER, server.port, comm)
            self.assertEqual(subscriber.first, {"ready": True})
            subprocess.run(["redis-cli", "-p", str(server.port), "PUBLISH", "chan1", "hello1"],
                           check=True, capture_output=True, timeout=10)
            out = subscriber.finish()[0]
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out["message"], ["message", "chan1", "hello1"])
        found = exchanges(tracer.events(), pid=out["pid"])
        self.assertEqual(len(found), 4, found)
        subscribe, push, unsubscribe, ping = found
        self.assertEqual((command_of(subscribe), subscribe["request"]["args"]),
                         ("SUBSCRIBE", ["chan1", "chan2"]))
        self.assertEqual({k: subscribe["response"][k] for k in ("kind", "confirmations",
                                                                "subscriptions")},
                         {"kind": "subscribe", "confirmations": 2, "subscriptions": 2})
        self.assertIsNone(push["request"])
        self.assertTrue(push["push"])
        self.assertEqual({k: push["response"][k] for k in ("kind", "channel", "pattern",
                                                           "payload")},
                         {"kind": "message", "channel": "chan1", "pattern": None,
                          "payload": "hello1"})
        self.assertEqual(push["response_bytes"], out["message_bytes"])
        self.assertEqual((command_of(unsubscribe), unsubscribe["response"]["confirmations"],
                          unsubscribe["response"]["subscriptions"]), ("UNSUBSCRIBE", 2, 0))
        self.assertEqual((command_of(ping), ping["response"]["reply"]), ("PING", "PONG"))
        paired = [subscribe, unsubscribe, ping]
        self.assertEqual([e["request_bytes"] for e in paired], out["sent"])
        self.assertEqual([e["response_bytes"] for e in paired], out["received"])

    def test_subscribe_publish_human_line(self):
        comm = "st-redis-sub"
        with RedisServer() as server, \
                Tracer("-c", comm, "--exchanges-only", json_output=False) as tracer:
            subscriber = Server(SUBSCRIBER, server.port, comm)
            subprocess.run(["redis-cli", "-p", str(server.port), "PUBLISH", "chan1", "hello1"],
                           check=True, capture_output=True, timeout=10)
            subscriber.finish()
            self.assertEqual(tracer.stop(), 0)
        lines = tracer.stdout_text.decode().splitlines()[1:]
        self.assertEqual(len(lines), 4, lines)
        self.assertRegex(lines[0], r"redis SUBSCRIBE chan1 chan2 -> subscribe confirmed 2, "
                                   r"2 subscriptions  [\d.]+(us|ms)  req \d+B resp 68B$")
        self.assertRegex(lines[1], r'redis \(server push\) -> push message chan1 "hello1"'
                                   r'  req 0B resp 40B$')

    def _auth_round(self, *tracer_args):
        comm, password = "st-redis-auth", "s3cret-Pw"
        with RedisAuthServer(password) as server, Tracer("-c", comm, *tracer_args) as tracer:
            _, out = run_python(AUTH_CLIENT, server.port, comm, password)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out[0]["replies"], ["OK", 14, "PONG"])
        found = exchanges(tracer.events(), pid=out[0]["pid"])
        self.assertEqual([command_of(e) for e in found], ["AUTH", "HELLO", "PING"])
        self.assertEqual(found[1]["response"]["reply_type"], "map")
        return found, tracer.stdout_text.decode(), password

    def test_auth_masked_by_default(self):
        found, text, password = self._auth_round()
        self.assertEqual(found[0]["request"]["args"], ["***"])
        self.assertEqual(found[1]["request"]["args"], ["3", "AUTH", "***", "***"])
        self.assertNotIn(password, text)  # neither in exchanges nor in data events

    def test_auth_shown_with_show_secrets(self):
        found, text, password = self._auth_round("--show-secrets")
        self.assertEqual(found[0]["request"]["args"], [password])
        self.assertEqual(found[1]["request"]["args"], ["3", "AUTH", "default", password])


if __name__ == "__main__":
    unittest.main()
