"""A gRPC client for the HTTP/2 integration tests, raw bytes (no protobuf):
every call on one channel, one after the other, to grpc_server.py.
Usage: /usr/bin/python3 grpc_client.py PORT METHOD=REQUEST...; METHOD is
SayHello or Find (unary) or Count (server streaming). Prints one JSON line per
call: {"path", "code" (the status name), "details", "sent" (request bytes),
"received" ([reply sizes]), "pid"}. Comm st_grpc_client; grpc's own threads
name themselves (h2_peers.GRPC_THREADS), and any of them may do the I/O."""

import ctypes
import json
import os
import sys

ctypes.CDLL(None).prctl(15, b"st_grpc_client", 0, 0, 0)  # PR_SET_NAME: the tracer's -c

import grpc  # noqa: E402

STREAMING = {"Count"}
TIMEOUT = 20


def call(channel, method, request):
    path = "/demo.Greeter/" + method
    replies, code, details = [], grpc.StatusCode.OK, None
    try:
        if method in STREAMING:
            replies = list(channel.unary_stream(path)(request, timeout=TIMEOUT))
        else:
            replies = [channel.unary_unary(path)(request, timeout=TIMEOUT)]
    except grpc.RpcError as error:
        code, details = error.code(), error.details()
    return {"path": path, "code": code.name, "details": details, "sent": len(request),
            "received": [len(r) for r in replies]}


def main():
    port = sys.argv[1]
    with grpc.insecure_channel("127.0.0.1:" + port) as channel:
        for arg in sys.argv[2:]:
            method, request = arg.split("=", 1)
            print(json.dumps(dict(call(channel, method, request.encode()), pid=os.getpid())),
                  flush=True)


if __name__ == "__main__":
    main()
