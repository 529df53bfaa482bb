#!/usr/bin/env bash
# Runs the packaged service the way production runs it, to try the manual path as the person at the
# Kashier dashboard would: prod profile, TLS on 8443 (a throwaway self-signed certificate), the manual
# dashboard, an OpenBao dev server, and, standing in for Kashier, a second process serving the Kashier
# simulator (its dashboard and API) and two demo webhook dependents. The operator's first step (a key made
# in the dashboard and written to Vault by hand) is done for you; everything after that is yours.
# Needs the packaged service: ./mvnw package -DskipTests. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || { echo "no packaged service at $JAR: run ./mvnw package -DskipTests first" >&2; exit 1; }
BAO_PORT="${BAO_PORT:-8210}"
KASHIER_PORT="${KASHIER_PORT:-8280}"
HTTPS_PORT="${HTTPS_PORT:-8443}"
MGMT_PORT="${MGMT_PORT:-9180}"            # the service's management interface (health, metrics)
KASHIER_MGMT_PORT="${KASHIER_MGMT_PORT:-9280}"
MID=MID-3552-454
RUN=.run-local/production
mkdir -p "$RUN"
export VAULT_ADDR="http://127.0.0.1:${BAO_PORT}" VAULT_TOKEN="${VAULT_TOKEN:-try-root-token}"
TOKEN="${TOKEN:-$(openssl rand -hex 24)}"
KASHIER="http://127.0.0.1:${KASHIER_PORT}/sim/kashier"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
wait_for() { # url pid log
  for _ in $(seq 1 300); do
    curl -fsSk "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "it did not start; see $3" >&2; exit 1; }
    sleep 0.2
  done
  echo "no answer from $1; see $3" >&2; exit 1
}

bao="$(bash scripts/install-openbao.sh | tail -n 1)"
"$bao" server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:${BAO_PORT}" \
  > "$RUN/openbao.log" 2>&1 &
pids+=($!)
wait_for "${VAULT_ADDR}/v1/sys/health" "${pids[-1]}" "$RUN/openbao.log"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$RUN/tls.key" -out "$RUN/tls.crt" >/dev/null 2>&1

# The inventory both processes share (the stand-in for Kashier needs the dependents' signing secrets).
inventory=(
  -Drotator.accounts.main.mid=$MID
  -Drotator.keys.main-test-payment.account=main -Drotator.keys.main-test-payment.mode=test
  -Drotator.keys.main-test-payment.kind=payment-api-key -Drotator.keys.main-test-payment.grace=30s
  -Drotator.keys.main-test-alt.account=main -Drotator.keys.main-test-alt.mode=test
  -Drotator.keys.main-test-alt.kind=secret-key -Drotator.keys.main-test-alt.strategy=alternating-users
  "-Drotator.keys.main-test-alt.users=svc-blue,svc-green"
  "-Drotator.dependents.checkout-api.keys=main-test-payment,main-test-alt" -Drotator.dependents.checkout-api.wave=0
  -Drotator.dependents.checkout-api.type=webhook -Drotator.dependents.checkout-api.delivery=inline
  -Drotator.dependents.checkout-api.url=http://127.0.0.1:9101/rotation
  -Drotator.dependents.checkout-api.verify-url=http://127.0.0.1:9101/rotation/fingerprints
  -Drotator.dependents.checkout-api.signing-secret=try-checkout-secret
  "-Drotator.dependents.billing-api.keys=main-test-payment,main-test-alt" -Drotator.dependents.billing-api.wave=1
  -Drotator.dependents.billing-api.type=webhook -Drotator.dependents.billing-api.delivery=reference
  -Drotator.dependents.billing-api.url=http://127.0.0.1:9102/rotation
  -Drotator.dependents.billing-api.verify-url=http://127.0.0.1:9102/rotation/fingerprints
  -Drotator.dependents.billing-api.signing-secret=try-billing-secret
  -Drotator.rollout.soak=2s
)

