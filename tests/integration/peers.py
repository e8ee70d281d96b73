"""Real protocol servers on loopback for the integration tests, each started
in a temporary directory and stopped by its context manager."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def wait_for_port(port, host="127.0.0.1", timeout=20, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("server exited with %s" % proc.returncode)
        with socket.socket() as probe:
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("nothing listens on %s:%d" % (host, port))


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A background process, terminated at exit."""

    def __init__(self, args, tmp=None, **kwargs):
        self.tmp = tmp or tempfile.mkdtemp(prefix="st-peer-")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     **kwargs)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


HTTP_SERVER = r"""
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        if self.path == "/missing":
            body = b"not here"
            self.send_response(404, "Not Found")
        else:
            body = b"x" * int(self.path.rsplit("/", 1)[-1] or 0) if self.path.startswith("/size/") else b"hello"
            self.send_response(200, "OK")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.rfile.read(length)
        self.send_response(201, "Created")
        self.send_header("Content-Length", "0")
        self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


class HttpServer(Process):
    def __init__(self):
        self.port = free_port()
        super().__init__([sys.executable, "-c", HTTP_SERVER, str(self.port)])
        wait_for_port(self.port, proc=self.proc)


NGINX_CONFIG = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    client_max_body_size 64m;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
    }}
}}
"""


class NginxServer(Process):
    """nginx, one worker, serving files (path under www/ -> content; by default
    a static index.html; a POST to one: 405). program: the binary to run (a
    copy under another name gives its processes a comm of their own)."""

    def __init__(self, files=None, program="nginx"):
        self.port = free_port()
        tmp = tempfile.mkdtemp(prefix="st-nginx-http-")
        os.chmod(tmp, 0o755)  # the worker (not root) reads www/
        for path, content in (files or {"index.html": "static\n"}).items():
            full = os.path.join(tmp, "www", path)
            os.makedirs(os.path.dirname(full), mode=0o755, exist_ok=True)
            with open(full, "w") as f:
                f.write(content)
        config = os.path.join(tmp, "nginx.conf")
        with open(config, "w") as f:
            f.write(NGINX_CONFIG.format(tmp=tmp, port=self.port))
        super().__init__([program, "-c", config, "-p", tmp], tmp=tmp)
        wait_for_port(self.port, proc=self.proc)


class RedisServer(Process):
    def __init__(self):
        self.port = free_port()
        super().__init__(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--protected-mode", "no"])
        wait_for_port(self.port, proc=self.proc)


class DnsServer(Process):
    """dnsmasq answering example.test names itself, no upstream."""

    def __init__(self):
        self.port = free_port(socket.SOCK_DGRAM)
        super().__init__(["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                          "--no-daemon", "--listen-address=127.0.0.1", "--bind-interfaces",
                          "--port=%d" % self.port, "--address=/web.example.test/10.1.2.3",
                          "--address=/v6.example.test/fd00::7", "--pid-file=",
                          "--user=root", "--log-facility=-"])
        deadline = time.time() + 10
        while time.time() < deadline:
            probe = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "@127.0.0.1",
                                    "-p", str(self.port), "web.example.test"],
                                   capture_output=True, text=True)
            if probe.stdout.strip() == "10.1.2.3":
                return
            time.sleep(0.1)
        raise AssertionError("dnsmasq did not answer")


class TlsServer(Process):
    def __init__(self):
        self.port = free_port()
        tmp = tempfile.mkdtemp(prefix="st-tls-")
        self.cert, self.key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                        "/CN=localhost", "-keyout", self.key, "-out", self.cert, "-days", "1"],
                       check=True, capture_output=True)
        super().__init__(["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                          "-cert", self.cert, "-key", self.key, "-quiet"],
                         stdin=subprocess.PIPE)
        self.certdir = tmp
        wait_for_port(self.port, proc=self.proc)

    def stop(self):
        super().stop()
        self.proc.stdin.close()
        shutil.rmtree(self.certdir, ignore_errors=True)


class PostgresServer(Process):
    """A throwaway cluster, run as the postgres user, TCP on loopback only."""

    def __init__(self):
        self.port = free_port()
        bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.data = tempfile.mkdtemp(prefix="st-pg-")
        shutil.chown(self.data, "postgres", "postgres")
        subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                        os.path.join(bindir, "initdb"),
                        "-D", self.data, "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)
        super().__init__(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                          os.path.join(bindir, "postgres"),
                          "-D", self.data, "-p", str(self.port), "-h", "127.0.0.1",
                          "-k", self.data, "-c", "ssl=off"])
        wait_for_port(self.port, proc=self.proc, timeout=60)

    def stop(self):
        super().stop()
        shutil.rmtree(self.data, ignore_errors=True)


class SshServer(Process):
    """OpenSSH's sshd in the foreground, as shipped: it forks and re-execs itself for
    each connection. Its host key, a user key for root and its configuration live in
    its temporary directory; client(command) is the ssh command line that logs in."""

    CONFIG = """
ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_key
AuthorizedKeysFile {dir}/authorized_keys
PidFile {dir}/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
"""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="st-sshd-")
        self.key = os.path.join(self.dir, "user_key")
        for path in (os.path.join(self.dir, "host_key"), self.key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path],
                           check=True, capture_output=True)
        shutil.copy(self.key + ".pub", os.path.join(self.dir, "authorized_keys"))
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(self.CONFIG.format(port=self.port, dir=self.dir))
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # its privilege separation dir
        super().__init__(["/usr/sbin/sshd", "-D", "-e", "-f", config])
        wait_for_port(self.port, proc=self.proc)

    def client(self, command):
        return ["ssh", "-F", "/dev/null", "-i", self.key, "-o", "IdentitiesOnly=yes",
                "-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-p", str(self.port), "root@127.0.0.1", command]

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)
