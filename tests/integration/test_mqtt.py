"""MQTT decoding with a real mosquitto broker and paho-mqtt clients (run with
Debian's /usr/bin/python3, which has paho): a session at each protocol level
(CONNECT with a password, SUBSCRIBE with one filter refused by the broker's
ACL, PUBLISH at QoS 0, 1 and 2 both ways, PINGREQ, UNSUBSCRIBE, DISCONNECT),
a refused login, a PUBLISH to a topic with a wildcard from a raw socket, and
a 1 MiB PUBLISH followed by a small one. Every value is checked against what
the clients themselves report (paho's mids, granted QoS, return codes, the
bytes the broker sent). Each tracer is filtered by its clients' comm."""

import base64
import hashlib
import json
import os
import subprocess
import unittest

from peers import Process, free_port, wait_for_port
from tracer import Tracer, require_root, select

require_root()

PYTHON = "/usr/bin/python3"  # paho-mqtt is Debian's python3-paho-mqtt
PASSWORD = "s3cret-pw"

# mosquitto's dynamic security plugin: user alice (PASSWORD) and anonymous
# clients may subscribe and publish under test/# and big/#, nothing else.
DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"


def dynsec_config():
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", PASSWORD.encode(), salt, 101, 64)
    acls = [{"acltype": kind, "topic": topic, "priority": 0, "allow": True}
            for topic in ("test/#", "big/#")
            for kind in ("subscribePattern", "publishClientSend", "publishClientReceive")]
    return {
        "defaultACLAccess": {"publishClientSend": False, "publishClientReceive": False,
                             "subscribe": False, "unsubscribe": True},
        "clients": [{"username": "alice", "textname": "", "roles": [{"rolename": "tester"}],
                     "password": base64.b64encode(digest).decode(),
                     "salt": base64.b64encode(salt).decode(), "iterations": 101}],
        "groups": [{"groupname": "anon", "roles": [{"rolename": "tester"}], "clients": []}],
        "roles": [{"rolename": "tester", "acls": acls}],
        "anonymousGroup": "anon",
    }


class Mosquitto(Process):
    def __init__(self):
        import tempfile
        tmp = tempfile.mkdtemp(prefix="st-mqtt-")
        self.port = free_port()
        # mosquitto started as root reads its files as the mosquitto user.
        os.chmod(tmp, 0o755)
        with open(os.path.join(tmp, "dynsec.json"), "w") as f:
            json.dump(dynsec_config(), f)
        os.chmod(os.path.join(tmp, "dynsec.json"), 0o644)
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "plugin %s\nplugin_opt_config_file %s\n"
                    % (self.port, DYNSEC_PLUGIN, os.path.join(tmp, "dynsec.json")))
        super().__init__(["mosquitto", "-c", conf], tmp=tmp)
        wait_for_port(self.port, proc=self.proc)


COMMON = r"""
import ctypes, json, socket, struct, sys, threading, time
import paho.mqtt.client as mqtt
def set_comm(name):
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME, inherited by paho's thread
"""

