"""AMQP 0-9-1 decoding with a real rabbitmq-server: a scripted pika session
(declare, publish, get, consume, ack, a missing queue, a 1 MiB message and a
small one after it), the same traffic seen from the server's side (its large
writes captured in part), two channels whose replies interleave on a raw
socket, and rabbitmq-c's amqp-tools. Every value asserted is what the client
itself reported. One broker serves the whole module (it takes 10-20 s to
start on a small machine); each tracer is filtered to its client's comm or
the broker's pid so that other traffic cannot change the counts."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from peers import free_port, wait_for_port
from tracer import Tracer, require_root, select

require_root()

PYTHON = "/usr/bin/python3"  # Debian's, with python3-pika
START_TIMEOUT = 60

# The pika session: prints what pika reported, as JSON.
PIKA_SESSION = r"""
import ctypes, json, os, sys, time
import pika
ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
port, queue, pause = int(sys.argv[1]), sys.argv[3], float(sys.argv[4])
out = {"pid": os.getpid()}
conn = pika.BlockingConnection(pika.ConnectionParameters(
    host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"),
    heartbeat=0))
out["server_product"] = conn._impl.server_properties["product"].decode() \
    if isinstance(conn._impl.server_properties["product"], bytes) \
    else conn._impl.server_properties["product"]
out["frame_max"] = conn._impl.params.frame_max
ch = conn.channel()
r = ch.queue_declare(queue)
out["declare"] = [r.method.queue, r.method.message_count, r.method.consumer_count]
bodies = [b"a" * 5, b"b" * 10, b"c" * 20]
for b in bodies:
    ch.basic_publish("", queue, b)
r = ch.queue_declare(queue, passive=True)
out["declare_passive"] = [r.method.message_count, r.method.consumer_count]
m, props, body = ch.basic_get(queue)
while m is None:  # the publishes reach the queue asynchronously
    m, props, body = ch.basic_get(queue)
out["get"] = [m.delivery_tag, m.message_count, len(body)]
got = []
def on_message(chan, method, props, body):
    got.append([method.consumer_tag, method.delivery_tag, method.routing_key, len(body)])
    chan.basic_ack(method.delivery_tag)
    if len(got) == 2:
        chan.stop_consuming()
out["consumer_tag"] = ch.basic_consume(queue, on_message)
ch.start_consuming()
out["deliveries"] = got
ch.basic_ack(m.delivery_tag)
ch2 = conn.channel()
try:
    ch2.queue_declare(queue + "-missing", passive=True)
except pika.exceptions.ChannelClosedByBroker as e:
    out["missing"] = [e.reply_code, e.reply_text]
ch3 = conn.channel()
ch3.basic_publish("", queue, b"L" * (1 << 20))
time.sleep(pause)  # the broker's side: its reads of the big one end before the next
ch3.basic_publish("", queue, b"s" * 7)
m, props, body = ch3.basic_get(queue, auto_ack=True)
while m is None:
    m, props, body = ch3.basic_get(queue, auto_ack=True)
out["get_large"] = [m.delivery_tag, m.message_count, len(body)]
m, props, body = ch3.basic_get(queue, auto_ack=True)
while m is None:
    m, props, body = ch3.basic_get(queue, auto_ack=True)
out["get_small"] = [m.delivery_tag, m.message_count, len(body)]
out["get_empty"] = ch3.basic_get(queue)[0] is None
ch3.queue_delete(queue)
conn.close()
print(json.dumps(out))
"""

# Two channels on a raw socket: one write carries a queue.declare on each,
# and the broker answers each channel on its own (in either order).
RAW_CHANNELS = r"""
import ctypes, json, os, socket, struct, sys
ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)
port, queue = int(sys.argv[1]), sys.argv[3]
sock = socket.create_connection(("127.0.0.1", port))
buf = b""

def frame(kind, channel, payload):
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"

def method(channel, cls, mid, args=b""):
    return frame(1, channel, struct.pack(">HH", cls, mid) + args)

def short(s):
    return bytes([len(s)]) + s

def read_method():
    global buf
    while True:
        while len(buf) < 7 or len(buf) < 8 + struct.unpack(">I", buf[3:7])[0]:
            data = sock.recv(65536)
            if not data:
                raise EOFError
            buf += data
        kind, channel, size = struct.unpack(">BHI", buf[:7])
        payload, buf = buf[7:7 + size], buf[8 + size:]
        if kind == 1:
            return channel, struct.unpack(">HH", payload[:4]), payload[4:]

