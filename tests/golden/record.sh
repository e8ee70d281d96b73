#!/usr/bin/env bash
# Records the golden recordings: short traces of real traffic on loopback,
# each filtered with -p/-c to the processes of that traffic, written to
# tests/golden/recordings/NAME.rec. Needs root (it runs the real tracer).
# Each live trace's stdout is compared with its replay: they must agree.
# Then run regenerate.sh for the expected outputs.
#
#   tests/golden/record.sh [TRACER] [NAME...]   (default build/socket-tracer; all)
#
# NAME: http redis dns postgres https mqtt amqp memcached ssh mysql http2 grpc
# losses. The servers run in a temporary directory
# and are stopped at the end; nothing outside it is touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tracer=$(realpath "${1:-${SOCKET_TRACER:-$here/../../build/socket-tracer}}")
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(http redis dns postgres https mqtt amqp memcached ssh mysql http2 grpc
	losses)
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (it runs the tracer)" >&2; exit 77; }
export TZ=UTC LC_ALL=C

tmp=$(mktemp -d /tmp/st-golden.XXXXXX)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "${1:-SOCK_STREAM}"
}

wait_port() { # PORT: until something listens on 127.0.0.1:PORT
	for _ in $(seq 100); do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "record.sh: nothing listens on port $1" >&2
	return 1
}

# trace NAME LIVE_OPTS -- FILTERS... ; then the traffic runs (function traffic_NAME)
trace() {
	local name=$1 live_opts=$2
	shift 2
	local rec=$here/recordings/$name.rec
	rm -f "$rec"
	# shellcheck disable=SC2086
	"$tracer" --record "$rec" $live_opts "$@" >"$tmp/$name.live" 2>"$tmp/$name.err" &
	local tracer_pid=$!
	for _ in $(seq 300); do
		grep -q "^Reading" "$tmp/$name.err" && break
		kill -0 "$tracer_pid" 2>/dev/null || { cat "$tmp/$name.err" >&2; return 1; }
		sleep 0.1
	done
	"traffic_$name"
	sleep 0.5
	kill -INT "$tracer_pid"
	wait "$tracer_pid" || { cat "$tmp/$name.err" >&2; return 1; }
	# shellcheck disable=SC2086
	"$tracer" --replay "$rec" $live_opts >"$tmp/$name.replay" 2>/dev/null
	if ! diff -u "$tmp/$name.live" "$tmp/$name.replay" >&2; then
		echo "record.sh: $name: the replay differs from the live trace" >&2
		return 1
	fi
	echo "record.sh: $name.rec: $(stat -c %s "$rec") bytes, $(wc -l <"$tmp/$name.live") lines live${live_opts:+ ($live_opts)}, replayed the same"
}

# HTTP/1.x: python3's http.server, and curl fetching two pages and a 404.
record_http() {
	local port
	port=$(free_port)
	mkdir -p "$tmp/www"
	printf 'hello, golden\n' >"$tmp/www/hello.txt"
	python3 -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" >/dev/null 2>&1 &
	local server=$!
	pids+=("$server")
	wait_port "$port"
	traffic_http() {
		curl -s "http://127.0.0.1:$port/hello.txt" >/dev/null
		curl -s -d 'a=1' "http://127.0.0.1:$port/missing" >/dev/null
	}
	trace http --json -c python3 -c curl
}

# Redis: redis-cli commands, and a client connected before the trace
# starts (a preexisting socket) whose forked child also speaks on it (an
# inherited socket: its peer asked of the kernel).
record_redis() {
	local port
	port=$(free_port)
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--protected-mode no --dir "$tmp" >/dev/null 2>&1 &
	local server=$!
	pids+=("$server")
	wait_port "$port"
	cat >"$tmp/early.py" <<'PY'
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, b"st-golden-early", 0, 0, 0)  # PR_SET_NAME
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
go = sys.argv[2]
open(go + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.02)
conn.sendall(b"*1\r\n$4\r\nPING\r\n")
conn.recv(100)
if os.fork() == 0:
    conn.sendall(b"*2\r\n$3\r\nGET\r\n$5\r\nchild\r\n")
    conn.recv(100)
    os._exit(0)
os.wait()
conn.sendall(b"*1\r\n$4\r\nQUIT\r\n")
conn.recv(100)
conn.close()
PY
	python3 "$tmp/early.py" "$port" "$tmp/go" &
	pids+=($!)
	for _ in $(seq 100); do [ -e "$tmp/go.ready" ] && break; sleep 0.05; done
	traffic_redis() {
		redis-cli -h 127.0.0.1 -p "$port" SET golden value >/dev/null
		redis-cli -h 127.0.0.1 -p "$port" GET golden >/dev/null
		redis-cli -h 127.0.0.1 -p "$port" LPUSH list a b c >/dev/null
		touch "$tmp/go"
		for _ in $(seq 100); do pgrep -f "$tmp/early.py" >/dev/null || break; sleep 0.05; done
	}
	trace redis "" -c redis-server -c redis-cli -c st-golden-early
}

