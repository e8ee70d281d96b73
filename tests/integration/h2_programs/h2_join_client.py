"""An HTTP/2 client (prior knowledge, python3-h2) for the HTTP/2 integration
tests of a tracer that joins a connection midway: one connection, GET each
path of the first list in turn, then wait, then GET each of the second.
Usage: /usr/bin/python3 h2_join_client.py PORT PATH... -- PATH...
Prints JSON lines: {"pid", "local_port"} once connected; one per reply,
{"path", "stream", "status", "body_bytes", "sent" ([[name, value]] as sent)};
between the lists {"waiting": true, "table": [[name, value]...]} (the
encoder's dynamic table, newest first: the entries a later field may name)
and then it reads one line from stdin before going on. Comm st_h2_join."""

import ctypes
import json
import os
import socket
import sys

ctypes.CDLL(None).prctl(15, b"st_h2_join", 0, 0, 0)  # PR_SET_NAME: the tracer's -c

import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402

TIMEOUT = 20


def say(obj):
    print(json.dumps(obj), flush=True)


def get(sock, conn, authority, path):
    stream = conn.get_next_available_stream_id()
    sent = [(":method", "GET"), (":scheme", "http"), (":authority", authority),
            (":path", path), ("user-agent", "st-h2-join/1")]
    conn.send_headers(stream, sent, end_stream=True)
    sock.sendall(conn.data_to_send())
    status, body_bytes, ended = None, 0, False
    while not ended:
        data = sock.recv(65536)
        if not data:
            raise SystemExit("the server closed during stream %d" % stream)
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                status = int(dict(event.headers)[":status"])
            elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                body_bytes += len(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length, stream)
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                ended = True
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
    say({"path": path, "stream": stream, "status": status, "body_bytes": body_bytes,
         "sent": sent})


def main():
    port = int(sys.argv[1])
    split = sys.argv.index("--")
    before, after = sys.argv[2:split], sys.argv[split + 1:]
    authority = "127.0.0.1:%d" % port
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    conn = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    say({"pid": os.getpid(), "local_port": sock.getsockname()[1]})
    for path in before:
        get(sock, conn, authority, path)
    table = [[n.decode(), v.decode()] for n, v in conn.encoder.header_table.dynamic_entries]
    say({"waiting": True, "table": table})
    sys.stdin.readline()
    for path in after:
        get(sock, conn, authority, path)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()


if __name__ == "__main__":
    main()
