#!/usr/bin/env bash
# Installs every Debian package socket-tracer needs to build, run and test, and
# mounts tracefs. Idempotent: a second run installs nothing new.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: must run as root (apt-get install, mount)" >&2
    exit 1
fi

packages=(
    # build
    cmake make gcc pkg-config libbpfcc-dev libelf-dev libcapstone-dev libnghttp2-dev
    # the --metrics endpoint (libmicrohttpd) and the -w pcapng writer (libwiretap)
    libmicrohttpd-dev libwiretap-dev
    # wiretap.h includes wireshark.h (libwireshark-dev, whose wireshark.pc gives
    # the include flags), wsutil and GLib headers
    libwireshark-dev libwsutil-dev libglib2.0-dev
    # test helpers: an io_uring client; man and groff, which render the man page;
    # jq, which docs/examples.md's JSON examples pipe through
    liburing-dev man-db jq
    # run: kernel headers for bcc's compile, bpftool to inspect loaded programs
    linux-headers-amd64 bpftool
    # test clients and peers
    curl python3 netcat-openbsd iproute2 clang libclang-rt-14-dev
    redis-server redis-tools dnsutils dnsmasq-base openssl
    postgresql postgresql-client openssh-server openssh-client socat
    python3-psycopg
    # TLS test peers: wget (GnuTLS), node (its own OpenSSL), Go (crypto/tls)
    wget nodejs golang-go
    # HTTP/2 and gRPC test peers: nghttpd, nghttp, h2load, grpcio
    nghttp2-server nghttp2-client python3-grpcio python3-h2
    # database and broker peers: MariaDB, memcached, MQTT, AMQP
    mariadb-server mariadb-client python3-pymysql libmariadb-dev
    memcached libmemcached-tools python3-pymemcache
    mosquitto mosquitto-clients python3-paho-mqtt
    rabbitmq-server amqp-tools python3-pika
    # --metrics and -w checks: a real Prometheus, and tshark to read pcapng back
    prometheus tshark
    # benchmark
    nginx-light wrk strace bpftrace
    # benchmark peer for TLS capture: sslsniff-bpfcc
    bpfcc-tools
)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# bcc reads tracepoint ids and formats from tracefs; a fresh machine has it unmounted.
if [ ! -e /sys/kernel/tracing/events ]; then
    mount -t tracefs tracefs /sys/kernel/tracing
fi