# DNS: dnsmasq answering a name of its own, asked by dig over UDP and TCP.
record_dns() {
	local port
	port=$(free_port SOCK_DGRAM)
	dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-daemon \
		--listen-address=127.0.0.1 --bind-interfaces --port="$port" \
		--address=/golden.example.test/10.1.2.3 --pid-file= --user=root \
		--log-facility=- >/dev/null 2>&1 &
	local server=$!
	pids+=("$server")
	for _ in $(seq 100); do
		[ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" golden.example.test)" = 10.1.2.3 ] && break
		sleep 0.1
	done
	traffic_dns() {
		dig +time=2 +tries=1 @127.0.0.1 -p "$port" golden.example.test A >/dev/null
		dig +time=2 +tries=1 +tcp @127.0.0.1 -p "$port" golden.example.test A >/dev/null
	}
	trace dns "" -c dnsmasq -c dig
}

# PostgreSQL: a throwaway cluster (trust auth, loopback TCP) and psql.
record_postgres() {
	local port bindir
	port=$(free_port)
	bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	mkdir -p "$tmp/pg"
	chown postgres:postgres "$tmp/pg"
	chmod 755 "$tmp"
	setpriv --reuid=postgres --regid=postgres --init-groups "$bindir/initdb" -D "$tmp/pg" \
		-A trust -U postgres >/dev/null
	setpriv --reuid=postgres --regid=postgres --init-groups "$bindir/postgres" -D "$tmp/pg" \
		-p "$port" -h 127.0.0.1 -k "$tmp/pg" -c ssl=off >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	sleep 0.5
	traffic_postgres() {
		PGCONNECT_TIMEOUT=5 psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
			-c "SELECT 1 AS one, 'golden' AS word" >/dev/null
	}
	trace postgres "" -c postgres -c psql
}

# TLS: curl over https to openssl s_server -www (a self-signed certificate
# made here); both sides' plaintext comes from the uprobes (the server's
# through BIO_f_ssl, under the exported SSL_write).
record_https() {
	local port
	port=$(free_port)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
	openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
		-www -quiet </dev/null >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	traffic_https() {
		curl -sk --http1.1 "https://127.0.0.1:$port/golden" >/dev/null
	}
	trace https --json -c openssl -c curl
}

# MQTT: mosquitto, a v5 mosquitto_sub waiting for two messages, and
# mosquitto_pub at QoS 1 (with a username and password) and QoS 2 (v3.1.1).
record_mqtt() {
	local port
	port=$(free_port)
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n' \
		"$port" >"$tmp/mosquitto.conf"
	mosquitto -c "$tmp/mosquitto.conf" >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	traffic_mqtt() {
		mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -i golden-sub -q 2 -t golden/# \
			-C 2 -W 10 >/dev/null &
		local sub=$!
		sleep 0.5
		mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv311 -i golden-pub -u alice \
			-P golden-pw -q 1 -t golden/one -m 'first message'
		sleep 0.2
		mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv311 -i golden-pub2 -q 2 -r \
			-t golden/two -m 'second'
		wait "$sub"
	}
	trace mqtt "" -c mosquitto_sub -c mosquitto_pub
}

# AMQP 0-9-1: rabbitmq-server (its own epmd, data and logs in the temporary
# directory; 10-20 s to start) and a pika session: declare, publish, get, a
# passive declare of a missing queue (channel.close 404), close. Each server
# runs in a process group of its own, killed whole when its leader is.
record_amqp() {
	local port dist epmd_port
	port=$(free_port)
	dist=$(free_port)
	epmd_port=$(free_port)
	mkdir -p "$tmp/rabbit/mnesia" "$tmp/rabbit/log"
	echo '[].' >"$tmp/rabbit/plugins"
	printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$port" \
		>"$tmp/rabbit/conf.conf"
	setsid bash -c 'trap "kill -- -\$\$" TERM; epmd -port "$0" & wait' "$epmd_port" \
		>/dev/null 2>&1 &
	pids+=($!)
	wait_port "$epmd_port"
	HOME=$tmp/rabbit ERL_EPMD_PORT=$epmd_port RABBITMQ_NODENAME=stgolden$$@localhost \
		RABBITMQ_NODE_PORT=$port RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_DIST_PORT=$dist \
		RABBITMQ_MNESIA_BASE=$tmp/rabbit/mnesia RABBITMQ_LOG_BASE=$tmp/rabbit/log \
		RABBITMQ_CONFIG_FILE=$tmp/rabbit/conf RABBITMQ_ENABLED_PLUGINS_FILE=$tmp/rabbit/plugins \
		setsid bash -c 'trap "kill -- -\$\$" TERM; cd "$0" && /usr/lib/rabbitmq/bin/rabbitmq-server & wait' \
		"$tmp/rabbit" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 600); do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null && break
		sleep 0.1
	done
	cat >"$tmp/amqp.py" <<'PY'