sock.sendall(b"AMQP\x00\x00\x09\x01")
read_method()  # connection.start
sock.sendall(method(0, 10, 11, b"\x00\x00\x00\x00" + short(b"PLAIN") +
                    struct.pack(">I", 12) + b"\x00guest\x00guest" + short(b"en_US")))
read_method()  # connection.tune
sock.sendall(method(0, 10, 31, struct.pack(">HIH", 2047, 131072, 0)))
sock.sendall(method(0, 10, 40, short(b"/") + short(b"") + b"\x00"))
read_method()  # open-ok
for ch in (1, 2):
    sock.sendall(method(ch, 20, 10, short(b"")))
    read_method()
# ch1: declare a durable queue (a disk write); ch2: a passive declare of a
# queue that does not exist (a channel.close); in one write.
sock.sendall(method(1, 50, 10, b"\x00\x00" + short(queue.encode()) + b"\x02\x00\x00\x00\x00") +
             method(2, 50, 10, b"\x00\x00" + short(queue.encode() + b"-missing") +
                    b"\x01\x00\x00\x00\x00"))
order = []
replies = {}
for _ in range(2):
    channel, (cls, mid), args = read_method()
    order.append(channel)
    replies[channel] = [cls, mid]
sock.sendall(method(2, 20, 41))  # channel.close-ok
sock.sendall(method(1, 50, 40, b"\x00\x00" + short(queue.encode()) + b"\x00"))
read_method()  # delete-ok
sock.sendall(method(0, 10, 50, struct.pack(">H", 200) + short(b"bye") + b"\x00\x00\x00\x00"))
read_method()  # close-ok
sock.close()
print(json.dumps({"pid": os.getpid(), "order": order, "replies": replies}))
"""


class RabbitMQ:
    """rabbitmq-server in a temporary directory, with its own epmd, on free
    loopback ports; stopped (its process group and the epmd) at the end."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="st-rabbit-")
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        os.makedirs(os.path.join(self.tmp, "mnesia"))
        os.makedirs(os.path.join(self.tmp, "log"))
        with open(os.path.join(self.tmp, "plugins"), "w") as f:
            f.write("[].\n")
        with open(os.path.join(self.tmp, "conf.conf"), "w") as f:
            f.write("listeners.tcp.default = 127.0.0.1:%d\nloopback_users = none\n" % self.port)
        env = dict(os.environ, HOME=self.tmp, ERL_EPMD_PORT=str(self.epmd_port),
                   RABBITMQ_NODENAME="st%d@localhost" % os.getpid(),
                   RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                   RABBITMQ_DIST_PORT=str(self.dist_port),
                   RABBITMQ_MNESIA_BASE=os.path.join(self.tmp, "mnesia"),
                   RABBITMQ_LOG_BASE=os.path.join(self.tmp, "log"),
                   RABBITMQ_CONFIG_FILE=os.path.join(self.tmp, "conf"),
                   RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.tmp, "plugins"))
        self.log = open(os.path.join(self.tmp, "server.out"), "w")
        self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port)],
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        self.proc = None
        try:
            wait_for_port(self.epmd_port, timeout=10, proc=self.epmd)
            self.proc = subprocess.Popen(["/usr/lib/rabbitmq/bin/rabbitmq-server"], env=env,
                                         cwd=self.tmp, stdout=self.log, stderr=self.log,
                                         start_new_session=True)
            self.started = time.time()
            wait_for_port(self.port, timeout=START_TIMEOUT, proc=self.proc)
            self.startup_seconds = time.time() - self.started
        except BaseException:
            self.stop()
            raise

    def beam_pid(self):
        """The broker's VM (the process that owns the listening socket)."""
        out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % self.port], capture_output=True,
                             text=True, check=True).stdout
        return int(out.split("pid=")[1].split(",")[0])

    def stop(self):
        for proc in (self.proc, self.epmd):
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_peer(code, *args, timeout=60):
    proc = subprocess.run([PYTHON, "-c", code] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError("peer failed: %s" % proc.stderr)
    return json.loads(proc.stdout)


def exchanges(events, **fields):
    return select(events, event="exchange", protocol="amqp", **fields)


def method_of(message):
    return message.get("method") if message else None


def summary_partial(tracer):
    """The exit summary's count of messages not decoded whole."""
    for line in tracer.stderr_lines:
        if " exchanges; messages not decoded whole " in line:
            return int(line.split("messages not decoded whole ")[1].split(" ")[0])
    raise AssertionError("no exchange summary: %s" % tracer.stderr)


class Amqp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = RabbitMQ()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def pika_session(self, tracer_args, comm, queue, pause=0):
        with Tracer(*tracer_args) as tracer:
            out = run_peer(PIKA_SESSION, self.broker.port, comm, queue, pause)
            self.assertEqual(tracer.stop(), 0)
        return tracer, out

    def check_pika_session(self, found, out, queue, server_side):
        """The exchanges of PIKA_SESSION against what pika reported."""
        pairs = [(method_of(e["request"]), method_of(e["response"])) for e in found]
        expected = [
            ("protocol_header", "connection.start"),
            ("connection.start-ok", "connection.tune"),
            ("connection.tune-ok", None),
            ("connection.open", "connection.open-ok"),
            ("channel.open", "channel.open-ok"),
            ("queue.declare", "queue.declare-ok"),
            ("basic.publish", None), ("basic.publish", None), ("basic.publish", None),
            ("queue.declare", "queue.declare-ok"),
        ]
        at = len(expected)
        self.assertEqual(pairs[:at], expected)
        while pairs[at] == ("basic.get", "basic.get-empty"):  # the queue not filled yet
            at += 1
        rest = [
            ("basic.get", "basic.get-ok"),
            ("basic.consume", "basic.consume-ok"),
            ("basic.deliver", None), ("basic.deliver", None),
            ("basic.ack", None), ("basic.ack", None),
            ("basic.cancel", "basic.cancel-ok"),
            ("basic.ack", None),
            ("channel.open", "channel.open-ok"),
            ("queue.declare", "channel.close"),
            ("channel.close-ok", None),
            ("channel.open", "channel.open-ok"),
            ("basic.publish", None), ("basic.publish", None),
        ]
        # pika's consume loop and its acks may interleave with the deliveries.
        got = pairs[at:at + len(rest)]
        self.assertEqual(sorted(map(str, got)), sorted(map(str, rest)), pairs)
        by = {}
        for e in found[at:at + len(rest)]:
            by.setdefault(method_of(e["request"]), []).append(e)
        at += len(rest)
        while pairs[at] == ("basic.get", "basic.get-empty"):
            at += 1
        self.assertEqual(pairs[at], ("basic.get", "basic.get-ok"))
        large = found[at]
        at += 1
        while pairs[at] == ("basic.get", "basic.get-empty"):
            at += 1
        self.assertEqual(pairs[at:], [
            ("basic.get", "basic.get-ok"),
            ("basic.get", "basic.get-empty"),
            ("queue.delete", "queue.delete-ok"),
            ("channel.close", "channel.close-ok"),
            ("channel.close", "channel.close-ok"),
            ("connection.close", "connection.close-ok"),
        ])
        small = found[at]

        for e in found:
            self.assertNotIn("partial", e["request"] or {}, e)
            self.assertNotIn("partial", e["response"] or {}, e)
            if e.get("alone"):
                self.assertIsNone(e["response"])
                self.assertIsNone(e["latency_ns"])
            else:
                self.assertIsNotNone(e["response"], e)
                self.assertGreater(e["latency_ns"], 0)
                self.assertEqual(e["request"].get("channel", 0),
                                 e["response"]["channel"], e)

        start = found[0]["response"]
        self.assertEqual(start["server_product"], out["server_product"])
        self.assertEqual(start["mechanisms"].split(), ["AMQPLAIN", "PLAIN"])
        start_ok = found[1]["request"]
        self.assertEqual((start_ok["mechanism"], start_ok["response"], start_ok["response_len"]),
                         ("PLAIN", "***", 12))
        self.assertEqual(found[1]["response"]["frame_max"], out["frame_max"])
        declare = found[5]
        self.assertEqual(declare["request"]["queue"], queue)
        self.assertEqual([declare["response"][k] for k in
                          ("queue", "message_count", "consumer_count")], out["declare"])
        publishes = found[6:9]
        self.assertEqual([e["request"]["body_size"] for e in publishes], [5, 10, 20])
        for e, size in zip(publishes, [5, 10, 20]):
            self.assertTrue(e["alone"])
            self.assertEqual(e["request"]["routing_key"], queue)
            # method frame, header frame, one body frame
            self.assertEqual(e["request_bytes"], (8 + 4 + 2 + 1 + 1 + len(queue) + 1)
                             + (8 + 14) + (8 + size))
        passive = found[9]
        self.assertEqual(passive["request"]["flags"], ["passive"])
        self.assertEqual([passive["response"][k] for k in ("message_count", "consumer_count")],
                         out["declare_passive"])
        get = next(e for e in found if method_of(e["response"]) == "basic.get-ok")
        self.assertEqual([get["response"][k] for k in
                          ("delivery_tag", "message_count", "body_size")], out["get"])
        consume = by["basic.consume"][0]
        self.assertEqual(consume["response"]["consumer_tag"], out["consumer_tag"])
        deliveries = [e["request"] for e in by["basic.deliver"]]
        self.assertEqual([[d["consumer_tag"], d["delivery_tag"], d["routing_key"], d["body_size"]]
                          for d in deliveries], out["deliveries"])
        for d in deliveries:
            self.assertEqual(d["sender"], "server")
        self.assertEqual(sorted(e["request"]["delivery_tag"] for e in by["basic.ack"]),
                         sorted([d[1] for d in out["deliveries"]] + [out["get"][0]]))
        missing = by["queue.declare"][0]
        self.assertEqual(missing["request"]["queue"], queue + "-missing")
        self.assertEqual(missing["request"]["flags"], ["passive"])
        close = missing["response"]
        self.assertEqual([close["reply_code"], close["reply_text"]], out["missing"])
        self.assertEqual((close["reply_code_name"], close["failing_method"]),
                         ("NOT_FOUND", "queue.declare"))
        big_publish, small_publish = by["basic.publish"]
        self.assertEqual((big_publish["request"]["body_size"],
                          small_publish["request"]["body_size"]), (1 << 20, 7))
        chunk = out["frame_max"] - 8
        frames = -(-(1 << 20) // chunk)
        self.assertEqual(big_publish["request"]["body_frames"], frames)
        self.assertEqual(big_publish["request_bytes"],
                         (8 + 4 + 2 + 1 + 1 + len(queue) + 1) + (8 + 14) + 8 * frames + (1 << 20))
        self.assertEqual([large["response"][k] for k in
                          ("delivery_tag", "message_count", "body_size")], out["get_large"])
        self.assertEqual(large["response"]["body_frames"], frames)
        self.assertEqual(large["response_bytes"], 8 + 4 + 8 + 1 + 1 + 1 + len(queue) + 4
                         + (8 + 14) + 8 * frames + (1 << 20))
        self.assertEqual(large["request"]["flags"], ["no_ack"])
        self.assertEqual([small["response"][k] for k in
                          ("delivery_tag", "message_count", "body_size")], out["get_small"])
        self.assertTrue(out["get_empty"])
        if server_side:
            # RabbitMQ writes the 1 MiB get-ok in large writes, captured to
            # 4 KiB each: its frames after the capture were skipped by layout.
            self.assertTrue(large["response"].get("body_frames_predicted"))

    def test_pika_session(self):
        comm, queue = "st-amqp-pika", "st-queue-%d" % os.getpid()
        tracer, out = self.pika_session(["-c", comm], comm, queue)
        events = tracer.events()
        found = exchanges(events, pid=out["pid"])
        self.check_pika_session(found, out, queue, server_side=False)
        self.assertEqual(summary_partial(tracer), 0)
        # The PLAIN response is masked in the data lines too.
        data = select(events, event="data", pid=out["pid"])
        self.assertTrue(data)
        self.assertFalse([e for e in data if "guest" in e.get("data", "")])
        self.assertTrue([e for e in data if "PLAIN" in e["data"] and "************" in e["data"]])

    def test_server_side(self):
        # The same session seen from RabbitMQ's side: it writes a 1 MiB
        # get-ok in writes far larger than the 4 KiB captured of each.
        comm, queue = "st-amqp-srv", "st-queue-srv-%d" % os.getpid()
        # RabbitMQ reads far more than 4 KiB at a time: a read that held the
        # end of the 1 MiB publish and the next publish would lose the next
        # one's framing (the engine's limit for bytes not captured), so the
        # client waits before it.
        tracer, out = self.pika_session(["-p", str(self.broker.beam_pid())], comm, queue,
                                        pause=0.3)
        events = tracer.events()
        # The broker's side of the pika connection: the one whose first
        # exchange is the protocol header of pika's connect.
        conns = {}
        for e in exchanges(events):
            conns.setdefault((e["pid"], e["fd"]), []).append(e)
        found = [c for c in conns.values() if any(
            (x["request"] or {}).get("queue") == queue for x in c)]
        self.assertEqual(len(found), 1, list(conns))
        self.check_pika_session(found[0], out, queue, server_side=True)
        for e in found[0]:
            self.assertEqual(e["role"], "server")

    def test_channels_interleaved(self):
        comm, queue = "st-amqp-raw", "st-queue-raw-%d" % os.getpid()
        with Tracer("-c", comm) as tracer:
            out = run_peer(RAW_CHANNELS, self.broker.port, comm, queue)
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(tracer.events(), pid=out["pid"])
        pairs = [(method_of(e["request"]), (e["request"] or {}).get("channel"),
                  method_of(e["response"])) for e in found]
        declares = [p for p in pairs if p[0] == "queue.declare"]
        # Whichever channel the broker answered first, each pairs with its own.
        self.assertEqual(sorted(declares), [("queue.declare", 1, "queue.declare-ok"),
                                            ("queue.declare", 2, "channel.close")])
        self.assertEqual(out["replies"], {"1": [50, 11], "2": [20, 40]})
        ok = next(e for e in found if method_of(e["response"]) == "queue.declare-ok")
        self.assertEqual((ok["request"]["queue"], ok["request"]["flags"], ok["response"]["queue"]),
                         (queue, ["durable"], queue))
        close = next(e for e in found if method_of(e["response"]) == "channel.close")
        self.assertEqual(close["response"]["reply_code"], 404)
        # The order the replies came in, as the client read them, is the
        # order of the exchanges.
        self.assertEqual([p[1] for p in pairs if p[0] == "queue.declare"], out["order"])
        self.assertIn(("connection.close", 0, "connection.close-ok"), pairs)
        self.assertIn(("channel.close-ok", 2, None), pairs)

    def test_amqp_tools(self):
        # rabbitmq-c's command-line tools: declare, publish, get.
        queue = "st-tools-%d" % os.getpid()
        url = "amqp://guest:guest@127.0.0.1:%d" % self.broker.port
        with Tracer("-c", "amqp-declare-qu", "-c", "amqp-publish", "-c", "amqp-get",
                    "--protocol", "amqp") as tracer:
            declared = subprocess.run(["amqp-declare-queue", "-u", url, "-q", queue],
                                      capture_output=True, text=True, timeout=30, check=True)
            subprocess.run(["amqp-publish", "-u", url, "-r", queue, "-b", "hello tools"],
                           capture_output=True, timeout=30, check=True)
            got = subprocess.run(["amqp-get", "-u", url, "-q", queue], capture_output=True,
                                 text=True, timeout=30, check=True)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(declared.stdout.strip(), queue)
        self.assertEqual(got.stdout, "hello tools")
        events = tracer.events()
        self.assertEqual({e.get("protocol") for e in events if e["event"] == "exchange"},
                         {"amqp"})
        by_comm = {}
        for e in exchanges(events):
            by_comm.setdefault(e["comm"], []).append(e)
        declare = [e for e in by_comm["amqp-declare-qu"]
                   if method_of(e["request"]) == "queue.declare"]
        self.assertEqual(len(declare), 1)
        self.assertEqual(declare[0]["response"]["queue"], queue)
        publish = [e for e in by_comm["amqp-publish"] if method_of(e["request"]) == "basic.publish"]
        self.assertEqual([(p["request"]["routing_key"], p["request"]["body_size"]) for p in publish],
                         [(queue, len("hello tools"))])
        get = [e for e in by_comm["amqp-get"] if method_of(e["request"]) == "basic.get"]
        self.assertEqual(len(get), 1)
        self.assertEqual((get[0]["response"]["method"], get[0]["response"]["body_size"],
                          get[0]["response"]["message_count"]), ("basic.get-ok", 11, 0))
        for comm, found in by_comm.items():
            self.assertEqual(method_of(found[0]["request"]), "protocol_header", comm)
            self.assertEqual(method_of(found[-1]["request"]), "connection.close", comm)
            self.assertEqual(method_of(found[-1]["response"]), "connection.close-ok", comm)


if __name__ == "__main__":
    unittest.main()
