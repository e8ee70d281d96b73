// A cleartext HTTP/2 server (h2c, prior knowledge) for the HTTP/2
// integration tests: every path answered 200 with the body of
// tls_programs/node_server.js's rule (the path repeated to the length its
// last segment names, or the path once), content-type text/plain.
// Usage: node node_h2_server.js; "listening PORT" on stderr once it accepts.
'use strict';
const http2 = require('http2');

const MAX_BODY = 64 << 10;

function body(path) {
  const last = path.slice(path.lastIndexOf('/') + 1);
  let n = path.length;
  if (/^[0-9]+$/.test(last) && Number(last) <= MAX_BODY) n = Number(last);
  const unit = Buffer.from(path);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, n - i));
  return out;
}

process.title = 'node_h2_server';  // the thread's comm, for the tracer's -c
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const b = body(headers[':path']);
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': b.length });
  stream.end(b);
});
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening ${server.address().port}\n`);
});
