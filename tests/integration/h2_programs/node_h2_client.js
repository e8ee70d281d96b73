// A cleartext HTTP/2 client (prior knowledge) for the HTTP/2 integration
// tests: one connection, the paths requested all at once (multiplexed),
// GET. Prints one JSON line first, {"local_port"}, then one per reply in the
// order they complete: {"path", "stream", "status", "body_bytes"}.
// Usage: node node_h2_client.js http://HOST:PORT PATH...
'use strict';
const http2 = require('http2');

process.title = 'node_h2_client';  // the thread's comm, for the tracer's -c

function get(session, path) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    let status = null;
    let n = 0;
    req.on('response', (headers) => { status = headers[':status']; });
    req.on('data', (chunk) => { n += chunk.length; });
    req.on('end', () => {
      console.log(JSON.stringify({ path, stream: req.id, status, body_bytes: n }));
      resolve();
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.close(http2.constants.NGHTTP2_CANCEL));
  });
}

const [origin, ...paths] = process.argv.slice(2);
const session = http2.connect(origin);
session.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
session.on('connect', async () => {
  console.log(JSON.stringify({ local_port: session.socket.localPort }));
  try {
    await Promise.all(paths.map((path) => get(session, path)));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  session.close();
});
