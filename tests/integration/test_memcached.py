"""memcached decoding with a real memcached: pymemcache's text protocol (a 1 MiB
value among small ones), the meta commands and errors over a raw socket, the
binary protocol (a raw client and libmemcached's memccp/memccat --binary), and
ASCII authentication (memcached -Y) masked. Every exchange is checked against
what the client itself got. Each tracer is filtered by its client's comm."""

import os
import socket
import subprocess
import tempfile
import unittest

from peers import Process, free_port, wait_for_port
from tracer import Tracer, require_root, run_python, select

require_root()

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with pymemcache


class MemcachedServer(Process):
    def __init__(self, *extra):
        self.port = free_port()
        super().__init__(["memcached", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0",
                          "-u", "root"] + list(extra))
        wait_for_port(self.port, proc=self.proc)


def run_system_python(code, *args, timeout=60):
    """Like run_python, with the system interpreter (pymemcache is Debian's)."""
    proc = subprocess.run([SYSTEM_PYTHON, "-c", code] + [str(a) for a in args],
                          capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError("client failed: %s" % proc.stderr.decode())
    import json
    return [json.loads(l) for l in proc.stdout.decode().splitlines() if l.strip()]


SET_COMM = r"""
import ctypes, json, os, socket, struct, sys
ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
"""

# pymemcache, one command at a time; what it got back, as it reports it.
PYMEMCACHE_CLIENT = SET_COMM + r"""
from pymemcache.client.base import Client
c = Client(("127.0.0.1", int(sys.argv[1])))
out = {"pid": os.getpid()}
out["set"] = c.set("a", b"1", noreply=False)
out["get_many"] = {k: v.decode() for k, v in c.get_many(["a", "b", "c"]).items()}
c.set("quiet", b"2", noreply=True)
out["big_set"] = c.set("big", b"x" * 1048576, noreply=False)
out["big_get"] = len(c.get("big"))
out["after_big"] = c.get("a").decode()
out["set_n"] = c.set("n", b"41", noreply=False)
out["incr"] = c.incr("n", 1)
out["add"] = c.add("a", b"z", noreply=False)
out["delete"] = c.delete("a", noreply=False)
out["version"] = c.version().decode()
out["stats"] = len(c.stats())
c.close()
print(json.dumps(out))
"""

# Text and meta commands on a raw socket: each reply exactly as received.
RAW_CLIENT = SET_COMM + r"""
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def reply(lines_until=None, lines=1):
    got = b""
    while True:
        line = f.readline()
        got += line
        if lines_until is None:
            lines -= 1
            if not lines:
                return got
        elif line.startswith(lines_until):
            return got
out = {"pid": os.getpid(), "replies": []}
for data, until, lines in [
        (b"set k1 5 0 5\r\nhello\r\n", None, 1),
        (b"get k1 k2 k3\r\n", b"END", 1),
        (b"gets k1\r\n", b"END", 1),
        (b"cas k1 0 0 1 1\r\nz\r\n", None, 1),
        (b"incr k1 1\r\n", None, 1),
        (b"touch k1 100\r\n", None, 1),
        (b"set q 0 0 1 noreply\r\nq\r\n", None, 0),
        (b"bogus\r\n", None, 1),
        (b"set k 0 0 abc\r\n", None, 1),
        (b"ms mk 5 T0 F3\r\nmeta!\r\n", None, 1),
        (b"mg mk v f t\r\n", None, 2),
        (b"mg nope v\r\n", None, 1),
        (b"md mk q\r\nmn\r\n", None, 1),
        (b"ma cnt N0 J13 v\r\n", None, 2),
        (b"version\r\n", None, 1),
        (b"stats\r\n", b"END", 1)]:
    s.sendall(data)
    out["replies"].append(reply(until, lines).decode("latin-1") if lines or until else None)
s.sendall(b"quit\r\n")
s.close()
print(json.dumps(out))
"""

# The binary protocol: SET, two quiet GETKQ and a NOOP in one write, GET of
# a missing key, INCREMENT, VERSION, STAT; (opcode, status, value) of each reply.
BINARY_CLIENT = SET_COMM + r"""
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def req(op, key=b"", val=b"", extras=b"", opaque=0):
    body = extras + key + val
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), 0, 0, len(body),
                       opaque, 0) + body
def resp():
    h = b""
    while len(h) < 24:
        h += s.recv(24 - len(h))
    n = struct.unpack(">I", h[8:12])[0]
    b = b""
    while len(b) < n:
        b += s.recv(n - len(b))
    return [h[1], struct.unpack(">H", h[6:8])[0], b, 24 + n]
out = {"pid": os.getpid(), "replies": []}
s.sendall(req(0x01, b"bk", b"binval", struct.pack(">II", 0, 0), 1))
out["replies"].append(resp())
s.sendall(req(0x0d, b"bk", opaque=2) + req(0x0d, b"missing", opaque=3) + req(0x0a, opaque=4))
out["replies"].append(resp())
out["replies"].append(resp())
s.sendall(req(0x00, b"missing", opaque=5))
out["replies"].append(resp())
s.sendall(req(0x05, b"ctr", extras=struct.pack(">QQI", 5, 100, 0), opaque=6))
out["replies"].append(resp())
s.sendall(req(0x0b, opaque=7))
out["replies"].append(resp())
s.sendall(req(0x10, opaque=8))
stats, size = 0, 0
while True:
    r = resp()
    size += r[3]
    if not r[2]:
        break
    stats += 1
out["stats"], out["stats_bytes"] = stats, size
for r in out["replies"]:
    r[2] = r[2].decode("latin-1")
print(json.dumps(out))
"""

# memcached -Y: commands before authenticating fail; the first set authenticates.
AUTH_CLIENT = SET_COMM + r"""
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
out = {"pid": os.getpid(), "replies": []}
for data in (b"get a\r\n", b"set auth 0 0 %d\r\n%s\r\n" % (len(sys.argv[3]), sys.argv[3].encode()),
             b"get a\r\n"):
    s.sendall(data)
    out["replies"].append(s.recv(100).decode())
s.close()
print(json.dumps(out))
"""


def exchanges(events, pid=None, **fields):
    found = select(events, event="exchange", protocol="memcached", **fields)
    return [e for e in found if pid is None or e["pid"] == pid]


def commands(found):
    return [e["request"]["command"] if e["request"] else None for e in found]


class Memcached(unittest.TestCase):
    def test_pymemcache_session_with_a_1mib_value(self):
        comm = "st-mc-pymc"
        with MemcachedServer("-I", "2m") as server, \
                Tracer("-c", comm, "--exchanges-only") as tracer:
            out = run_system_python(PYMEMCACHE_CLIENT, server.port, comm)[0]
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(out["big_get"], 1048576)
        found = exchanges(tracer.events(), pid=out["pid"])
        self.assertEqual(commands(found), ["set", "get", "set", "set", "get", "get", "set",
                                           "incr", "add", "delete", "version", "stats"])
        quiet = found[2]
        self.assertTrue(quiet.get("alone"), quiet)
        self.assertIsNone(quiet["response"])
        self.assertTrue(quiet["request"]["noreply"])
        for e in found[:2] + found[3:]:
            self.assertIsNotNone(e["response"], e)
            self.assertIsNotNone(e["latency_ns"], e)
            self.assertNotIn("partial", e["response"])
        self.assertEqual(found[0]["response"]["code"], "STORED" if out["set"] else "?")
        get_many = found[1]["response"]
        self.assertEqual((get_many["hits"], get_many["misses"]),
                         (len(out["get_many"]), 3 - len(out["get_many"])))
        self.assertEqual(get_many["value_bytes"], sum(len(v) for v in out["get_many"].values()))
        big_set, big_get, after = found[3], found[4], found[5]
        self.assertEqual(big_set["response"]["code"], "STORED" if out["big_set"] else "?")
        self.assertEqual(big_set["request"]["value_bytes"], 1048576)
        self.assertEqual(big_set["request_bytes"], len("set big 0 0 1048576\r\n") + 1048576 + 2)
        self.assertEqual((big_get["response"]["hits"], big_get["response"]["value_bytes"]),
                         (1, out["big_get"]))
        self.assertEqual(big_get["response_bytes"],
                         len("VALUE big 0 1048576\r\n") + 1048576 + len("\r\nEND\r\n"))
        # The get after the big value pairs with its own reply.
        self.assertEqual((after["request"]["key"], after["response"]["value_bytes"]),
                         ("a", len(out["after_big"])))
        self.assertEqual(after["response_bytes"], len("VALUE a 0 1\r\n1\r\nEND\r\n"))
        self.assertEqual(found[7]["response"]["number"], out["incr"])
        self.assertEqual(found[8]["response"]["code"], "NOT_STORED" if not out["add"] else "?")
        self.assertEqual(found[9]["response"]["code"], "DELETED" if out["delete"] else "?")
        self.assertEqual(found[10]["response"]["message"], out["version"])
        self.assertEqual(found[11]["response"]["stats"], out["stats"])

    def test_raw_text_meta_and_errors(self):
        comm = "st-mc-raw"
        with MemcachedServer() as server, Tracer("-c", comm, "--exchanges-only") as tracer:
            _, out = run_python(RAW_CLIENT, server.port, comm)
            self.assertEqual(tracer.stop(), 0)
        out = out[0]
        found = exchanges(tracer.events(), pid=out["pid"])
        self.assertEqual(commands(found), ["set", "get", "gets", "cas", "incr", "touch", "set",
                                           "bogus", "set", "ms", "mg", "mg", "md", "mn", "ma",
                                           "version", "stats", "quit"])
        alone = [e for e in found if e.get("alone")]
        self.assertEqual([e["request"]["line"] for e in alone], ["set q 0 0 1 noreply", "quit"])
        paired = [e for e in found if not e.get("alone")]
        replies = [r for r in out["replies"] if r is not None]
        # md mk q got nothing: the MN after it is mn's; both came in one reply.
        md = paired[11]
        self.assertEqual((md["request"]["command"], md["response"]), ("md", {
            "protocol": "memcached", "format": "meta", "no_reply": True}))
        self.assertEqual(md["response_bytes"], 0)
        del paired[11]
        self.assertEqual(len(paired), len(replies))
        for e, got in zip(paired, replies):
            self.assertEqual(e["response_bytes"], len(got), e)
            first = got.split("\r\n")[0]
            if e["response"]["code"] not in ("VALUE", "STAT", "number"):
                self.assertEqual(e["response"]["line"], first, e)
            self.assertIsNotNone(e["latency_ns"])
        by_line = {e["request"]["line"]: e["response"] for e in paired}
        self.assertEqual((by_line["get k1 k2 k3"]["hits"], by_line["get k1 k2 k3"]["misses"]),
                         (replies[1].count("VALUE "), 3 - replies[1].count("VALUE ")))
        self.assertEqual(by_line["incr k1 1"]["code"], replies[4].split()[0])
        self.assertEqual(by_line["bogus"]["code"], "ERROR")
        self.assertEqual((by_line["set k 0 0 abc"]["code"], by_line["set k 0 0 abc"]["message"]),
                         ("CLIENT_ERROR", replies[7].split("\r\n")[0].split(" ", 1)[1]))
        self.assertEqual(by_line["mg mk v f t"]["line"], replies[9].split("\r\n")[0])
        self.assertEqual(by_line["mg mk v f t"]["value_bytes"], len("meta!"))
        self.assertEqual(by_line["mg nope v"]["code"], "EN")
        self.assertEqual(by_line["mn"]["code"], "MN")
        self.assertEqual(by_line["stats"]["stats"], replies[-1].count("STAT "))

    def test_raw_session_human_lines(self):
        comm = "st-mc-raw"
        with MemcachedServer() as server, \
                Tracer("-c", comm, "--exchanges-only", json_output=False) as tracer:
            run_python(RAW_CLIENT, server.port, comm)
            self.assertEqual(tracer.stop(), 0)
        lines = tracer.stdout_text.decode().splitlines()[1:]
        self.assertEqual(len(lines), 18, lines)
        self.assertRegex(lines[1], r"memcached get k1 k2 k3 -> 1 hit, 2 misses, 5B  "
                                   r"[\d.]+(us|ms)  req 14B resp 26B$")
        self.assertRegex(lines[6], r"memcached set q 0 0 1 noreply  24B$")
        self.assertRegex(lines[12], r"memcached md mk q -> \(no reply\)  [\d.]+(us|ms)  "
                                    r"req 9B resp 0B$")

    def test_binary_protocol(self):
        comm = "st-mc-bin"
        blob = tempfile.NamedTemporaryFile(prefix="st-mc-", suffix=".txt", delete=False)
        blob.write(b"hello binary\n")
        blob.close()
        name = os.path.basename(blob.name)
        try:
            with MemcachedServer("-B", "binary") as server, \
                    Tracer("-c", comm, "-c", "memccp", "-c", "memccat",
                           "--exchanges-only") as tracer:
                _, out = run_python(BINARY_CLIENT, server.port, comm)
                servers = "--servers=127.0.0.1:%d" % server.port
                subprocess.run(["memccp", "--binary", servers, blob.name], check=True,
                               capture_output=True, timeout=20)
                got = subprocess.run(["memccat", "--binary", servers, name], check=True,
                                     capture_output=True, timeout=20).stdout
                self.assertEqual(tracer.stop(), 0)
        finally:
            os.unlink(blob.name)
        self.assertEqual(got, b"hello binary\n\n")  # memccat ends each value with a newline
        out = out[0]
        events = tracer.events()
        found = exchanges(events, pid=out["pid"])
        self.assertEqual(commands(found), ["SET", "GETKQ", "GETKQ", "NOOP", "GET", "INCREMENT",
                                           "VERSION", "STAT"])
        for e in found:
            self.assertEqual(e["request"]["format"], "binary")
        self.assertTrue(found[2]["response"]["no_reply"])  # the quiet miss
        answered = found[:2] + found[3:7]
        statuses = {0: "NO_ERROR", 1: "KEY_ENOENT"}
        for e, (opcode, status, value, size) in zip(answered, out["replies"]):
            self.assertEqual((e["request"]["opcode"], e["response"]["opcode"]), (opcode, opcode))
            self.assertEqual((e["response"]["status"], e["response"]["code"]),
                             (status, statuses[status]))
            self.assertEqual(e["response_bytes"], size)
        self.assertEqual(found[4]["response"]["message"], out["replies"][3][2])  # "Not found"
        self.assertEqual(found[5]["response"]["number"], 100)
        self.assertEqual(found[6]["response"]["message"], out["replies"][5][2])
        self.assertEqual((found[7]["response"]["stats"], found[7]["response_bytes"]),
                         (out["stats"], out["stats_bytes"]))
        tools = [e for e in exchanges(events) if e["comm"] in ("memccp", "memccat")]
        pairs = [(e["request"]["command"], e["request"]["key"],
                  e["response"]["code"] if e["response"] else None) for e in tools]
        self.assertEqual(pairs[0], ("SET", name, "NO_ERROR"))
        self.assertIn(("GETK", name, "NO_ERROR"), pairs)
        getk = [e for e in tools if e["request"]["command"] == "GETK"][0]
        self.assertEqual(getk["response"]["value_bytes"], len(got) - 1)

    def _auth_round(self, *tracer_args):
        comm, password = "st-mc-auth", "s3cret-Pw"
        with tempfile.NamedTemporaryFile("w", prefix="st-mc-auth-", delete=False) as f:
            f.write("alice:%s\n" % password)
        try:
            with MemcachedServer("-Y", f.name) as server, \
                    Tracer("-c", comm, *tracer_args) as tracer:
                _, out = run_python(AUTH_CLIENT, server.port, comm, "alice " + password)
                self.assertEqual(tracer.stop(), 0)
        finally:
            os.unlink(f.name)
        out = out[0]
        self.assertEqual(out["replies"], ["CLIENT_ERROR unauthenticated\r\n", "STORED\r\n",
                                          "END\r\n"])
        found = exchanges(tracer.events(), pid=out["pid"])
        self.assertEqual([e["response"]["code"] for e in found], ["CLIENT_ERROR", "STORED", "END"])
        self.assertEqual(found[1]["request"]["credentials"], "***")
        return tracer.stdout_text.decode(), password

    def test_ascii_auth_masked(self):
        text, password = self._auth_round()
        self.assertNotIn(password, text)  # neither in the exchange nor in the data event
        self.assertIn("*" * len("alice " + password), text)

    def test_ascii_auth_shown_with_show_secrets(self):
        text, password = self._auth_round("--show-secrets")
        self.assertIn("alice " + password, text)

    def test_protocol_option(self):
        comm = "st-mc-raw"
        with MemcachedServer() as server, \
                Tracer("-c", comm, "--protocol", "memcached") as tracer:
            run_python(RAW_CLIENT, server.port, comm)
            self.assertEqual(tracer.stop(), 0)
        events = tracer.events()
        self.assertEqual(len(select(events, event="exchange")), 18)
        self.assertEqual({e.get("protocol") for e in events if e["event"] in ("data", "exchange")},
                         {"memcached"})


if __name__ == "__main__":
    unittest.main()
