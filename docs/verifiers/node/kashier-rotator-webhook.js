// Reference receiver of Kashier Key Rotator's webhook protocol (docs/webhook-protocol.md), Node 18+,
// no dependencies. Copy it, or copy verify() and fingerprint() into your service.
//
//   node kashier-rotator-webhook.js --port 9001 --secret "$SIGNING_SECRET"
//
// serves POST /rotation (deliveries) and GET /rotation/fingerprints (the verify-url). Keys are kept in
// memory only, never printed.
'use strict';
const crypto = require('crypto');
const http = require('http');

const TOLERANCE_SECONDS = 300;

/** Whether X-Rotator-Signature is valid for this raw body: right HMAC, timestamp within 5 minutes. */
function verify(secret, header, body, now = Math.floor(Date.now() / 1000)) {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2)).filter((p) => p.length === 2));
  const t = parts.t;
  const v1 = parts.v1;
  if (!t || !v1 || !/^[0-9]+$/.test(t)) return false;
  if (Math.abs(now - Number(t)) > TOLERANCE_SECONDS) return false;
  const expected = crypto.createHmac('sha256', secret).update(t + '.').update(body).digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(v1);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The first 16 lowercase hex characters of SHA-256 over the key's UTF-8 bytes. */
function fingerprint(key) {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
}

function serve(port, secret) {
  const current = new Map();
  const previous = new Map();
  const seen = new Set();
  const server = http.createServer((req, res) => {
    // 200 with the fingerprints of the keys in use; also the answer to a delivery, which then needs no
    // verify call.
    const answerFingerprints = () => {
      const keys = Object.fromEntries([...current].map(([id, key]) => [id, fingerprint(key)]));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    };
    if (req.method === 'GET' && req.url === '/rotation/fingerprints') {
      answerFingerprints();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/rotation') {
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!verify(secret, req.headers['x-rotator-signature'], body)) {
        res.writeHead(401).end();
        return;
      }
      const delivery = req.headers['x-rotator-delivery'];
      if (seen.has(delivery)) {
        answerFingerprints(); // a retry of a delivery already applied
        return;
      }
      const event = JSON.parse(body.toString('utf8'));
      if (!event.key) {
        res.writeHead(422).end(); // reference delivery: fetch it from event.vault with your own Vault policy
        return;
      }
      const old = current.get(event.keyId);
      current.set(event.keyId, event.key);
      if (event.graceUntil && (event.previousKey || old)) previous.set(event.keyId, event.previousKey || old);
      else previous.delete(event.keyId);
      seen.add(delivery);
      answerFingerprints();
    });
  });
  server.listen(port, '127.0.0.1');
  return server;
}

module.exports = { verify, fingerprint, serve };

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name) => args[args.indexOf(name) + 1];
  serve(Number(arg('--port')), arg('--secret'));
}
