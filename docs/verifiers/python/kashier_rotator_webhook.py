"""Reference receiver of Kashier Key Rotator's webhook protocol (docs/webhook-protocol.md), Python 3.8+,
standard library only. Copy it, or copy verify() and fingerprint() into your service.

    python3 kashier_rotator_webhook.py --port 9001 --secret "$SIGNING_SECRET"

serves POST /rotation (deliveries) and GET /rotation/fingerprints (the verify-url). Keys are kept in
memory only, never printed.
"""
import argparse
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret, header, body, now=None):
    """Whether X-Rotator-Signature is valid for this raw body: right HMAC, timestamp within 5 minutes."""
    if not header:
        return False
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    t, v1 = parts.get("t"), parts.get("v1")
    if t is None or v1 is None or not t.isdigit():
        return False
    now = int(time.time()) if now is None else now
    if abs(now - int(t)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)


def fingerprint(key):
    """The first 16 lowercase hex characters of SHA-256 over the key's UTF-8 bytes."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class Receiver:
    """What an application keeps: the key it uses per key id, the previous one during grace, seen deliveries."""

    def __init__(self, secret):
        self.secret = secret
        self.current = {}
        self.previous = {}
        self.seen = set()
        self.lock = threading.Lock()

    def deliver(self, headers, body):
        if not verify(self.secret, headers.get("X-Rotator-Signature"), body):
            return 401
        delivery = headers.get("X-Rotator-Delivery")
        event = json.loads(body)
        with self.lock:
            if delivery in self.seen:
                return 200  # a retry of a delivery already applied
            key = event.get("key")
            if key is None:
                return 422  # reference delivery: fetch it from event["vault"] with your own Vault policy
            key_id = event["keyId"]
            old = self.current.get(key_id)
            self.current[key_id] = key
            if event.get("graceUntil") and (event.get("previousKey") or old):
                self.previous[key_id] = event.get("previousKey") or old
            else:
                self.previous.pop(key_id, None)
            self.seen.add(delivery)
        return 200

    def fingerprints(self):
        with self.lock:
            return {"keys": {k: fingerprint(v) for k, v in self.current.items()}}


def serve(port, secret):
    receiver = Receiver(secret)

    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 with a length on every answer, so that clients can keep their connection.
        protocol_version = "HTTP/1.1"

        def answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/rotation":
                self.answer(404)
                return
            status = receiver.deliver(self.headers, body)
            if status == 200:
                # The verify body in the answer: the rotator then needs no verify call.
                self.answer_fingerprints()
            else:
                self.answer(status)

        def do_GET(self):
            if self.path != "/rotation/fingerprints":
                self.answer(404)
                return
            self.answer_fingerprints()

        def answer_fingerprints(self):
            out = json.dumps(receiver.fingerprints()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass  # request lines carry no keys, but nothing needs them either

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    serve(args.port, args.secret)
