"""PostgreSQL decoding with a real server and real clients: psql (simple
query protocol) and psycopg 3 (extended protocol), trust and password
authentication. Each test runs its own throwaway cluster (peers.PostgresServer)
and selects its exchanges by the client's pid or comm, so other traffic on the
machine cannot change the counts."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from peers import PostgresServer
from tracer import Tracer, require_root, select

require_root()

# psycopg 3 is installed for the system python only (python3-psycopg).
SYSTEM_PYTHON = "/usr/bin/python3"

PSYCOPG_CLIENT = r"""
import json, os, sys
import psycopg
conn = psycopg.connect("host=127.0.0.1 port=%s user=postgres dbname=postgres sslmode=disable"
                       % sys.argv[1], autocommit=True)
cur = conn.cursor()
cur.execute("select %s::int, %s::text, %s", (42, "hi there", None))
rows = cur.fetchall()
error = None
try:
    cur.execute("select * from nope where a = %s", (7,))
except psycopg.Error as e:
    error = e.sqlstate
conn.close()
print(json.dumps({"pid": os.getpid(), "rows": [list(r) for r in rows], "error": error}))
"""

# One connection, the same parameterised query 8 times: psycopg 3 prepares
# it server-side once it has run prepare_threshold (5) times, so the later
# executions are a Bind of the prepared statement's name and no Parse.
# With "prepare" in argv, every execute asks for it (prepare=True).
PSYCOPG_REPEAT_CLIENT = r"""
import json, os, sys
import psycopg
conn = psycopg.connect("host=127.0.0.1 port=%s user=postgres dbname=postgres sslmode=disable"
                       % sys.argv[1], autocommit=True)
always = len(sys.argv) > 2 and sys.argv[2] == "prepare"
results = []
for i in range(1, 9):
    cur = conn.execute("select %s::int * 2", (i,), prepare=True if always else None)
    results.append(cur.fetchone()[0])
conn.close()
print(json.dumps({"pid": os.getpid(), "results": results,
                  "threshold": conn.prepare_threshold}))
