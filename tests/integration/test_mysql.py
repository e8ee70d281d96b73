"""MySQL protocol decoding with a real MariaDB server and real clients: the
mariadb CLI (text protocol, TLS), pymysql, a libmariadb C client built here
(server-side prepared statements, COM_STMT_*), and a raw client asking for
CLIENT_DEPRECATE_EOF. Each test class starts its own throwaway server
(MariaDB below: a temporary data directory, a loopback port, a password
user) and selects its exchanges by the client's pid, so other traffic on
the machine cannot change the counts."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from tracer import Tracer, require_root, select

require_root()

SYSTEM_PYTHON = "/usr/bin/python3"  # pymysql is Debian's python3-pymysql
USER = "st_user"
PASSWORD = "Pa55-w0rd-st"
DATABASE = "golden"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MariaDB:
    """mariadbd on a loopback port with a certificate (TLS on request), a
    user with a password and a database; stopped and removed at exit."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="st-mysql-")
        self.port = free_port()
        self.socket = os.path.join(self.tmp, "sock")
        data = os.path.join(self.tmp, "data")
        subprocess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data, "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", os.path.join(self.tmp, "key.pem"),
                        "-out", os.path.join(self.tmp, "cert.pem")],
                       check=True, capture_output=True, timeout=60)
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--datadir=" + data, "--socket=" + self.socket,
             "--port=%d" % self.port, "--bind-address=127.0.0.1", "--user=root",
             "--skip-log-bin", "--pid-file=" + os.path.join(self.tmp, "pid"),
             "--ssl-cert=" + os.path.join(self.tmp, "cert.pem"),
             "--ssl-key=" + os.path.join(self.tmp, "key.pem")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("mariadbd exited: %s" % self.proc.stderr.read().decode())
            probe = subprocess.run(["mariadb", "--no-defaults", "-S", self.socket, "-uroot",
                                    "-e", "SELECT 1"], capture_output=True)
            if probe.returncode == 0:
                break
            if time.time() > deadline:
                raise AssertionError("mariadbd did not start")
            time.sleep(0.2)
        self.admin("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'; GRANT ALL ON *.* TO '%s'@'%%';"
                   " CREATE DATABASE %s" % (USER, PASSWORD, USER, DATABASE))

    def admin(self, sql):
        return subprocess.run(["mariadb", "--no-defaults", "-S", self.socket, "-uroot", "-N",
                               "-e", sql], check=True, capture_output=True, text=True).stdout

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def cli(server, sql, *options, env=None):
    """The mariadb CLI over TCP; returns (pid, stdout)."""
    proc = subprocess.Popen(["mariadb", "--no-defaults", "-h127.0.0.1", "-P%d" % server.port,
                             "-u" + USER, "-p" + PASSWORD, DATABASE, "-N", "-B"] + list(options)
                            + ["-e", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    out, err = proc.communicate(timeout=60)
    return proc.pid, proc.returncode, out.decode(), err.decode()


def system_python(code, *args):
    proc = subprocess.run([SYSTEM_PYTHON, "-c", code] + [str(a) for a in args],
                          capture_output=True, timeout=60)
    if proc.returncode:
        raise AssertionError("client failed: %s" % proc.stderr.decode())
    return json.loads(proc.stdout.decode())


PYMYSQL_CLIENT = r"""
import json, os, sys, pymysql
conn = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2],
                       password=sys.argv[3], database=sys.argv[4], autocommit=True)
cur = conn.cursor()
result = {"pid": os.getpid(), "thread_id": conn.thread_id(),
          "server_version": conn.get_server_info()}
cur.execute("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))")
result["insert_affected"] = cur.execute("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')")
result["insert_id"] = cur.lastrowid
result["select_rows"] = cur.execute("SELECT id, v FROM t ORDER BY id")
result["select"] = [list(r) for r in cur.fetchall()]
try:
    cur.execute("SELEC oops")
except pymysql.err.ProgrammingError as e:
    result["error"] = [e.args[0], e.args[1]]
result["update_affected"] = cur.execute("UPDATE t SET v = 'z' WHERE id > 1")
conn.ping(reconnect=False)
conn.select_db("mysql")
cur.execute("SELECT seq FROM seq_1_to_20000")
result["big_rows"] = len(cur.fetchall())
cur.execute("SELECT 'after'")
result["after"] = cur.fetchall()[0][0]
conn.close()
print(json.dumps(result))
"""

STMT_CLIENT_C = r"""
/* Server-side prepared statements through libmariadb: COM_STMT_PREPARE,
 * COM_STMT_EXECUTE with bound parameters, COM_STMT_CLOSE. */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	MYSQL *m = mysql_init(NULL);
	my_bool no = 0;
	const char *q = "SELECT ?, ?, ?, ? FROM seq_1_to_3";

	mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &no);
	if (!mysql_real_connect(m, "127.0.0.1", argv[2], argv[3], argv[4], atoi(argv[1]), NULL, 0)) {
		fprintf(stderr, "connect: %s\n", mysql_error(m));
		return 1;
	}
	MYSQL_STMT *st = mysql_stmt_init(m);
	if (mysql_stmt_prepare(st, q, strlen(q))) {
		fprintf(stderr, "prepare: %s\n", mysql_stmt_error(st));
		return 1;
	}
	MYSQL_BIND b[4];
	long long i = 42;
	double d = 2.5;
	char s[] = "hi there";
	unsigned long slen = strlen(s);
	my_bool isnull = 1;

	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_LONGLONG;
	b[0].buffer = &i;
	b[1].buffer_type = MYSQL_TYPE_STRING;
	b[1].buffer = s;
	b[1].length = &slen;
	b[2].buffer_type = MYSQL_TYPE_DOUBLE;
	b[2].buffer = &d;
	b[3].buffer_type = MYSQL_TYPE_NULL;
	b[3].is_null = &isnull;
	mysql_stmt_bind_param(st, b);
	if (mysql_stmt_execute(st) || mysql_stmt_store_result(st)) {
		fprintf(stderr, "execute: %s\n", mysql_stmt_error(st));
		return 1;
	}
	printf("{\"pid\": %d, \"stmt_id\": %lu, \"params\": %lu, \"columns\": %u, \"rows\": %llu}\n",
	       (int)getpid(), (unsigned long)st->stmt_id, mysql_stmt_param_count(st),
	       mysql_stmt_field_count(st), (unsigned long long)mysql_stmt_num_rows(st));
	mysql_stmt_close(st);
	mysql_close(m);
	return 0;
}
"""

# A raw client asking for CLIENT_DEPRECATE_EOF: result sets end with an OK
# whose header is 0xfe and have no EOF after their columns.
RAW_CLIENT = r"""
import json, os, socket, struct, sys
from pymysql._auth import scramble_native_password

def read_packet(sock):
    head = b""
    while len(head) < 4:
        head += sock.recv(4 - len(head))
    n = head[0] | head[1] << 8 | head[2] << 16
    body = b""
    while len(body) < n:
        body += sock.recv(n - len(body))
    return body

def send_packet(sock, seq, body):
    sock.sendall(struct.pack("<I", len(body))[:3] + bytes([seq]) + body)

port, user, password, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sock = socket.create_connection(("127.0.0.1", port))
greeting = read_packet(sock)
end = greeting.index(0, 1)
salt = greeting[end + 5:end + 13] + greeting[end + 32:end + 44]
caps = 0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000 | 0x1000000
auth = scramble_native_password(password.encode(), salt)
send_packet(sock, 1, struct.pack("<IIB23x", caps, 1 << 24, 33) + user.encode() + b"\0"
            + bytes([len(auth)]) + auth + db.encode() + b"\0" + b"mysql_native_password\0")
assert read_packet(sock)[0] == 0

def query(text):
    send_packet(sock, 0, b"\x03" + text.encode())
    first = read_packet(sock)
    if first[0] in (0, 0xff):
        return {"first": first[0]}
    columns = first[0]
    for _ in range(columns):
        read_packet(sock)
    rows = 0
    while True:
        p = read_packet(sock)
        if p[0] == 0xfe and len(p) < 0xffffff:
            return {"columns": columns, "rows": rows}
        rows += 1

result = {"pid": os.getpid()}
result["three"] = query("SELECT seq, 'x' FROM seq_1_to_3")
result["empty"] = query("SELECT 1 FROM DUAL WHERE 0")
send_packet(sock, 0, b"\x01")
sock.close()
print(json.dumps(result))
"""


def by_pid(events, pid):
    return [e for e in events if e.get("pid") == pid]


def exchanges(events):
    return select(events, event="exchange")


def typed(found, side, kind):
    return [e for e in found if e.get(side) and e[side]["type"] == kind]


class MysqlTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = MariaDB()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def check_login(self, found, tls=False):
        greetings = [e for e in found if e.get("alone") and e["request"]["type"] == "greeting"]
        logins = typed(found, "request", "login")
        self.assertEqual(len(logins), 1, found)
        login = logins[0]
        self.assertEqual(login["request"]["user"], USER)
        self.assertEqual(login["request"]["database"], DATABASE)
        self.assertEqual(login["request"]["auth_response"], "***")
        self.assertEqual(login["request"]["seq"], 2 if tls else 1)
        self.assertEqual(login["response"]["type"], "ok")
        self.assertEqual(login["tls"], tls)
        return greetings, login


class TextProtocol(MysqlTestCase):
    def test_pymysql_session_every_exchange_paired(self):
        with Tracer("-c", "python3", "--exchanges-only") as tracer:
            result = system_python(PYMYSQL_CLIENT, self.server.port, USER, PASSWORD, DATABASE)
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(by_pid(tracer.events(), result["pid"]))
        greetings, login = self.check_login(found)
        # The greeting, alone: the version and connection id the client saw.
        self.assertEqual(len(greetings), 1, found)
        greeting = greetings[0]["request"]
        self.assertEqual(greeting["server_version"], result["server_version"])
        self.assertEqual(greeting["connection_id"], result["thread_id"])
        self.assertEqual(greeting["protocol_version"], 10)
        queries = typed(found, "request", "query")
        texts = [q["request"]["query"] for q in queries]
        self.assertEqual(texts[:5], [
            "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))",
            "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')", "SELECT id, v FROM t ORDER BY id",
            "SELEC oops", "UPDATE t SET v = 'z' WHERE id > 1"], found)
        create, insert, select_, error, update = queries[:5]
        self.assertEqual(create["response"]["type"], "ok")
        self.assertEqual(insert["response"]["affected_rows"], result["insert_affected"])
        self.assertEqual(insert["response"]["last_insert_id"], result["insert_id"])
        self.assertEqual(update["response"]["affected_rows"], result["update_affected"])
        self.assertEqual(update["response"]["affected_rows"], 2)
        self.assertEqual(select_["response"]["type"], "result_set")
        self.assertEqual(select_["response"]["rows"], result["select_rows"])
        self.assertEqual(select_["response"]["rows"], len(result["select"]))
        self.assertEqual(select_["response"]["columns"], 2)
        self.assertEqual(error["response"]["type"], "error")
        self.assertEqual(error["response"]["error_code"], result["error"][0])
        self.assertEqual(error["response"]["error_code"], 1064)
        self.assertEqual(error["response"]["sql_state"], "42000")
        self.assertEqual(error["response"]["error"], result["error"][1])
        # COM_PING, COM_INIT_DB answered; COM_QUIT alone.
        ping = typed(found, "request", "ping")
        self.assertEqual(len(ping), 1, found)
        self.assertEqual(ping[0]["response"]["type"], "ok")
        init_db = typed(found, "request", "init_db")
        self.assertEqual([e["request"]["database"] for e in init_db], ["mysql"])
        self.assertEqual(init_db[0]["response"]["type"], "ok")
        quit_ = typed(found, "request", "quit")
        self.assertEqual(len(quit_), 1, found)
        self.assertTrue(quit_[0]["alone"])
        self.assertIsNone(quit_[0]["response"])
        # The large result (skipped, maybe partial) leaves the next pairing right.
        big, after = queries[5:7]
        self.assertEqual(big["request"]["query"], "SELECT seq FROM seq_1_to_20000")
        self.assertIsNotNone(big["response"])
        self.assertEqual(after["request"]["query"], "SELECT 'after'")
        self.assertEqual(after["response"]["type"], "result_set")
        self.assertEqual(after["response"]["rows"], 1)
        self.assertFalse(after["response"].get("partial", False))
        self.assertEqual(len(queries), 7, found)
        # Every exchange has a latency; nothing unpaired but the alone ones.
        for e in found:
            if not e.get("alone"):
                self.assertIsNotNone(e["request"], e)
                self.assertIsNotNone(e["response"], e)
                self.assertGreater(e["latency_ns"], 0, e)
        self.assertEqual(len(found), 1 + 1 + 7 + 1 + 1 + 1, found)

    def test_large_result_fully_captured_counts_every_row(self):
        with Tracer("-c", "mariadb", "--data-size", "32768") as tracer:
            pid, code, out, err = cli(self.server, "SELECT seq FROM seq_1_to_20000; "
                                      "SELECT 'after'", "--skip-ssl")
            self.assertEqual(code, 0, err)
            self.assertEqual(tracer.stop(), 0)
        lines = out.splitlines()
        self.assertEqual(len(lines), 20001)
        events = by_pid(tracer.events(), pid)
        found = exchanges(events)
        big, after = typed(found, "request", "query")
        received = [e for e in select(events, event="data", direction="recv")
                    if big["request_ts_ns"] <= e["ts_ns"] < after["request_ts_ns"]]
        self.assertEqual(big["response_bytes"], sum(e["bytes"] for e in received))
        if big["response"].get("partial"):
            self.skipTest("the client read more than 32768 bytes at once: %s" % big)
        self.assertEqual(big["response"]["rows"], len(lines) - 1)
        self.assertEqual(big["response"]["columns"], 1)
        self.assertEqual(after["response"]["rows"], 1)

    def test_cli_human_lines(self):
        with Tracer("-c", "mariadb", "--exchanges-only", json_output=False) as tracer:
            pid, code, out, err = cli(self.server, "CREATE TABLE h (a INT); INSERT INTO h VALUES "
                                      "(1),(2); SELECT a FROM h; DROP TABLE h; SELEC oops",
                                      "--skip-ssl")
            self.assertEqual(code, 1)
            self.assertIn("ERROR 1064 (42000)", err)
            self.assertEqual(tracer.stop(), 0)
        text = tracer.stdout_text.decode()
        lines = [l for l in text.splitlines() if " %d " % pid in l]
        expected = [
            "mysql greeting ",
            "mysql login user=%s database=%s plugin=mysql_native_password auth=*** -> OK"
            % (USER, DATABASE),
            'mysql query "CREATE TABLE h (a INT)" -> OK',
            'mysql query "INSERT INTO h VALUES (1),(2)" -> OK, 2 rows affected',
            'mysql query "SELECT a FROM h" -> 1 column, 2 rows',
            'mysql query "DROP TABLE h" -> OK',
            'mysql query "SELEC oops" -> ERR 1064 (42000) You have an error in your SQL syntax',
            "mysql quit",
        ]
        self.assertEqual(len(lines), len(expected), lines)
        for line, want in zip(lines, expected):
            self.assertIn(want, line)
        self.assertNotIn(PASSWORD, text)


class PreparedStatements(MysqlTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build = tempfile.mkdtemp(prefix="st-mysql-stmt-")
        source = os.path.join(cls.build, "st_stmt_client.c")
        with open(source, "w") as f:
            f.write(STMT_CLIENT_C)
        cls.client = os.path.join(cls.build, "st_stmt_client")
        cflags = subprocess.run(["pkg-config", "--cflags", "--libs", "libmariadb"],
                                capture_output=True, text=True)
        flags = cflags.stdout.split() if cflags.returncode == 0 else \
            ["-I/usr/include/mariadb", "-lmariadb"]
        subprocess.run(["gcc", "-o", cls.client, source] + flags, check=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build, ignore_errors=True)
        super().tearDownClass()

    def run_client(self, *tracer_args, json_output=True):
        with Tracer("-c", "st_stmt_client", *tracer_args, json_output=json_output) as tracer:
            proc = subprocess.run([self.client, str(self.server.port), USER, PASSWORD, DATABASE],
                                  capture_output=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertEqual(tracer.stop(), 0)
        return json.loads(proc.stdout.decode()), tracer

    def test_prepare_execute_close(self):
        result, tracer = self.run_client("--exchanges-only")
        found = exchanges(by_pid(tracer.events(), result["pid"]))
        self.check_login(found)
        prepare = typed(found, "request", "stmt_prepare")
        self.assertEqual(len(prepare), 1, found)
        prepare = prepare[0]
        self.assertEqual(prepare["request"]["query"], "SELECT ?, ?, ?, ? FROM seq_1_to_3")
        self.assertEqual(prepare["response"]["type"], "prepare_ok")
        self.assertEqual(prepare["response"]["statement_id"], result["stmt_id"])
        self.assertEqual(prepare["response"]["params"], result["params"])
        self.assertEqual(prepare["response"]["columns"], result["columns"])
        execute = typed(found, "request", "stmt_execute")
        self.assertEqual(len(execute), 1, found)
        execute = execute[0]
        request = execute["request"]
        self.assertEqual(request["statement_id"], result["stmt_id"])
        self.assertEqual(request["query"], "SELECT ?, ?, ?, ? FROM seq_1_to_3")
        self.assertEqual(request["params"], ["42", "hi there", "2.5", None])
        self.assertEqual(request["param_types"], ["longlong", "string", "double", "null"])
        self.assertEqual(request["n_params"], 4)
        self.assertEqual(execute["response"]["type"], "result_set")
        self.assertEqual(execute["response"]["rows"], result["rows"])
        self.assertEqual(execute["response"]["rows"], 3)
        self.assertEqual(execute["response"]["columns"], result["columns"])
        close = typed(found, "request", "stmt_close")
        self.assertEqual(len(close), 1, found)
        self.assertTrue(close[0]["alone"])
        self.assertEqual(close[0]["request"]["statement_id"], result["stmt_id"])
        # greeting, login, prepare, execute, close, quit
        self.assertEqual(len(found), 6, found)

    def test_execute_human_line(self):
        result, tracer = self.run_client("--exchanges-only", json_output=False)
        lines = [l for l in tracer.stdout_text.decode().splitlines()
                 if " %d " % result["pid"] in l]
        self.assertTrue(any('mysql execute %d "SELECT ?, ?, ?, ? FROM seq_1_to_3" '
                            "[42, 'hi there', 2.5, NULL] -> 4 columns, 3 rows" % result["stmt_id"]
                            in l for l in lines), lines)
        self.assertTrue(any('mysql prepare "SELECT ?, ?, ?, ? FROM seq_1_to_3" -> statement %d, '
                            "4 params, 4 columns" % result["stmt_id"] in l for l in lines), lines)


class DeprecateEof(MysqlTestCase):
    def test_ok_terminated_result_sets(self):
        with Tracer("-c", "python3", "--exchanges-only") as tracer:
            result = system_python(RAW_CLIENT, self.server.port, USER, PASSWORD, DATABASE)
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(by_pid(tracer.events(), result["pid"]))
        greetings, login = self.check_login(found)
        self.assertTrue(login["request"]["capabilities"] & 0x01000000)
        three, empty = typed(found, "request", "query")
        self.assertEqual(three["response"]["rows"], result["three"]["rows"])
        self.assertEqual(three["response"]["rows"], 3)
        self.assertEqual(three["response"]["columns"], result["three"]["columns"])
        self.assertEqual(empty["response"]["rows"], result["empty"]["rows"])
        self.assertEqual(empty["response"]["rows"], 0)
        self.assertEqual(len(found), 5, found)  # greeting, login, 2 queries, quit


class Credentials(MysqlTestCase):
    def run_cleartext(self, *tracer_args):
        """The client sends its password in clear in the login (the
        mysql_clear_password plugin); the server switches it to
        mysql_native_password: auth data follows."""
        env = dict(os.environ, LIBMYSQL_ENABLE_CLEARTEXT_PLUGIN="1")
        with Tracer("-c", "mariadb", *tracer_args) as tracer:
            pid, code, out, err = cli(self.server, "SELECT 1", "--skip-ssl",
                                      "--default-auth=mysql_clear_password", env=env)
            self.assertEqual(code, 0, err)
            self.assertEqual(tracer.stop(), 0)
        return pid, tracer

    def test_cleartext_password_masked(self):
        pid, tracer = self.run_cleartext()
        self.assertNotIn(PASSWORD, tracer.stdout_text.decode())
        events = by_pid(tracer.events(), pid)
        found = exchanges(events)
        login = typed(found, "request", "login")[0]
        self.assertEqual(login["request"]["plugin"], "mysql_clear_password")
        self.assertEqual(login["response"]["type"], "auth_switch")
        self.assertEqual(login["response"]["plugin"], "mysql_native_password")
        auth = typed(found, "request", "auth_data")
        self.assertEqual(len(auth), 1, found)
        self.assertEqual(auth[0]["request"]["auth_response"], "***")
        self.assertEqual(auth[0]["response"]["type"], "ok")
        sent = select(events, event="data", direction="send")
        self.assertIn("*" * len(PASSWORD), sent[0]["data"])
        self.assertIn("*" * 20, sent[1]["data"])  # the scramble
        self.assertEqual(typed(found, "request", "query")[0]["response"]["rows"], 1)

    def test_show_secrets_shows_the_bytes(self):
        # The same run with --show-secrets: the mask above was the decoder's.
        pid, tracer = self.run_cleartext("--show-secrets")
        self.assertIn(PASSWORD, tracer.stdout_text.decode())
        found = exchanges(by_pid(tracer.events(), pid))
        # The auth response is never kept: masked in the exchange all the same.
        self.assertEqual(typed(found, "request", "login")[0]["request"]["auth_response"], "***")


class Tls(MysqlTestCase):
    def test_ssl_request_then_plaintext_decoded(self):
        with Tracer("-c", "mariadb") as tracer:
            pid, code, out, err = cli(self.server, "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
                                      "--ssl", "--ssl-verify-server-cert=0")
            self.assertEqual(code, 0, err)
            self.assertEqual(tracer.stop(), 0)
        cipher = out.split()[1] if len(out.split()) > 1 else ""
        self.assertTrue(cipher, out)  # the session was encrypted
        events = by_pid(tracer.events(), pid)
        found = exchanges(events)
        ssl = typed(found, "request", "ssl_request")
        self.assertEqual(len(ssl), 1, found)
        self.assertTrue(ssl[0]["alone"])
        self.assertFalse(ssl[0]["tls"])
        greetings, login = self.check_login(found, tls=True)
        self.assertEqual(len(greetings), 1, found)
        query = typed(found, "request", "query")
        self.assertEqual(len(query), 1, found)
        self.assertTrue(query[0]["tls"])
        self.assertEqual(query[0]["request"]["query"], "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        self.assertEqual(query[0]["response"]["rows"], 1)
        self.assertEqual(query[0]["response"]["columns"], 2)
        self.assertNotIn(PASSWORD, tracer.stdout_text.decode())


class ProtocolOption(MysqlTestCase):
    def test_protocol_mysql_keeps_only_mysql(self):
        with Tracer("-c", "mariadb", "--protocol", "mysql", "--exchanges-only") as tracer:
            pid, code, out, err = cli(self.server, "SELECT 1", "--skip-ssl")
            self.assertEqual(code, 0, err)
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(by_pid(tracer.events(), pid))
        self.assertEqual([e["protocol"] for e in found], ["mysql"] * 4, found)
        self.assertIn("mysql", subprocess.run([tracer.args[0], "--help"], capture_output=True,
                                              text=True).stdout)


if __name__ == "__main__":
    unittest.main()