import ctypes, sys, pika
ctypes.CDLL(None).prctl(15, b"st-golden-amqp", 0, 0, 0)  # PR_SET_NAME
conn = pika.BlockingConnection(pika.ConnectionParameters(
    host="127.0.0.1", port=int(sys.argv[1]), heartbeat=0,
    credentials=pika.PlainCredentials("guest", "guest")))
ch = conn.channel()
ch.queue_declare("golden")
ch.basic_publish("", "golden", b"hello, golden")
ch.basic_publish("", "golden", b"x" * 3000)
while ch.basic_get("golden", auto_ack=True)[0] is None:
    pass
try:
    conn.channel().queue_declare("golden-missing", passive=True)
except pika.exceptions.ChannelClosedByBroker:
    pass
ch.queue_delete("golden")
conn.close()
PY
	traffic_amqp() {
		/usr/bin/python3 "$tmp/amqp.py" "$port"
	}
	trace amqp "" -c st-golden-amqp
}

# memcached: pymemcache's text commands (one noreply), meta commands on a
# raw socket (a quiet md answered by nothing before mn's MN), and memccp
# --binary against a second server speaking only the binary protocol.
record_memcached() {
	local port bport
	port=$(free_port)
	bport=$(free_port)
	memcached -l 127.0.0.1 -p "$port" -U 0 -u root >/dev/null 2>&1 &
	pids+=($!)
	memcached -l 127.0.0.1 -p "$bport" -U 0 -u root -B binary >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	wait_port "$bport"
	cat >"$tmp/mc.py" <<'PY'
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"st-golden-mc", 0, 0, 0)  # PR_SET_NAME
from pymemcache.client.base import Client
c = Client(("127.0.0.1", int(sys.argv[1])))
c.set("golden", b"value", noreply=False)
c.get_many(["golden", "missing"])
c.set("quiet", b"1", noreply=True)
c.incr("quiet", 41)
c.delete("golden", noreply=False)
c.close()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for data, replies in ((b"ms mk 2 T0\r\nhi\r\n", 1), (b"mg mk v t\r\n", 2),
                      (b"md mk q\r\nmn\r\n", 1), (b"bogus\r\n", 1)):
    s.sendall(data)
    got = b""
    while got.count(b"\r\n") < replies:
        got += s.recv(100)
s.close()
PY
	printf 'golden binary\n' >"$tmp/golden.txt"
	traffic_memcached() {
		/usr/bin/python3 "$tmp/mc.py" "$port"
		memccp --binary --servers="127.0.0.1:$bport" "$tmp/golden.txt"
	}
	trace memcached "" -c st-golden-mc -c memccp
}

# SSH: sshd with a host key made here, and ssh in BatchMode whose login
# fails; the client's socket (sshd's child inherits its own).
record_ssh() {
	local port
	port=$(free_port)
	ssh-keygen -q -t ed25519 -N "" -f "$tmp/host_key"
	printf 'ListenAddress 127.0.0.1\nPidFile %s/sshd.pid\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\n' \
		"$tmp" >"$tmp/sshd_config"
	mkdir -p /run/sshd
	/usr/sbin/sshd -D -e -f "$tmp/sshd_config" -p "$port" -h "$tmp/host_key" >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	traffic_ssh() {
		ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityAgent=none \
			-o LogLevel=ERROR -p "$port" nobody@127.0.0.1 true 2>/dev/null || true
	}
	trace ssh "" -c ssh
}

# MySQL: a throwaway MariaDB (a password user on loopback TCP) and the
# mariadb CLI: a table made, filled and read, a syntax error, a ping.
record_mysql() {
	local port
	port=$(free_port)
	mariadb-install-db --no-defaults --datadir="$tmp/my" --user=root \
		--auth-root-authentication-method=normal --skip-test-db >/dev/null 2>&1
	mariadbd --no-defaults --datadir="$tmp/my" --socket="$tmp/my.sock" --port="$port" \
		--bind-address=127.0.0.1 --user=root --skip-log-bin --pid-file="$tmp/my.pid" \
		>/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	mariadb --no-defaults -S "$tmp/my.sock" -uroot -e "CREATE USER 'golden'@'%' \
		IDENTIFIED BY 'g0lden-pw'; GRANT ALL ON *.* TO 'golden'@'%'; CREATE DATABASE golden"
	traffic_mysql() {
		mariadb --no-defaults --skip-ssl -h127.0.0.1 -P"$port" -ugolden -pg0lden-pw golden \
			-e "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20)); \
			INSERT INTO t (v) VALUES ('a'),('b'),('c'); SELECT id, v FROM t; \
			SELEC oops" >/dev/null 2>&1 || true
		mariadb-admin --no-defaults -h127.0.0.1 -P"$port" -ugolden -pg0lden-pw ping >/dev/null
	}
	trace mysql --json -c mariadbd -c mariadb -c mariadb-admin
}

