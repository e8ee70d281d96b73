"""io_uring: a client whose sends and receives are io_uring requests
(liburing, IORING_OP_SEND/RECV). Its bytes are counted exactly on its
socket, one data event per completion, marked as not captured."""

import json
import os
import subprocess
import sys
import unittest

from tracer import Server, Tracer, require_root, select

require_root()

CLIENT = os.environ.get("URING_CLIENT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "tests", "uring_client")

# Reads `size` bytes, answers `reply`, reports what it got.
SERVER = r"""
import json, os, socket, sys
size, reply = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(json.dumps({"port": srv.getsockname()[1], "pid": os.getpid()}), flush=True)
conn, _ = srv.accept()
got = 0
while got < size:
    got += len(conn.recv(1 << 20))
conn.sendall(b"R" * reply)
print(json.dumps({"received": got}))
conn.close()
"""


class IoUringTest(unittest.TestCase):
    def test_send_and_recv_requests_counted_exactly(self):
        size, reply = 200000, 70000
        with Server(SERVER, size, reply) as server, Tracer() as tracer:
            out = subprocess.run([CLIENT, str(server.first["port"]), str(size), str(reply)],
                                 capture_output=True, timeout=60, check=True).stdout
            (got,) = server.finish()
            client = json.loads(out)
            self.assertEqual(tracer.stop(), 0)
        self.assertEqual((client["sent"], client["received"], got["received"]),
                         (size, reply, size))
        mine = select(tracer.events(), pid=client["pid"], fd=client["fd"])
        data = select(mine, event="data")
        self.assertTrue(data)
        self.assertEqual({(e["syscall"], e["captured"], e["capture_cut"]) for e in data},
                         {("io_uring", 0, "no-buffer")})
        self.assertEqual(sum(e["bytes"] for e in data if e["direction"] == "send"), size)
        self.assertEqual(sum(e["bytes"] for e in data if e["direction"] == "recv"), reply)
        (close,) = select(mine, event="close")
        self.assertEqual((close["bytes_sent"], close["bytes_recv"]), (size, reply))
        # The server side, plain syscalls, agrees.
        server_recv = select(tracer.events(), pid=server.pid, event="data", direction="recv")
        self.assertEqual(sum(e["bytes"] for e in server_recv), size)


if __name__ == "__main__":
    unittest.main()
