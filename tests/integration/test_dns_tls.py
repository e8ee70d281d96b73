"""DNS and TLS decoding with real peers: DNS over TCP and each answer type
from dnsmasq, asked by dig; TLS versions, ALPN, the chosen cipher,
resumption and HelloRetryRequest between openssl s_client and s_server."""

import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from peers import Process, free_port, wait_for_port
from tracer import Tracer, require_root, select

require_root()


def exchanges(events, **fields):
    return select(events, event="exchange", **fields)


class AuthDnsServer(Process):
    """dnsmasq authoritative for example.test and 127.0.0.0/24, on UDP and
    TCP, with one record of each type the decoder spells out; every
    address is a loopback one."""

    def __init__(self, auth=True):
        self.port = free_port(socket.SOCK_DGRAM)
        # Authoritative, it answers NS; not, it answers --ptr-record's PTR.
        auth_args = ["--auth-server=ns.example.test,127.0.0.1",
                     "--auth-zone=example.test,127.0.0.0/24"] if auth else []
        super().__init__([
            "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=%d" % self.port,
            *auth_args,
            "--host-record=web.example.test,127.0.0.9",
            "--mx-host=mail.example.test,mx1.example.test,10",
            "--mx-host=mail.example.test,mx2.example.test,20",
            "--txt-record=txt.example.test,v=spf1 -all,second \"quoted\" string",
            "--srv-host=_sip._udp.example.test,sip.example.test,5060,0,5",
            "--cname=alias.example.test,web.example.test",
            "--ptr-record=5.0.0.127.in-addr.arpa,ptr.example.test",
            "--pid-file=", "--user=root", "--log-facility=-"])
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.dig("web.example.test", "A") == ["127.0.0.9"]:
                return
            time.sleep(0.1)
        raise AssertionError("dnsmasq did not answer")

    def dig(self, *query, tcp=False):
        """dig +short's answer lines."""
        args = ["dig", "+short", "+time=2", "+tries=1", "@127.0.0.1", "-p", str(self.port)]
        out = subprocess.run(args + (["+tcp"] if tcp else []) + list(query),
                             capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()


class DnsOverTcp(unittest.TestCase):
    def test_dig_tcp_query_and_answer_paired(self):
        with AuthDnsServer() as server, Tracer("-c", "dig", "--exchanges-only") as tracer:
            dig = subprocess.run(["dig", "+tcp", "+noall", "+answer", "+stats", "+time=5",
                                  "+tries=1", "@127.0.0.1", "-p", str(server.port),
                                  "web.example.test", "A"],
                                 capture_output=True, text=True, timeout=30, check=True)
            self.assertEqual(tracer.stop(), 0)
        self.assertRegex(dig.stdout, r"(?m)^web\.example\.test\.\s+\d+\s+IN\s+A\s+127\.0\.0\.9$")
        (answer_size,) = re.findall(r"MSG SIZE +rcvd: (\d+)", dig.stdout)
        (exchange,) = exchanges(tracer.events())
        self.assertEqual((exchange["protocol"], exchange["transport"], exchange["role"]),
                         ("dns", "tcp", "client"))
        self.assertEqual(exchange["remote"], "127.0.0.1:%d" % server.port)
        request, response = exchange["request"], exchange["response"]
        self.assertEqual((request["name"], request["type"]), ("web.example.test", "A"))
        self.assertEqual(response["id"], request["id"])
        self.assertEqual((response["rcode"], response["answers"], response["n_answers"]),
                         ("NOERROR", ["127.0.0.9"], 1))
        # Sizes on the wire include the 2-byte length before each message.
        self.assertEqual(exchange["response_bytes"], 2 + int(answer_size))
        self.assertGreater(exchange["latency_ns"], 0)

    def test_dnsmasq_side_reads_length_then_message(self):
        # dnsmasq reads the 2-byte length in two 1-byte reads, then the
        # message: the stream starts at the length all the same.
        with AuthDnsServer() as server, Tracer("-c", "dnsmasq", "--exchanges-only") as tracer:
            self.assertEqual(server.dig("web.example.test", "A", tcp=True), ["127.0.0.9"])
            self.assertEqual(tracer.stop(), 0)
        (exchange,) = [e for e in exchanges(tracer.events()) if e["transport"] == "tcp"]
        self.assertEqual(exchange["role"], "server")
        self.assertEqual((exchange["request"]["name"], exchange["request"]["type"]),
                         ("web.example.test", "A"))
        self.assertEqual(exchange["response"]["answers"], ["127.0.0.9"])
        self.assertEqual(exchange["response"]["id"], exchange["request"]["id"])

    def test_two_tcp_queries_pipelined_in_one_write(self):
        # RFC 7766 6.2.1.1: both queries in one write, the answers read back.
        # (Authoritative, dnsmasq 2.90 answers only a connection's first query.)
        with AuthDnsServer(auth=False) as server, Tracer("-c", "python3", "--exchanges-only") as tracer:
            client = subprocess.run(["python3", "-c", PIPELINED_CLIENT, str(server.port)],
                                    capture_output=True, text=True, timeout=30, check=True)
            self.assertEqual(tracer.stop(), 0)
        pid, fd, sizes = client.stdout.split()
        mine = exchanges(tracer.events(), pid=int(pid), fd=int(fd))
        found = [(e["transport"], e["request"]["id"], e["request"]["name"],
                  e["request"]["type"], e["response"]["id"], e["response"]["answers"])
                 for e in mine]
        self.assertEqual(found, [("tcp", 0x0a01, "web.example.test", "A", 0x0a01,
                                  ["127.0.0.9"]),
                                 ("tcp", 0x0a02, "mail.example.test", "MX", 0x0a02,
                                  ["20 mx2.example.test.", "10 mx1.example.test."])])
        self.assertEqual([e["response_bytes"] for e in mine],
                         [int(n) for n in sizes.split(",")])


# Two DNS queries over one TCP connection in one write; prints pid, fd and
# each answer's size with its 2-byte length.
PIPELINED_CLIENT = r"""
import os, socket, struct, sys
def query(qid, name, qtype):
    labels = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    message = struct.pack(">6H", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(message)) + message
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sock.settimeout(10)
sock.sendall(query(0x0a01, "web.example.test", 1) + query(0x0a02, "mail.example.test", 15))
sizes = []
for _ in range(2):
    head = b""
    while len(head) < 2:
        head += sock.recv(2 - len(head))
    n = struct.unpack(">H", head)[0]
    body = b""
    while len(body) < n:
        body += sock.recv(n - len(body))
    sizes.append(str(2 + n))
print(os.getpid(), sock.fileno(), ",".join(sizes))
sock.close()
"""


class DnsAnswerData(unittest.TestCase):
    QUERIES = [
        (("mail.example.test", "MX"), "mail.example.test", "MX"),
        (("txt.example.test", "TXT"), "txt.example.test", "TXT"),
        (("_sip._udp.example.test", "SRV"), "_sip._udp.example.test", "SRV"),
        (("example.test", "NS"), "example.test", "NS"),
        (("alias.example.test", "CNAME"), "alias.example.test", "CNAME"),
        (("alias.example.test", "A"), "alias.example.test", "A"),
        (("-x", "127.0.0.9"), "9.0.0.127.in-addr.arpa", "PTR"),
    ]

    def test_udp_answers_as_dig_prints_them(self):
        with AuthDnsServer() as server, Tracer("-c", "dig", "--exchanges-only") as tracer:
            printed = [server.dig(*query) for query, _, _ in self.QUERIES]
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(printed[0], ["20 mx2.example.test.", "10 mx1.example.test."])
        self.assertEqual(printed[1], ['"v=spf1 -all" "second \\"quoted\\" string"'])
        # The tracer keeps TXT strings raw between their quotes (a quote
        # inside is not escaped, a backslash follows the data contract).
        printed[1] = ['"v=spf1 -all" "second "quoted" string"']
        self.assertEqual(printed[2], ["0 5 5060 sip.example.test."])
        self.assertEqual(printed[3], ["ns.example.test."])
        self.assertEqual(printed[4], ["web.example.test."])
        self.assertEqual(printed[5], ["web.example.test.", "127.0.0.9"])
        self.assertEqual(printed[6], ["web.example.test."])
        found = exchanges(tracer.events())
        self.assertEqual(len(found), len(self.QUERIES), found)
        for exchange, (_, name, qtype), answers in zip(found, self.QUERIES, printed):
            self.assertEqual(exchange["transport"], "udp")
            self.assertEqual((exchange["request"]["name"], exchange["request"]["type"]),
                             (name, qtype))
            self.assertEqual(exchange["response"]["rcode"], "NOERROR")
            self.assertEqual(exchange["response"]["answers"], answers)
            self.assertEqual(exchange["response"]["n_answers"], len(answers))

    def test_ptr_record(self):
        with AuthDnsServer(auth=False) as server, Tracer("-c", "dig",
                                                         "--exchanges-only") as tracer:
            printed = server.dig("-x", "127.0.0.5")
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual(printed, ["ptr.example.test."])
        (exchange,) = exchanges(tracer.events())
        self.assertEqual((exchange["request"]["name"], exchange["request"]["type"]),
                         ("5.0.0.127.in-addr.arpa", "PTR"))
        self.assertEqual(exchange["response"]["answers"], printed)

    def test_human_line_with_mx(self):
        with AuthDnsServer() as server, Tracer("-c", "dig", "--exchanges-only",
                                               json_output=False) as tracer:
            server.dig("mail.example.test", "MX")
            self.assertEqual(tracer.stop(), 0)
        lines = tracer.stdout_text.decode().splitlines()
        self.assertEqual(len(lines), 2, lines)
        # dig's worker thread (isc-net-0000) asks; the line names the process
        self.assertRegex(lines[1], r" exchange +client +127\.0\.0\.1:%d/udp +dns MX "
                                   r"mail\.example\.test -> NOERROR 20 mx2\.example\.test\., "
                                   r"10 mx1\.example\.test\.  [\d.]+(us|ms)  req \d+B resp \d+B"
                                   r" \(tid \d+\)$" % server.port)
        self.assertEqual(lines[1][21:37].strip(), "dig")


class OpensslServer(Process):
    """openssl s_server on loopback with a throwaway certificate; extra
    arguments as given (-alpn, -groups, -no_ticket)."""

    def __init__(self, *args):
        self.port = free_port()
        self.certdir = tempfile.mkdtemp(prefix="st-tls-")
        self.cert = self.certdir + "/cert.pem"
        key = self.certdir + "/key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                        "/CN=localhost", "-keyout", key, "-out", self.cert, "-days", "1"],
                       check=True, capture_output=True)
        super().__init__(["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                          "-cert", self.cert, "-key", key, "-quiet"] + list(args),
                         stdin=subprocess.PIPE)
        wait_for_port(self.port, proc=self.proc)

    def client(self, *args):
        """One s_client handshake that stays half a second (long enough for
        TLS 1.3's tickets); returns what s_client printed."""
        proc = subprocess.Popen(["openssl", "s_client", "-connect",
                                 "127.0.0.1:%d" % self.port, "-servername", "localhost"]
                                + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        time.sleep(0.5)
        out, _ = proc.communicate(b"", timeout=30)
        return out.decode("utf-8", "replace")

    def stop(self):
        super().stop()
        self.proc.stdin.close()
        shutil.rmtree(self.certdir, ignore_errors=True)


def negotiated(out):
    """('New' or 'Reused', protocol, cipher name, ALPN or None) from s_client."""
    (state, protocol, cipher), = re.findall(r"(?m)^(New|Reused), (TLSv[\d.]+), Cipher is (\S+)$",
                                            out)
    alpn = re.findall(r"(?m)^ALPN protocol: (\S+)$", out)
    return state, protocol, cipher, alpn[0] if alpn else None


def iana_name(openssl_name):
    """OpenSSL's TLS 1.2 cipher name as the IANA one (TLS 1.3's are already)."""
    out = subprocess.run(["openssl", "ciphers", "-stdname", openssl_name], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        iana, _, name = line.split()[:3]
        if name == openssl_name:
            return iana
    return openssl_name


class Tls(unittest.TestCase):
    def handshakes(self, tracer, server):
        """The client side's and the server side's TLS exchanges, in order."""
        events = exchanges(tracer.events(), protocol="tls")
        client = [e for e in events if e["role"] == "client"
                  and e["remote"] == "127.0.0.1:%d" % server.port]
        served = [e for e in events if e["role"] == "server" and e["pid"] == server.proc.pid]
        return client, served

    def test_tls13_alpn_and_cipher(self):
        with OpensslServer("-alpn", "h2") as server, Tracer("-c", "openssl") as tracer:
            out = server.client("-tls1_3", "-alpn", "h2,http/1.1")
            self.assertEqual(tracer.stop(), 0)
        state, protocol, cipher, alpn = negotiated(out)
        self.assertEqual((state, protocol, alpn), ("New", "TLSv1.3", "h2"))
        client, served = self.handshakes(tracer, server)
        self.assertEqual(len(client), 1, client)
        self.assertEqual(len(served), 1, served)
        for exchange in client + served:
            request, response = exchange["request"], exchange["response"]
            self.assertEqual(request["handshake"], "client_hello")
            self.assertEqual(request["sni"], "localhost")
            self.assertEqual(request["versions"], ["TLS1.3"])
            self.assertEqual(request["alpn"], ["h2", "http/1.1"])
            self.assertEqual(request["resumption"], "")
            self.assertEqual(response["handshake"], "server_hello")
            self.assertEqual(response["version"], "TLS1.3")
            self.assertEqual(response["cipher"], cipher)
            # The choice is in EncryptedExtensions: not seen, said so.
            self.assertEqual((response["alpn"], response["alpn_encrypted"]), ([], True))
            self.assertEqual((response["resumed"], response["resumption"]), (False, ""))

    def test_tls12_alpn_and_cipher(self):
        with OpensslServer("-alpn", "h2") as server, Tracer("-c", "openssl") as tracer:
            out = server.client("-tls1_2", "-alpn", "h2,http/1.1")
            self.assertEqual(tracer.stop(), 0)
        state, protocol, cipher, alpn = negotiated(out)
        self.assertEqual((state, protocol, alpn), ("New", "TLSv1.2", "h2"))
        client, served = self.handshakes(tracer, server)
        self.assertEqual((len(client), len(served)), (1, 1))
        for exchange in client + served:
            request, response = exchange["request"], exchange["response"]
            self.assertEqual((request["version"], request["versions"]), ("TLS1.2", []))
            self.assertEqual(request["alpn"], ["h2", "http/1.1"])
            self.assertEqual(response["version"], "TLS1.2")
            self.assertEqual(response["cipher"], iana_name(cipher))
            self.assertTrue(response["cipher"].startswith("TLS_ECDHE_"), response["cipher"])
            self.assertEqual((response["alpn"], response["alpn_encrypted"]), (["h2"], False))
            self.assertFalse(response["resumed"])

    def resumed_pair(self, server_args, version_arg):
        with OpensslServer(*server_args) as server, Tracer("-c", "openssl") as tracer:
            session = server.certdir + "/session.pem"
            first = negotiated(server.client(version_arg, "-sess_out", session))
            second = negotiated(server.client(version_arg, "-sess_in", session))
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual((first[0], second[0]), ("New", "Reused"))
        client, served = self.handshakes(tracer, server)
        self.assertEqual((len(client), len(served)), (2, 2), (client, served))
        return client, served

    def test_tls13_resumption(self):
        client, served = self.resumed_pair([], "-tls1_3")
        for side in (client, served):
            self.assertEqual([e["request"]["resumption"] for e in side], ["", "psk"])
            self.assertEqual([e["response"]["resumed"] for e in side], [False, True])
            self.assertEqual([e["response"]["resumption"] for e in side], ["", "psk"])

    def test_tls12_ticket_resumption(self):
        client, served = self.resumed_pair([], "-tls1_2")
        for side in (client, served):
            self.assertEqual([e["request"]["resumption"] for e in side], ["", "ticket"])
            self.assertEqual([e["response"]["resumed"] for e in side], [False, True])
            self.assertEqual([e["response"]["resumption"] for e in side], ["", "ticket"])

    def test_tls12_session_id_resumption(self):
        client, served = self.resumed_pair(["-no_ticket"], "-tls1_2")
        for side in (client, served):
            self.assertEqual([e["response"]["resumption"] for e in side], ["", "session_id"])

    def test_hello_retry_request_then_server_hello(self):
        with OpensslServer("-groups", "P-256") as server, Tracer("-c", "openssl") as tracer:
            out = server.client("-tls1_3", "-groups", "X25519:P-256")
            self.assertEqual(tracer.stop(), 0)
        state, protocol, cipher, _ = negotiated(out)
        self.assertEqual((state, protocol), ("New", "TLSv1.3"))
        client, served = self.handshakes(tracer, server)
        for side in (client, served):
            self.assertEqual([e["response"]["handshake"] for e in side],
                             ["hello_retry_request", "server_hello"], side)
            self.assertEqual([e["response"]["group"] for e in side], ["secp256r1"] * 2)
            self.assertEqual([e["response"]["cipher"] for e in side], [cipher] * 2)
            self.assertEqual([e["request"]["handshake"] for e in side], ["client_hello"] * 2)

    def test_human_lines(self):
        with OpensslServer("-alpn", "h2") as server, Tracer("-c", "openssl", "--exchanges-only",
                                                            json_output=False) as tracer:
            out = server.client("-tls1_2", "-alpn", "h2,http/1.1")
            self.assertEqual(tracer.stop(), 0)
        cipher = iana_name(negotiated(out)[2])
        lines = [l for l in tracer.stdout_text.decode().splitlines()
                 if " client " in l and ":%d " % server.port in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(" tls ClientHello sni=localhost TLS1.2 alpn=h2,http/1.1 -> "
                      "ServerHello TLS1.2 cipher=%s alpn=h2  " % cipher, lines[0])


if __name__ == "__main__":
    unittest.main()
