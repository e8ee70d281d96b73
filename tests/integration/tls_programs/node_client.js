// An HTTPS client for the TLS integration tests: GETs each URL in turn over
// one keep-alive connection, certificate unchecked, and prints one line per
// reply: "STATUS BODY_BYTES LOCAL_PORT". Usage: node node_client.js
// [--delay-ms=N] URL...; the delay comes before the first request, so that a
// tracer started before this program has probed it by then.
'use strict';
const https = require('https');

process.title = 'node_tls_client';  // the thread's comm, for the tracer's -c
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });

function get(url) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, rejectUnauthorized: false }, (res) => {
      const localPort = res.socket.localPort;
      let n = 0;
      res.on('data', (chunk) => { n += chunk.length; });
      res.on('end', () => resolve(`${res.statusCode} ${n} ${localPort}`));
      res.on('error', reject);
    });
    req.setTimeout(20000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

let urls = process.argv.slice(2);
let delayMs = 0;
if (urls.length && urls[0].startsWith('--delay-ms=')) {
  delayMs = Number(urls[0].slice('--delay-ms='.length));
  urls = urls.slice(1);
}

(async () => {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  for (const url of urls) console.log(await get(url));
  agent.destroy();
})().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
