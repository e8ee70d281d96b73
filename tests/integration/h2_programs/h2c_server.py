"""An HTTP/2 server reached through an HTTP/1.1 upgrade (RFC 7540 section
3.2, "Upgrade: h2c"), for the HTTP/2 integration tests, on python3-h2. Each
connection: the HTTP/1.1 request head is read; with Upgrade: h2c and
HTTP2-Settings it is answered 101, and the 101, the server's preface and the
HTTP/2 response to that request (stream 1) go in one write; further streams
are served until the client closes. Without them: 400, closed. Every request
is answered 200, content-type text/plain, with the body of
tls_programs/node_server.js's rule (the path repeated to the length its last
segment names, or the path once).
Usage: /usr/bin/python3 h2c_server.py (the python that has h2); says
"listening PORT" on stderr once it accepts; comm st_h2c_server."""

import ctypes
import socket
import sys
import threading

ctypes.CDLL(None).prctl(15, b"st_h2c_server", 0, 0, 0)  # PR_SET_NAME: the tracer's -c

import h2.config  # noqa: E402
import h2.connection  # noqa: E402
import h2.events  # noqa: E402

MAX_BODY = 64 << 10
SWITCHING = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
REFUSED = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def body(path):
    last = path.rsplit("/", 1)[-1]
    length = int(last) if last.isdigit() and int(last) <= MAX_BODY else len(path)
    unit = path.encode()
    return (unit * (length // len(unit) + 1))[:length]


def respond(conn, stream, path):
    payload = body(path)
    conn.send_headers(stream, [(":status", "200"), ("content-type", "text/plain"),
                               ("content-length", str(len(payload)))])
    conn.send_data(stream, payload, end_stream=True)


def request_head(sock):
    """The request line, the header fields (lower-case names) and what followed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        fields[name.strip().lower()] = value.strip()
    return lines[0].split(" "), fields, rest


def serve(sock):
    with sock:
        head = request_head(sock)
        if head is None:
            return
        (method, target, version), fields, data = head
        if fields.get("upgrade", "").lower() != "h2c" or "http2-settings" not in fields:
            sock.sendall(REFUSED)
            return
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_upgrade_connection(fields["http2-settings"].encode())
        respond(conn, 1, target)
        sock.sendall(SWITCHING + conn.data_to_send())
        while True:
            for event in conn.receive_data(data) if data else ():
                if isinstance(event, h2.events.RequestReceived):
                    respond(conn, event.stream_id, dict(event.headers)[":path"])
                elif isinstance(event, h2.events.ConnectionTerminated):
                    sock.sendall(conn.data_to_send())
                    return
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
            data = sock.recv(65536)
            if not data:
                return


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    sys.stderr.write("listening %d\n" % listener.getsockname()[1])
    sys.stderr.flush()
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