# One session: CONNECT (alice), SUBSCRIBE test/a QoS 2 + secret/x QoS 1 (refused),
# PUBLISH at QoS 1, 1, 2, 0 (each comes back from the broker), PINGREQ,
# UNSUBSCRIBE, DISCONNECT. The client's first publish (paho's mid 2, after the
# SUBSCRIBE's 1) and the broker's copy of the second (its id 2) share a packet
# id: each side numbers its own from 1.
SESSION = COMMON + r"""
port, level, comm, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
set_comm(comm)
QOS = (1, 1, 2, 0)
out = {"mids": [], "granted": [], "received": []}
step = threading.Event()
def on_connect(c, u, flags, rc, props=None):
    out["connack"] = rc if isinstance(rc, int) else rc.value
    step.set()
def on_subscribe(c, u, mid, granted, props=None):
    out["subscribe_mid"] = mid
    out["granted"] = [g if isinstance(g, int) else g.value for g in granted]
    step.set()
def on_unsubscribe(c, u, mid, *rest):
    out["unsubscribe_mid"] = mid
    step.set()
def on_message(c, u, m):
    out["received"].append({"topic": m.topic, "qos": m.qos, "mid": m.mid,
                            "payload": m.payload.decode()})
kw = {"client_id": "st-session-%d" % level,
      "protocol": mqtt.MQTTv5 if level == 5 else mqtt.MQTTv311}
if level != 5:
    kw["clean_session"] = True
c = mqtt.Client(**kw)
c.username_pw_set("alice", password)
c.on_connect, c.on_subscribe, c.on_unsubscribe, c.on_message = (
    on_connect, on_subscribe, on_unsubscribe, on_message)
c.on_publish = lambda c, u, mid: out["mids"].append(mid)
c.connect("127.0.0.1", port, keepalive=30)
c.loop_start()
assert step.wait(10); step.clear()
if out["connack"] == 0:
    c.subscribe([("test/a", 2), ("secret/x", 1)])
    assert step.wait(10); step.clear()
    out["published"] = []
    for i, qos in enumerate(QOS):
        info = c.publish("test/a", b"message %d q%d" % (i, qos), qos=qos)
        info.wait_for_publish()
        out["published"].append(info.mid)
    deadline = time.time() + 10
    while len(out["received"]) < len(QOS) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    c._send_pingreq()
    time.sleep(0.3)
    c.unsubscribe("test/a")
    assert step.wait(10); step.clear()
c.disconnect()
c.loop_stop()
print(json.dumps(out))
"""

# A raw client: CONNECT, then PUBLISH QoS 1 id 7 to "test/+" (a wildcard in a
# topic name); what the broker sent after it, until it closes or 3 s pass.
RAW_BAD_TOPIC = COMMON + r"""
port, level, comm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
set_comm(comm)
def varint(n):
    out = b""
    while True:
        b, n = n & 127, n >> 7
        out += bytes([b | (128 if n else 0)])
        if not n:
            return out
def string(b):
    return struct.pack(">H", len(b)) + b
def packet(first, body):
    return bytes([first]) + varint(len(body)) + body
props = b"\x00" if level == 5 else b""
conn = socket.create_connection(("127.0.0.1", port))
conn.sendall(packet(0x10, string(b"MQTT") + bytes([level, 0x02]) + struct.pack(">H", 30)
                    + props + string(b"st-raw-%d" % level)))
connack = conn.recv(100)
conn.sendall(packet(0x32, string(b"test/+") + struct.pack(">H", 7) + props + b"bad"))
conn.settimeout(3)
answer = b""
try:
    while True:
        data = conn.recv(100)
        if not data:
            break
        answer += data
except socket.timeout:
    pass
print(json.dumps({"connack": connack.hex(), "answer": answer.hex()}))
"""

# A v5 subscriber of big/#, a v3.1.1 publisher of 1 MiB at QoS 1, then 14 bytes.
BIG = COMMON + r"""
port, comm = int(sys.argv[1]), sys.argv[2]
set_comm(comm)
out = {"mids": [], "received": []}
subscribed, got = threading.Event(), threading.Event()
sub = mqtt.Client(client_id="st-big-sub", protocol=mqtt.MQTTv5)
sub.on_subscribe = lambda c, u, mid, granted, props: subscribed.set()
def on_message(c, u, m):
    out["received"].append({"topic": m.topic, "qos": m.qos, "mid": m.mid, "size": len(m.payload)})
    if len(out["received"]) == 2:
        got.set()
sub.on_message = on_message
sub.connect("127.0.0.1", port)
sub.loop_start()
sub.subscribe("big/#", qos=1)
assert subscribed.wait(10)
pub = mqtt.Client(client_id="st-big-pub", protocol=mqtt.MQTTv311)
pub.on_publish = lambda c, u, mid: out["mids"].append(mid)
pub.connect("127.0.0.1", port)
pub.loop_start()
pub.publish("big/blob", b"B" * (1 << 20), qos=1).wait_for_publish()
pub.publish("big/after", b"after the blob", qos=1).wait_for_publish()
assert got.wait(10)
pub.disconnect(); pub.loop_stop()
sub.disconnect(); sub.loop_stop()
print(json.dumps(out))
"""


