// An HTTPS server for the TLS integration tests: keep-alive, every path
// answered with a body derived from the path (the rule of go_server.go).
// Usage: node node_server.js PORT CERT KEY (PORT 0 picks one);
// "listening PORT" on stderr once it accepts.
'use strict';
const fs = require('fs');
const https = require('https');

const MAX_BODY = 64 << 20;

// The path repeated to the length its last segment names, or the path once.
function body(path) {
  const last = path.slice(path.lastIndexOf('/') + 1);
  let n = path.length;
  if (/^[0-9]+$/.test(last) && Number(last) <= MAX_BODY) n = Number(last);
  const unit = Buffer.from(path);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, n - i));
  return out;
}

const [port, cert, key] = process.argv.slice(2);
process.title = 'node_tls_server';  // the thread's comm, for the tracer's -c
const server = https.createServer(
  { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
  (req, res) => {
    const b = body(new URL(req.url, 'https://localhost').pathname);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': b.length });
    res.end(b);
  });
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => {
  process.stderr.write(`listening ${server.address().port}\n`);
});
