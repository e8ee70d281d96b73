"""A gRPC server for the HTTP/2 integration tests, raw bytes (no protobuf),
service demo.Greeter on 127.0.0.1:
  SayHello  unary: answers b"hello, " + the request.
  Find      unary: fails NOT_FOUND, details "no greeter named <request> (100% sure)".
  Count     server streaming: the request is a decimal N; N replies, the i-th
            (from 1) b"reply i:" and 10 * i bytes of "x".
Usage: /usr/bin/python3 grpc_server.py (the python that has grpcio); says
"listening PORT" on stderr once it accepts; comm st_grpc_server."""

import ctypes
import sys

# PR_SET_NAME before grpc makes its threads, which inherit it: the tracer's -c.
ctypes.CDLL(None).prctl(15, b"st_grpc_server", 0, 0, 0)

from concurrent import futures  # noqa: E402

import grpc  # noqa: E402


def say_hello(request, context):
    return b"hello, " + request


def find(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND,
                  "no greeter named %s (100%% sure)" % request.decode())


def count(request, context):
    for i in range(1, int(request) + 1):
        yield b"reply %d:" % i + b"x" * (10 * i)


def main():
    handlers = {
        "SayHello": grpc.unary_unary_rpc_method_handler(say_hello),
        "Find": grpc.unary_unary_rpc_method_handler(find),
        "Count": grpc.unary_stream_rpc_method_handler(count),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("demo.Greeter", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stderr.write("listening %d\n" % port)
    sys.stderr.flush()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