def run_peer(code, *args, timeout=60):
    proc = subprocess.run([PYTHON, "-c", code] + [str(a) for a in args], capture_output=True,
                          timeout=timeout)
    if proc.returncode:
        raise AssertionError("peer failed: %s" % proc.stderr.decode())
    return json.loads(proc.stdout.decode().splitlines()[-1])


def exchanges(events, **fields):
    return select(events, event="exchange", protocol="mqtt", **fields)


def summary(exchange):
    """(request type, sender, packet id, response type, response packet id)."""
    req, resp = exchange["request"] or {}, exchange["response"] or {}
    return (req.get("type"), req.get("from"), req.get("packet_id"), resp.get("type"),
            resp.get("packet_id"))


@unittest.skipUnless(os.path.exists(DYNSEC_PLUGIN), "mosquitto's dynamic security plugin")
class Mqtt(unittest.TestCase):
    def session(self, level):
        comm = "st-mqtt-v%d" % level
        with Mosquitto() as broker, Tracer("-c", comm) as tracer:
            out = run_peer(SESSION, broker.port, level, comm, PASSWORD)
            self.assertEqual(tracer.stop(), 0)
        return out, tracer

    def check_session(self, level, refused_code, refused_name):
        out, tracer = self.session(level)
        events = tracer.events()
        found = exchanges(events)
        # What paho saw: CONNACK 0; SUBACK granting QoS 2 and refusing secret/x;
        # its publishes' mids (QoS 0's mid never goes on the wire); the broker's
        # copies back with their packet ids.
        self.assertEqual(out["connack"], 0)
        self.assertEqual(out["granted"], [2, refused_code])
        qos_order = (1, 1, 2, 0)
        self.assertEqual(sorted(out["mids"]), sorted(out["published"]))  # on_publish: all sent
        self.assertEqual(sorted((m["qos"], m["payload"]) for m in out["received"]),
                         sorted((q, "message %d q%d" % (i, q)) for i, q in enumerate(qos_order)))
        sub_mid, unsub_mid = out["subscribe_mid"], out["unsubscribe_mid"]

        def legs(sender, qos, mid):
            if qos == 0:
                return [("PUBLISH", sender, None, None, None)]
            if qos == 1:
                return [("PUBLISH", sender, mid, "PUBACK", mid)]
            return [("PUBLISH", sender, mid, "PUBREC", mid), ("PUBREL", sender, mid, "PUBCOMP", mid)]

        expected = [("CONNECT", "client", None, "CONNACK", None),
                    ("SUBSCRIBE", "client", sub_mid, "SUBACK", sub_mid)]
        for qos, mid in zip(qos_order, out["published"]):
            expected += legs("client", qos, mid)
        for m in out["received"]:
            expected += legs("server", m["qos"], m["mid"])
        expected += [("PINGREQ", "client", None, "PINGRESP", None),
                     ("UNSUBSCRIBE", "client", unsub_mid, "UNSUBACK", unsub_mid),
                     ("DISCONNECT", "client", None, None, None)]
        # Both sides use the same packet id for a QoS 1 publish: only the
        # side in the pair id keeps their acks apart.
        client_qos1 = {mid for q, mid in zip(qos_order, out["published"]) if q == 1}
        broker_qos1 = {m["mid"] for m in out["received"] if m["qos"] == 1}
        self.assertTrue(client_qos1 & broker_qos1, (client_qos1, broker_qos1))
        # The two sides' publishes interleave as the threads run: the order
        # of those in the middle is not fixed.
        self.assertEqual(summary(found[0]), expected[0])
        self.assertEqual(summary(found[1]), expected[1])
        self.assertEqual(summary(found[-1]), expected[-1])
        self.assertEqual(sorted(map(repr, map(summary, found))), sorted(map(repr, expected)))
        by_summary = {summary(e): e for e in found}
        alone = [e for e in found if e.get("alone")]
        self.assertEqual(sorted(summary(e)[:2] for e in alone),
                         [("DISCONNECT", "client"), ("PUBLISH", "client"), ("PUBLISH", "server")])
        for e in found:
            if not e.get("alone"):
                self.assertIsNotNone(e["response"], e)
                self.assertGreater(e["latency_ns"], 0, e)
            for side in ("request", "response"):
                self.assertFalse((e[side] or {}).get("partial"), e)
            self.assertEqual(e["request"]["level"], level)
        # The responses came from the other side of each request.
        for e in found:
            if e["response"]:
                self.assertNotEqual(e["request"]["from"], e["response"]["from"])
        connect, suback = found[0]["request"], found[1]["response"]
        self.assertEqual((connect["client_id"], connect["username"], connect["password"],
                          connect["keep_alive"], connect["clean_session"]),
                         ("st-session-%d" % level, "alice", "***", 30, True))
        self.assertEqual(found[0]["response"]["code_name"], "accepted" if level == 4 else "success")
        self.assertEqual(suback["codes"], [2, refused_code])
        self.assertEqual(suback["code_names"], ["granted_qos_2", refused_name])
        self.assertEqual([t["filter"] for t in found[1]["request"]["topics"]],
                         ["test/a", "secret/x"])
        self.assertEqual([t["qos"] for t in found[1]["request"]["topics"]], [2, 1])
        # Each publish leg carries its own payload; the broker's copy is the
        # one paho received with that packet id.
        received = {(m["qos"], m["mid"]): m["payload"] for m in out["received"]}
        for e in [e for e in found if e["request"]["type"] == "PUBLISH"]:
            req = e["request"]
            self.assertEqual((req["topic"], req["payload_bytes"]), ("test/a", 12))
            if req["from"] == "client":
                i = out["published"].index(req["packet_id"]) if req["qos"] else 3
                self.assertEqual(req["payload"], "message %d q%d" % (i, req["qos"]))
            elif req["qos"]:
                self.assertEqual(req["payload"], received[(req["qos"], req["packet_id"])])
            # Sizes on the wire: v5 adds a property length to the PUBLISH.
            self.assertEqual(e["request_bytes"],
                             2 + 8 + (2 if req["qos"] else 0) + 12 + (level == 5))
            if req["qos"]:
                self.assertEqual(e["response_bytes"], 4)
        ping = by_summary[expected[-3]]
        self.assertEqual((ping["request_bytes"], ping["response_bytes"]), (2, 2))
        # The password: masked in every data line, never printed.
        self.assertNotIn(PASSWORD.encode(), tracer.stdout_text)
        sent = [e for e in select(events, event="data", direction="send")
                if "st-session" in e.get("data", "")]
        self.assertEqual(len(sent), 1)
        self.assertTrue(sent[0]["data"].endswith("*" * len(PASSWORD)), sent[0]["data"])

    def test_session_v311_acl_refusal_0x80(self):
        self.check_session(4, 0x80, "failure")

    def test_session_v5_acl_refusal_not_authorized(self):
        self.check_session(5, 0x87, "not_authorized")

    def test_bad_password_connack(self):
        comm = "st-mqtt-badpw"
        with Mosquitto() as broker, Tracer("-c", comm) as tracer:
            out = run_peer(SESSION, broker.port, 4, comm, "wrong-password")
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out["connack"], 5)  # paho: not authorised
        found = exchanges(tracer.events())
        self.assertEqual(summary(found[0]), ("CONNECT", "client", None, "CONNACK", None))
        self.assertEqual((found[0]["response"]["code"], found[0]["response"]["code_name"]),
                         (5, "not_authorized"))
        self.assertNotIn(b"wrong-password", tracer.stdout_text)

    def test_wildcard_topic_publish(self):
        comm = "st-mqtt-raw"
        with Mosquitto() as broker, Tracer("-c", comm) as tracer:
            v311 = run_peer(RAW_BAD_TOPIC, broker.port, 4, comm)
            v5 = run_peer(RAW_BAD_TOPIC, broker.port, 5, comm)
            self.assertEqual(tracer.stop(), 0)
        # mosquitto closes a v3.1.1 connection without a word; to v5 it sends
        # DISCONNECT with a reason code.
        self.assertEqual(v311["answer"], "")
        answer = bytes.fromhex(v5["answer"])
        self.assertEqual(answer[:2], b"\xe0\x01")
        found = exchanges(tracer.events())
        self.assertEqual([summary(e) for e in found],
                         [("CONNECT", "client", None, "CONNACK", None),
                          ("PUBLISH", "client", 7, None, None),
                          ("CONNECT", "client", None, "CONNACK", None),
                          ("DISCONNECT", "server", None, None, None),
                          ("PUBLISH", "client", 7, None, None)])
        self.assertEqual(found[1]["request"]["topic"], "test/+")
        self.assertEqual(found[1]["response"], None)
        self.assertFalse(found[1].get("alone"))
        disconnect = found[3]["request"]
        self.assertTrue(found[3]["alone"])
        self.assertEqual((disconnect["code"], disconnect["level"]), (answer[2], 5))
        self.assertEqual(disconnect["code_name"], {0x82: "protocol_error",
                                                   0x90: "topic_name_invalid"}[answer[2]])
        self.assertEqual(found[2]["response_bytes"], len(bytes.fromhex(v5["connack"])))

    def test_large_publish_then_pairing(self):
        comm = "st-mqtt-big"
        with Mosquitto() as broker, Tracer("-c", comm) as tracer:
            out = run_peer(BIG, broker.port, comm)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out["mids"], [1, 2])
        received = {m["topic"]: m for m in out["received"]}
        self.assertEqual(received["big/blob"]["size"], 1 << 20)
        found = exchanges(tracer.events())
        publishes = [e for e in found if e["request"]["type"] == "PUBLISH"]
        by_leg = {(e["request"]["from"], e["request"]["topic"]): e for e in publishes}
        self.assertEqual(len(by_leg), 4)
        for (sender, topic), e in by_leg.items():
            ids = out["mids"] if sender == "client" else [received[t]["mid"] for t in
                                                           ("big/blob", "big/after")]
            expected_id = ids[0] if topic == "big/blob" else ids[1]
            self.assertEqual(summary(e), ("PUBLISH", sender, expected_id, "PUBACK", expected_id))
            self.assertFalse(e["request"].get("partial"), e)
            self.assertGreater(e["latency_ns"], 0)
            self.assertEqual(e["response_bytes"], 4)
        blob = by_leg[("client", "big/blob")]
        self.assertEqual(blob["request"]["payload_bytes"], 1 << 20)
        self.assertEqual(blob["request"]["payload"], "B" * 32)
        # 1 + 3 (remaining length) + 2 + 8 (topic) + 2 (id) + 1 MiB; the v5 leg
        # has a property length byte more.
        self.assertEqual(blob["request_bytes"], 16 + (1 << 20))
        self.assertEqual(by_leg[("server", "big/blob")]["request_bytes"], 17 + (1 << 20))
        after = by_leg[("client", "big/after")]
        self.assertEqual((after["request"]["payload"], after["request"]["payload_bytes"]),
                         ("after the blob", 14))
        self.assertEqual(after["request_bytes"], 2 + 2 + 9 + 2 + 14)


if __name__ == "__main__":
    unittest.main()