"""
REPEAT_QUERY = "select $1::int * 2"


def exchanges(events, **fields):
    return select(events, event="exchange", **fields)


def psql_command(server, *args, password=None):
    env = dict(os.environ, PGSSLMODE="disable")
    if password is not None:
        env["PGPASSWORD"] = password
    return (["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
             "-d", "postgres"] + list(args), env)


def run_psql(server, *args, password=None, check=True):
    command, env = psql_command(server, *args, password=password)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError("psql failed: %s" % err.decode())
    return proc.pid, out.decode()


def by_pid(events, pid):
    return [e for e in events if e.get("pid") == pid]


def generate_series_reply_bytes(n):
    """The bytes of the server's reply to 'select generate_series(1, n)', from
    the protocol: RowDescription (one int4 column named generate_series),
    a DataRow per value, CommandComplete 'SELECT n', ReadyForQuery."""
    row_description = 1 + 4 + 2 + len(b"generate_series\0") + 18
    data_rows = sum(1 + 4 + 2 + 4 + len(str(i)) for i in range(1, n + 1))
    command_complete = 1 + 4 + len(b"SELECT %d\0" % n)
    return row_description + data_rows + command_complete + 6


class PasswordServer:
    """A PostgresServer whose TCP logins need a password: the postgres
    user's password is set while trust still holds, then pg_hba.conf asks
    for METHOD (password: cleartext; scram-sha-256) and the server reloads."""

    PASSWORD = "s3cret-Pa55"

    def __init__(self, method, password=PASSWORD):
        self.server = PostgresServer()
        self.port = self.server.port
        run_psql(self.server, "-c", "ALTER USER postgres PASSWORD '%s'" % password)
        with open(os.path.join(self.server.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\nhost all all 127.0.0.1/32 %s\n" % method)
        os.kill(self.server.proc.pid, signal.SIGHUP)
        deadline = time.time() + 20
        while True:
            command, env = psql_command(self.server, "-c", "select 1")
            env.pop("PGPASSWORD", None)
            env["PGPASSWORD"] = "wrong"
            probe = subprocess.run(command, env=env, capture_output=True)
            if probe.returncode != 0:
                break  # the reload took: a wrong password fails
            if time.time() > deadline:
                raise AssertionError("pg_hba.conf reload not seen")
            time.sleep(0.1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.stop()


class SimpleQuery(unittest.TestCase):
    def test_multi_statement_query_is_one_exchange(self):
        with PostgresServer() as server, Tracer("-c", "psql") as tracer:
            pid, out = run_psql(server, "-c", "select 1; select 2")
            self.assertEqual(tracer.stop(), 0)
        events = by_pid(tracer.events(), pid)
        found = exchanges(events)
        queries = [e for e in found if e["request"] and e["request"]["type"] == "query"]
        self.assertEqual(len(queries), 1, found)
        query = queries[0]
        self.assertEqual(query["request"]["query"], "select 1; select 2")
        self.assertEqual(query["response"]["type"], "command_complete")
        self.assertEqual(query["response"]["tags"], ["SELECT 1", "SELECT 1"])
        self.assertEqual(query["response"]["n_tags"], 2)
        self.assertEqual(query["response"]["rows"], 2)
        self.assertEqual(query["response"]["status"], "idle")
        # Nothing unpaired: the startup and this query, each with both sides.
        self.assertEqual(len(found), 2, found)
        self.assertTrue(all(e["request"] and e["response"] for e in found))
        startup = found[0]
        self.assertEqual(startup["request"]["type"], "startup")
        self.assertEqual(startup["response"]["type"], "ready")
        self.assertEqual(startup["response"]["auth"], "ok")
        # Sizes are every byte each side sent: the reply is all that psql
        # received after its query was sent.
        sent = [e for e in select(events, event="data", direction="send")]
        received = [e for e in select(events, event="data", direction="recv")]
        query_sent = [e for e in sent if e["ts_ns"] >= query["request_ts_ns"]]
        self.assertEqual(query["request_bytes"], len(b"select 1; select 2\0") + 5)
        self.assertEqual(query["response_bytes"],
                         sum(e["bytes"] for e in received if e["ts_ns"] >= query["request_ts_ns"]))
        self.assertTrue(query_sent)
        self.assertEqual(startup["response_bytes"],
                         sum(e["bytes"] for e in received if e["ts_ns"] < query["request_ts_ns"]))

    def test_large_result_then_another_query_pairs_both(self):
        with PostgresServer() as server, Tracer("-c", "psql") as tracer:
            pid, out = run_psql(server, "-c", "select generate_series(1,20000)",
                                "-c", "select 'after'")
            self.assertEqual(tracer.stop(), 0)
        self.assertIn("20000", out)
        self.assertIn("after", out)
        events = by_pid(tracer.events(), pid)
        found = exchanges(events)
        queries = [e for e in found if e["request"] and e["request"]["type"] == "query"]
        self.assertEqual([q["request"]["query"] for q in queries],
                         ["select generate_series(1,20000)", "select 'after'"], found)
        big, after = queries
        self.assertIsNotNone(big["response"])
        self.assertIsNotNone(after["response"])
        want = generate_series_reply_bytes(20000)
        self.assertEqual(big["response_bytes"], want)
        # The same, counted from the tracer's own data events: what psql
        # received between its two queries.
        received = [e for e in select(events, event="data", direction="recv")
                    if big["request_ts_ns"] <= e["ts_ns"] < after["request_ts_ns"]]
        self.assertEqual(sum(e["bytes"] for e in received), want)
        if not big["response"].get("partial"):
            self.assertEqual(big["response"]["tags"], ["SELECT 20000"])
            self.assertEqual(big["response"]["rows"], 20000)
        self.assertEqual(after["response"]["tags"], ["SELECT 1"])
        self.assertEqual(after["response"]["rows"], 1)
        self.assertFalse(after["response"].get("partial", False))
        self.assertEqual(len(found), 3, found)  # startup, both queries: nothing unpaired

    def test_large_result_fully_captured_has_its_tag_and_rows(self):
        # With a capture as large as psql's reads, every byte is seen.
        with PostgresServer() as server, \
                Tracer("-c", "psql", "--exchanges-only", "--data-size", "32768") as tracer:
            pid, out = run_psql(server, "-c", "select generate_series(1,20000)",
                                "-c", "select 'after'")
            self.assertEqual(tracer.stop(), 0)
        found = exchanges(by_pid(tracer.events(), pid))
        queries = [e for e in found if e["request"] and e["request"]["type"] == "query"]
        self.assertEqual(len(queries), 2, found)
        big = queries[0]
        self.assertEqual(big["response_bytes"], generate_series_reply_bytes(20000))
        if big["response"].get("partial"):
            self.skipTest("psql read more than 32768 bytes at once: %s" % big)
        self.assertEqual(big["response"]["tags"], ["SELECT 20000"])
        self.assertEqual(big["response"]["rows"], 20000)
        self.assertEqual(big["response"]["messages"], 20000 + 3)

    def test_error_and_human_line(self):
        with PostgresServer() as server, \
                Tracer("-c", "psql", "--exchanges-only", json_output=False) as tracer:
            run_psql(server, "-c", "select 1; select 2", check=False)
            run_psql(server, "-c", "select * from nope", check=False)
            self.assertEqual(tracer.stop(), 0)
        lines = [l for l in tracer.stdout_text.decode().splitlines() if " exchange " in l]
        self.assertTrue(any('postgres query "select 1; select 2" -> SELECT 1, SELECT 1 (2 rows)'
                            in l for l in lines), lines)
        self.assertTrue(any('postgres query "select * from nope" -> ERROR 42P01 relation '
                            '"nope" does not exist' in l for l in lines), lines)
        self.assertTrue(any("postgres startup user=postgres database=postgres application=psql"
                            " -> auth ok, ready" in l for l in lines), lines)


class ExtendedQuery(unittest.TestCase):
    def test_psycopg_parameters_and_error(self):
        with PostgresServer() as server, Tracer("-c", "python3") as tracer:
            proc = subprocess.run([SYSTEM_PYTHON, "-c", PSYCOPG_CLIENT, str(server.port)],
                                  capture_output=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertEqual(tracer.stop(), 0)
        import json
        result = json.loads(proc.stdout.decode())
        self.assertEqual(result["rows"], [[42, "hi there", None]])
        self.assertEqual(result["error"], "42P01")
        found = exchanges(by_pid(tracer.events(), result["pid"]))
        extended = [e for e in found if e["request"] and e["request"]["type"] == "extended"]
        self.assertEqual(len(extended), 2, found)
        select_, failing = extended
        self.assertEqual(select_["request"]["query"], "select $1::int, $2::text, $3")
        self.assertEqual(select_["request"]["action"], "execute")
        self.assertEqual(select_["request"]["params"], ["42", "hi there", None])
        self.assertEqual(select_["request"]["n_params"], 3)
        self.assertTrue(select_["request"]["messages"].endswith("S"))
        self.assertEqual(select_["response"]["tags"], ["SELECT 1"])
        self.assertEqual(select_["response"]["rows"], 1)
        self.assertEqual(failing["request"]["query"], "select * from nope where a = $1")
        self.assertEqual(failing["request"]["params"], ["7"])
        self.assertEqual(failing["response"]["type"], "error")
        self.assertEqual(failing["response"]["code"], "42P01")
        self.assertEqual(failing["response"]["error"], 'relation "nope" does not exist')
        self.assertEqual(failing["response"]["status"], "idle")
        # Every exchange paired: startup and the two batches.
        self.assertEqual(len(found), 3, found)
        self.assertTrue(all(e["request"] and e["response"] for e in found))

    def test_psycopg_human_line(self):
        with PostgresServer() as server, \
                Tracer("-c", "python3", "--exchanges-only", json_output=False) as tracer:
            proc = subprocess.run([SYSTEM_PYTHON, "-c", PSYCOPG_CLIENT, str(server.port)],
                                  capture_output=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertEqual(tracer.stop(), 0)
        lines = [l for l in tracer.stdout_text.decode().splitlines() if " exchange " in l]
        self.assertTrue(any('postgres execute "select $1::int, $2::text, $3" '
                            "[42, 'hi there', NULL] -> SELECT 1 (1 row)" in l
                            for l in lines), lines)
        self.assertTrue(any('postgres execute "select * from nope where a = $1" [7] -> '
                            'ERROR 42P01 relation "nope" does not exist' in l
                            for l in lines), lines)


class PreparedStatements(unittest.TestCase):
    """Statements prepared in one batch and executed in later ones: each
    exchange still shows the statement's text (remembered per connection)."""

    def run_client(self, *client_args, json_output=True):
        with PostgresServer() as server, \
                Tracer("-c", "python3", "--exchanges-only", json_output=json_output) as tracer:
            proc = subprocess.run([SYSTEM_PYTHON, "-c", PSYCOPG_REPEAT_CLIENT, str(server.port)]
                                  + list(client_args), capture_output=True, timeout=60)
            self.assertEqual(proc.returncode, 0, proc.stderr.decode())
            self.assertEqual(tracer.stop(), 0)
        import json
        result = json.loads(proc.stdout.decode())
        self.assertEqual(result["results"], [2 * i for i in range(1, 9)])
        return result, tracer

    def test_psycopg_prepared_after_threshold_shows_text_and_value(self):
        result, tracer = self.run_client()
        self.assertEqual(result["threshold"], 5)
        found = exchanges(by_pid(tracer.events(), result["pid"]))
        extended = [e for e in found if e["request"] and e["request"]["type"] == "extended"]
        # psycopg 3.1 prepares in a batch of its own (Parse, Sync) before
        # the 6th execution: 8 executes and 1 prepare.
        prepares = [e for e in extended if e["request"]["action"] == "prepare"]
        extended = [e for e in extended if e["request"]["action"] == "execute"]
        self.assertEqual(len(extended), 8, found)
        self.assertLessEqual(len(prepares), 1, prepares)
        for e in prepares:
            self.assertEqual(e["request"]["query"], REPEAT_QUERY, e)
            self.assertTrue(e["request"]["statement"], e)
        for i, e in enumerate(extended, 1):
            request = e["request"]
            self.assertEqual(request["action"], "execute", e)
            self.assertEqual(request["query"], REPEAT_QUERY, e)
            self.assertEqual(request["params"], [str(i)], e)
            self.assertEqual(request["n_params"], 1, e)
            self.assertEqual(e["response"]["tags"], ["SELECT 1"], e)
            self.assertEqual(e["response"]["rows"], 1, e)
        # The first executions parse the unnamed statement each time; then
        # one batch prepares a named statement; the rest only bind it.
        named = [e for e in extended + prepares if e["request"]["statement"]]
        bound_only = [e for e in extended if "P" not in e["request"]["messages"]]
        self.assertGreaterEqual(len(bound_only), 2, extended)
        self.assertEqual(len({e["request"]["statement"] for e in named}), 1, named)
        for e in bound_only:
            self.assertEqual(e["request"]["query_cached"], True, e)
            self.assertTrue(e["request"]["statement"], e)
        for e in extended:
            if "P" in e["request"]["messages"]:
                self.assertNotIn("query_cached", e["request"], e)
        # Everything paired: the startup and every batch.
        self.assertEqual(len(found), 1 + len(extended) + len(prepares), found)
        self.assertTrue(all(e["request"] and e["response"] for e in found))

    def test_psycopg_prepare_true_human_lines(self):
        result, tracer = self.run_client("prepare", json_output=False)
        lines = [l for l in tracer.stdout_text.decode().splitlines()
                 if " exchange " in l and " %d " % result["pid"] in l and "execute" in l]
        self.assertEqual(len(lines), 8, lines)
        for i, line in enumerate(lines, 1):
            self.assertRegex(line, r'postgres execute _pg3_\d+ "select \$1::int \* 2" \[%d\] '
                             r'-> SELECT 1 \(1 row\)' % i)