# HTTP/2 (prior knowledge): nghttpd --no-tls, pushing /style.css with
# /index.html, and nghttp asking for that page and a missing one on one
# connection. Both run under a comm of their own (a symlink of that name).
record_http2() {
	local port
	port=$(free_port)
	mkdir -p "$tmp/h2/www" "$tmp/h2/bin"
	printf '<p>hello, golden</p>\n' >"$tmp/h2/www/index.html"
	printf 'p { color: gold }\n' >"$tmp/h2/www/style.css"
	ln -s "$(command -v nghttpd)" "$tmp/h2/bin/st-golden-h2d"
	ln -s "$(command -v nghttp)" "$tmp/h2/bin/st-golden-h2"
	"$tmp/h2/bin/st-golden-h2d" --no-tls -a 127.0.0.1 -d "$tmp/h2/www" \
		--push=/index.html=/style.css "$port" >/dev/null 2>&1 &
	pids+=($!)
	wait_port "$port"
	traffic_http2() {
		"$tmp/h2/bin/st-golden-h2" -n -t 10 "http://127.0.0.1:$port/index.html" \
			"http://127.0.0.1:$port/missing" >/dev/null
	}
	trace http2 "" -c st-golden-h2d -c st-golden-h2
}

# gRPC: the integration tests' raw-bytes demo.Greeter (grpcio), a unary
# call, one that fails NOT_FOUND, and a server stream of three replies.
# grpcio's own threads do the I/O, so their names are traced too.
record_grpc() {
	local programs=$here/../integration/h2_programs port
	/usr/bin/python3 "$programs/grpc_server.py" 2>"$tmp/grpc.err" &
	pids+=($!)
	for _ in $(seq 100); do grep -q '^listening ' "$tmp/grpc.err" && break; sleep 0.1; done
	port=$(sed -n 's/^listening //p' "$tmp/grpc.err")
	traffic_grpc() {
		/usr/bin/python3 "$programs/grpc_client.py" "$port" SayHello=golden Find=bob \
			Count=3 >/dev/null
	}
	trace grpc "" -c st_grpc_server -c st_grpc_client -c default-executo \
		-c resolver-execut -c grpc_global_tim -c event_engine -c timer_manager
}

# Lost samples: a one-page ring buffer, and the tracer stopped (SIGSTOP)
# while one process sends 200 messages of 100 bytes to itself over TCP,
# each read back; then 3 more with the tracer running again. The ring
# holds a few of the stopped burst's samples, the rest are lost: the next
# data events of each direction say how many bytes went unseen.
record_losses() {
	cat >"$tmp/losses.py" <<'PY'
import ctypes, os, signal, socket, sys, time
ctypes.CDLL(None).prctl(15, b"st-golden-loss", 0, 0, 0)  # PR_SET_NAME
signal.alarm(60)  # bounded, whatever the shell does
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
def burst(count):
    for _ in range(count):
        cli.sendall(b"m" * 100)
        assert len(conn.recv(100, socket.MSG_WAITALL)) == 100
burst(1)
open(sys.argv[1] + ".stop", "w").close()
while not os.path.exists(sys.argv[1] + ".go"):
    time.sleep(0.02)
burst(200)
open(sys.argv[1] + ".burst", "w").close()
while not os.path.exists(sys.argv[1] + ".tail"):
    time.sleep(0.02)
burst(3)
cli.close(); conn.close(); srv.close()
PY
	# trace's tracer_pid, seen here: bash's locals are dynamically scoped.
	traffic_losses() {
		/usr/bin/python3 "$tmp/losses.py" "$tmp/loss" &
		local peer=$!
		for _ in $(seq 100); do [ -e "$tmp/loss.stop" ] && break; sleep 0.05; done
		sleep 0.3
		kill -STOP "$tracer_pid"
		touch "$tmp/loss.go"
		for _ in $(seq 200); do [ -e "$tmp/loss.burst" ] && break; sleep 0.05; done
		kill -CONT "$tracer_pid"
		sleep 0.3
		touch "$tmp/loss.tail"
		wait "$peer"
	}
	trace losses "" --ring-buffer -D ST_RING_PAGES=1 -c st-golden-loss
}

for name in "${names[@]}"; do
	"record_$name"
done
