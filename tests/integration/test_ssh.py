"""SSH decoding with the real OpenSSH: sshd on loopback with a host key made
here, and ssh in BatchMode failing its login (no key is accepted). The
exchange shows both version lines exactly as each side sent them (ssh -V,
the server's line read on a socket of its own) and the KEXINIT offers; the
rest of the connection is encrypted."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

from peers import Process, free_port, wait_for_port
from tracer import Tracer, require_root, select

require_root()


class Sshd(Process):
    """/usr/sbin/sshd -D -e -f CONFIG -p PORT -h HOSTKEY, all in a temporary directory."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="st-sshd-")
        self.host_key = os.path.join(self.dir, "host_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.host_key],
                       check=True, capture_output=True)
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write("ListenAddress 127.0.0.1\nPidFile %s/sshd.pid\nUsePAM no\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "StrictModes no\n" % self.dir)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # its privilege separation dir
        super().__init__(["/usr/sbin/sshd", "-D", "-e", "-f", config, "-p", str(self.port),
                          "-h", self.host_key])
        wait_for_port(self.port, proc=self.proc)

    def banner(self):
        """The server's version line, as it sends it, on a connection of its own."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            data = b""
            while b"\n" not in data:
                data += sock.recv(256)
        return data.split(b"\n")[0].rstrip(b"\r").decode()

    def login_fails(self):
        return subprocess.run(["ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
                               "-o", "StrictHostKeyChecking=no",
                               "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
                               "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR",
                               "-p", str(self.port), "nobody@127.0.0.1", "true"],
                              capture_output=True, timeout=30)

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def client_banner():
    """ssh -V says 'OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL ...': its version line."""
    version = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr
    return "SSH-2.0-" + version.split(",")[0].strip()


class Ssh(unittest.TestCase):
    def _round(self, *tracer_args, json_output=True):
        with Sshd() as server:
            server_banner = server.banner()
            with Tracer("-c", "ssh", "-c", "sshd", *tracer_args, json_output=json_output) as tracer:
                result = server.login_fails()
                self.assertEqual(tracer.stop(), 0)
        self.assertEqual(result.returncode, 255, result.stderr)
        self.assertIn(b"Permission denied", result.stderr)
        return tracer, server_banner

    def test_banners_both_sides_and_kexinit(self):
        tracer, server_banner = self._round()
        events = tracer.events()
        found = select(events, event="exchange", protocol="ssh")
        ours = [e for e in found if e["comm"] == "ssh"]
        self.assertEqual(len(ours), 1, found)
        e = ours[0]
        expected_client = client_banner()
        self.assertEqual(e["role"], "client")
        self.assertEqual(e["request"]["banner"], expected_client)
        self.assertEqual(e["response"]["banner"], server_banner)
        software, _, comments = expected_client[len("SSH-2.0-"):].partition(" ")
        self.assertEqual((e["request"]["proto_version"], e["request"]["software"],
                          e["request"]["comments"]), ("2.0", software, comments))
        for side in ("request", "response"):
            self.assertTrue(e[side]["kexinit"], e)
            self.assertNotIn("partial", e[side])
        offered = subprocess.run(["ssh", "-Q", "kex"], capture_output=True, text=True).stdout
        client_kex = e["request"]["kex_algorithms"].split(",")
        self.assertTrue(set(client_kex) - {"ext-info-c", "kex-strict-c-v00@openssh.com"}
                        <= set(offered.split()))
        self.assertEqual(e["response"]["host_key_algorithms"].split(",")[-1], "ssh-ed25519")
        self.assertIn("chacha20-poly1305@openssh.com", e["request"]["ciphers"].split(","))
        self.assertIsNotNone(e["latency_ns"])
        # Everything after the exchange is encrypted: not decoded.
        data = select(events, event="data", pid=e["pid"], fd=e["fd"])
        after = [d for d in data if d["ts_ns"] > e["ts_ns"]]
        self.assertTrue(after)
        self.assertTrue(all(d["encrypted"] for d in after), after[:2])
        # sshd's side: its socket is the re-executed child's (role unknown to
        # the tracer), yet its reading is the server's: the client's line is
        # the request.
        theirs = [x for x in found if x["comm"] == "sshd"]
        self.assertTrue(theirs, found)
        self.assertEqual((theirs[0]["request"]["banner"], theirs[0]["response"]["banner"]),
                         (expected_client, server_banner))

    def test_human_line(self):
        tracer, server_banner = self._round("--exchanges-only", json_output=False)
        lines = [l for l in tracer.stdout_text.decode().splitlines() if " ssh " in l]
        mine = [l for l in lines if re.search(r"\d ssh +\d+ exchange", l)]
        self.assertEqual(len(mine), 1, lines)
        self.assertRegex(mine[0], r"ssh %s -> %s  [\d.]+(us|ms)  req \d+B resp \d+B  "
                                  r"kex=\S+ host_key=ssh-ed25519 cipher=\S+$"
                         % (re.escape(client_banner()), re.escape(server_banner)))

    def test_protocol_option(self):
        tracer, _ = self._round("--protocol", "ssh")
        events = tracer.events()
        self.assertTrue(select(events, event="exchange", protocol="ssh"))
        self.assertEqual({e.get("protocol") for e in events if e["event"] in ("data", "exchange")},
                         {"ssh"})


if __name__ == "__main__":
    unittest.main()