class Passwords(unittest.TestCase):
    def run_traced(self, server, *tracer_args):
        with Tracer("-c", "psql", *tracer_args) as tracer:
            pid, out = run_psql(server, "-c", "select 1", password=PasswordServer.PASSWORD)
            self.assertEqual(tracer.stop(), 0)
        return pid, tracer

    def test_cleartext_password_masked_unless_asked(self):
        with PasswordServer("password") as server:
            pid, tracer = self.run_traced(server)
            text = tracer.stdout_text.decode()
            self.assertNotIn(PasswordServer.PASSWORD, text)
            found = exchanges(by_pid(tracer.events(), pid))
            self.assertEqual([e["request"]["type"] for e in found],
                             ["startup", "password", "query"], found)
            startup, password, query = found
            self.assertEqual(startup["response"]["type"], "auth")
            self.assertEqual(startup["response"]["auth"], "cleartext")
            self.assertEqual(password["request"]["credential_type"], "password")
            self.assertEqual(password["request"]["credential"], "***")
            self.assertEqual(password["request_bytes"], 5 + len(PasswordServer.PASSWORD) + 1)
            self.assertEqual(password["response"]["type"], "ready")
            self.assertEqual(password["response"]["auth"], "ok")
            self.assertEqual(query["response"]["tags"], ["SELECT 1"])

            pid, tracer = self.run_traced(server, "--show-secrets")
            found = exchanges(by_pid(tracer.events(), pid))
            password = [e for e in found if e["request"]["type"] == "password"]
            self.assertEqual(password[0]["request"]["credential"], PasswordServer.PASSWORD)

    def test_cleartext_password_human(self):
        with PasswordServer("password") as server:
            with Tracer("-c", "psql", json_output=False) as tracer:
                run_psql(server, "-c", "select 1", password=PasswordServer.PASSWORD)
                self.assertEqual(tracer.stop(), 0)
            text = tracer.stdout_text.decode()
            self.assertNotIn(PasswordServer.PASSWORD, text)
            self.assertIn("postgres password *** -> auth ok, ready", text)
            with Tracer("-c", "psql", "--show-secrets", json_output=False) as tracer:
                run_psql(server, "-c", "select 1", password=PasswordServer.PASSWORD)
                self.assertEqual(tracer.stop(), 0)
            self.assertIn('postgres password "%s" -> auth ok, ready' % PasswordServer.PASSWORD,
                          tracer.stdout_text.decode())

    def test_scram_three_exchanges_masked(self):
        with PasswordServer("scram-sha-256") as server:
            pid, tracer = self.run_traced(server)
            found = exchanges(by_pid(tracer.events(), pid))
            self.assertEqual([e["request"]["type"] for e in found],
                             ["startup", "password", "password", "query"], found)
            startup, initial, final, query = found
            self.assertEqual(startup["response"]["auth"], "sasl")
            self.assertIn("SCRAM-SHA-256", startup["response"]["mechanisms"])
            self.assertEqual(initial["request"]["credential_type"], "sasl_initial")
            self.assertEqual(initial["request"]["mechanism"], "SCRAM-SHA-256")
            self.assertEqual(initial["request"]["credential"], "***")
            self.assertEqual(initial["response"]["auth"], "sasl_continue")
            self.assertEqual(final["request"]["credential_type"], "sasl_response")
            self.assertEqual(final["request"]["credential"], "***")
            self.assertEqual(final["response"]["type"], "ready")
            self.assertEqual(query["response"]["tags"], ["SELECT 1"])
            # The client-first-message's nonce is not in the data lines either.
            self.assertNotIn("n,,n=", tracer.stdout_text.decode())

            pid, tracer = self.run_traced(server, "--show-secrets")
            found = exchanges(by_pid(tracer.events(), pid))
            self.assertTrue(found[1]["request"]["credential"].startswith("n,,n=,r="), found[1])
            self.assertTrue(found[2]["request"]["credential"].startswith("c=biws,r="), found[2])

    def test_long_password_masked_whole(self):
        # A 9000-byte cleartext password. The server reads it into its
        # 8 KiB buffer: two reads, so on the server's side the decoder sees
        # the message start but not all of it. All of it must still be
        # masked in the data lines (fully captured here), on both sides.
        password = "P" + "".join("%05d" % i for i in range(1800))
        message_bytes = 5 + len(password) + 1
        with PasswordServer("password", password=password) as server:
            with Tracer("-c", "psql", "-c", "postgres", "--data-size", "32768") as tracer:
                pid, out = run_psql(server, "-c", "select 1", password=password)
                self.assertEqual(tracer.stop(), 0)
            text = tracer.stdout_text.decode()
            for at in range(0, len(password) - 16, 500):
                self.assertNotIn(password[at:at + 16], text)
            self.assertNotIn(password[-16:], text)
            events = tracer.events()
            client = exchanges(by_pid(events, pid))
            self.assertEqual([e["request"]["type"] for e in client],
                             ["startup", "password", "query"], client)
            # The server's side of the same connection: its backend is the
            # postgres process whose exchanges have the password request.
            server_side = [e for e in exchanges(events) if e.get("comm") == "postgres"
                           and e["request"] and e["request"]["type"] == "password"]
            self.assertEqual(len(server_side), 1, server_side)
            for e in (client[1], server_side[0]):
                self.assertEqual(e["request_bytes"], message_bytes, e)
                self.assertEqual(e["request"]["credential"], "***", e)
                self.assertEqual(e["response"]["auth"], "ok", e)
            backend = server_side[0]["pid"]
            reads = [e for e in select(by_pid(events, backend), event="data", direction="recv")
                     if e["conn"] == server_side[0]["conn"]
                     and client[0]["response_ts_ns"] <= e["ts_ns"] <= server_side[0]["ts_ns"]]
            self.assertEqual(sum(e["bytes"] for e in reads), message_bytes, reads)
            self.assertGreaterEqual(len(reads), 2, reads)  # the case this test is for

    def test_wrong_password_fatal_error(self):
        with PasswordServer("password") as server:
            with Tracer("-c", "psql") as tracer:
                pid, out = run_psql(server, "-c", "select 1", password="wrong", check=False)
                self.assertEqual(tracer.stop(), 0)
            found = exchanges(by_pid(tracer.events(), pid))
            password = [e for e in found if e["request"] and e["request"]["type"] == "password"]
            self.assertEqual(len(password), 1, found)
            self.assertEqual(password[0]["response"]["type"], "error")
            self.assertEqual(password[0]["response"]["severity"], "FATAL")
            self.assertEqual(password[0]["response"]["code"], "28P01")


if __name__ == "__main__":
    unittest.main()