echo "starting the stand-in for Kashier (simulator, demo dependents) on ${KASHIER_PORT} (log: $RUN/kashier.log)"
java -Xmx256m "${inventory[@]}" -Dquarkus.http.port="$KASHIER_PORT" -Dquarkus.management.port="$KASHIER_MGMT_PORT" \
  -Drotator.security.https-only=false -Drotator.security.allow-insecure-live-urls=true \
  -Dquarkus.http.ssl.certificate.files= -Dquarkus.http.ssl.certificate.key-files= \
  -Drotator.vault.key-prefix=kashier-stand-in/keys -Drotator.vault.state-prefix=kashier-stand-in/state \
  -Dquarkus.profile=simulated -Dquarkus.http.insecure-requests=enabled \
  -Drotator.kashier.dashboard=simulator -Drotator.kashier.simulator.enabled=true \
  -Drotator.kashier.simulator.url="$KASHIER" -Drotator.bootstrap-token="$(openssl rand -hex 16)" \
  -Drotator.demo.dependents.checkout-api=9101 -Drotator.demo.dependents.billing-api=9102 \
  -jar "$JAR" > "$RUN/kashier.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:${KASHIER_MGMT_PORT}/q/health/ready" "${pids[-1]}" "$RUN/kashier.log"

# The operator's first step, as the README describes it: keys made in the dashboard, put in Vault by hand.
seed_payment=$(curl -fsS -H 'Content-Type: application/json' -d "{\"mid\":\"$MID\"}" "$KASHIER/test/dashboard/payment-keys")
seed_secret=$(curl -fsS -H 'Content-Type: application/json' -d "{\"mid\":\"$MID\"}" "$KASHIER/test/dashboard/secret-keys/svc-blue/change")
python3 - "$seed_payment" "$seed_secret" <<'PY' | while read -r path json; do
import hashlib, json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
for kid, shown, extra in (("main-test-payment", json.loads(sys.argv[1]), "kashierKeyId"), ("main-test-alt", json.loads(sys.argv[2]), "user")):
    data = {"key": shown["key"], "fingerprint": hashlib.sha256(shown["key"].encode()).hexdigest()[:16], "rotatedAt": now}
    data[extra] = shown["id"] if extra == "kashierKeyId" else "svc-blue"
    print("secret/data/kashier/" + kid, json.dumps({"data": data}))
PY
  curl -fsS -X POST -H "X-Vault-Token: $VAULT_TOKEN" -d "$json" "$VAULT_ADDR/v1/$path" >/dev/null
done

echo "starting the service, prod profile, manual dashboard, https on ${HTTPS_PORT} (log: $RUN/service.log)"
java -Xmx256m "${inventory[@]}" -Dquarkus.http.ssl-port="$HTTPS_PORT" -Dquarkus.management.port="$MGMT_PORT" \
  -DROTATOR_TLS_CERT_FILE="$RUN/tls.crt" -DROTATOR_TLS_KEY_FILE="$RUN/tls.key" \
  -Drotator.public-url="https://127.0.0.1:${HTTPS_PORT}" \
  -Drotator.kashier.dashboard=manual \
  -Drotator.kashier.api.test-base-url="$KASHIER/test" \
  -Drotator.security.tokens.me.sha256="$(printf %s "$TOKEN" | sha256sum | cut -c1-64)" -Drotator.security.tokens.me.role=oncall \
  -jar "$JAR" > "$RUN/service.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:${MGMT_PORT}/q/health/ready" "${pids[-1]}" "$RUN/service.log"

cat <<MSG

Kashier Key Rotator (production profile) is ready on https://127.0.0.1:${HTTPS_PORT} (self-signed: curl -k)
Your token (role oncall):  TOKEN=${TOKEN}
Health and metrics:        http://127.0.0.1:${MGMT_PORT}/q/health/ready, /q/metrics (the management interface)
The console:               https://127.0.0.1:${HTTPS_PORT}/console (accept the certificate; sign in with the token)
The Kashier dashboard is the simulator at ${KASHIER}:
  make a payment key:      curl -s -H 'Content-Type: application/json' -d '{"mid":"${MID}"}' ${KASHIER}/test/dashboard/payment-keys
  change a user's key:     curl -s -H 'Content-Type: application/json' -d '{"mid":"${MID}"}' ${KASHIER}/test/dashboard/secret-keys/<user>/change
  delete a payment key:    curl -s -X DELETE '${KASHIER}/test/dashboard/payment-keys/<fingerprint>?mid=${MID}'

Start a rotation from the console, or with kkr (the command line; docs/kkr.md), and do what it asks of you:
  scripts/kkr login --url https://127.0.0.1:${HTTPS_PORT} --ca-file ${RUN}/tls.crt     (paste the token)
  scripts/kkr keys
  scripts/kkr rotate main-test-alt --reason "trying the manual path" --wait
Ctrl-C stops everything.
MSG
wait "${pids[-1]}"
