#!/usr/bin/env bash
# Runs Kashier Key Rotator locally with embedded defaults: an OpenBao dev server (installed into
# .venv when `bao` is missing), the service in Quarkus dev mode with the Kashier simulator as the
# dashboard and two demo webhook dependents (ports 9001 and 9002). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

BAO_PORT="${BAO_PORT:-8200}"
HTTP_PORT="${HTTP_PORT:-8080}"
MGMT_PORT="${MGMT_PORT:-9000}"  # health and metrics
export VAULT_ADDR="http://127.0.0.1:${BAO_PORT}"
export VAULT_TOKEN="${VAULT_TOKEN:-dev-root-token}"
export ROTATOR_BOOTSTRAP_TOKEN="${ROTATOR_BOOTSTRAP_TOKEN:-dev-only-token}"
export ROTATOR_PUBLIC_URL="${ROTATOR_PUBLIC_URL:-http://127.0.0.1:${HTTP_PORT}}"
mkdir -p .run-local

bao="$(bash scripts/install-openbao.sh | tail -n 1)"
echo "starting OpenBao dev server on ${VAULT_ADDR} (log: .run-local/openbao.log)"
"$bao" server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:${BAO_PORT}" \
  > .run-local/openbao.log 2>&1 &
bao_pid=$!
service_pid=""
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
  kill "$bao_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS "${VAULT_ADDR}/v1/sys/health" >/dev/null 2>&1 && break
  kill -0 "$bao_pid" 2>/dev/null || { echo "OpenBao did not start; see .run-local/openbao.log" >&2; exit 1; }
  sleep 0.2
done

echo "starting the service in dev mode on port ${HTTP_PORT} (log: .run-local/service.log)"
./mvnw -B -q quarkus:dev -Dquarkus.http.port="$HTTP_PORT" -Dquarkus.management.port="$MGMT_PORT" -Dquarkus.test.continuous-testing=disabled \
  -Dquarkus.console.enabled=false -Dquarkus.analytics.disabled=true > .run-local/service.log 2>&1 &
service_pid=$!

for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:${MGMT_PORT}/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$service_pid" 2>/dev/null || { echo "the service did not start; see .run-local/service.log" >&2; exit 1; }
  sleep 0.5
done

cat <<MSG

Kashier Key Rotator is ready on http://127.0.0.1:${HTTP_PORT}  (OpenBao: ${VAULT_ADDR}, token ${VAULT_TOKEN})

The console: http://127.0.0.1:${HTTP_PORT}/console  (sign in with ${ROTATOR_BOOTSTRAP_TOKEN})

Rotate the test payment key and watch it (waves: checkout-api, then billing-api and the reports Vault
copy; COMPLETED after the 20 s grace of the local inventory), with kkr, the command line:
  export KKR_URL=http://127.0.0.1:${HTTP_PORT} KKR_TOKEN=${ROTATOR_BOOTSTRAP_TOKEN}
  scripts/kkr rotate main-test-payment --reason "trying it out" --wait
  scripts/kkr keys                      (fingerprints only)
or with curl:
  curl -s -X POST -H "Authorization: Bearer ${ROTATOR_BOOTSTRAP_TOKEN}" -H 'Content-Type: application/json' \\
       -d '{"reason":"trying it out"}' http://127.0.0.1:${HTTP_PORT}/api/v1/keys/main-test-payment/rotations

What a demo dependent uses: curl -s http://127.0.0.1:9001/rotation/fingerprints
Ctrl-C stops the service and OpenBao.
MSG
wait "$service_pid"
