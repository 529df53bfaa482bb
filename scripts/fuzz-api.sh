#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document with Schemathesis (generated valid and invalid
# requests, every operation, authenticated as admin) against the packaged service, a real OpenBao dev
# server and the bundled Kashier simulator. Prints the number of /api requests the service answered,
# by status class, from its own metrics, and fails if any answer was a 5xx.
#
#   scripts/fuzz-api.sh [max-examples-per-operation, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${1:-200}"
ROOT="$PWD"
WORK="$ROOT/target/fuzz"
mkdir -p "$WORK"

[ -x .venv/bin/bao ] || scripts/install-openbao.sh "$ROOT/.venv"
if [ ! -x "$WORK/venv/bin/st" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q "schemathesis==4.32.5"
fi
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BAO_PORT=$(free_port); APP_PORT=$(free_port); MGMT_PORT=$(free_port)
BAO_TOKEN="fuzz-root-$RANDOM"; API_TOKEN="fuzz-admin-$RANDOM$RANDOM"

.venv/bin/bao server -dev -dev-root-token-id="$BAO_TOKEN" -dev-listen-address="127.0.0.1:$BAO_PORT" \
  > "$WORK/bao.log" 2>&1 &
BAO_PID=$!
trap 'kill $APP_PID $BAO_PID 2>/dev/null || true' EXIT
APP_PID=""

SIM="http://127.0.0.1:$APP_PORT/sim/kashier"
java -Xmx512m \
  -Dquarkus.http.port="$APP_PORT" -Dquarkus.management.port="$MGMT_PORT" \
  -Dquarkus.http.ssl.certificate.files= -Dquarkus.http.ssl.certificate.key-files= \
  -Drotator.security.https-only=false -Drotator.security.allow-insecure-live-urls=true \
  -Drotator.vault.address="http://127.0.0.1:$BAO_PORT" -Drotator.vault.token="$BAO_TOKEN" \
  -Drotator.bootstrap-token="$API_TOKEN" \
  -Dquarkus.profile=simulated -Dquarkus.http.insecure-requests=enabled \
  -Drotator.kashier.dashboard=simulator -Drotator.kashier.simulator.enabled=true \
  -Drotator.kashier.simulator.url="$SIM" \
  -Drotator.kashier.api.test-base-url="$SIM/test" -Drotator.kashier.api.live-base-url="$SIM/live" \
  -Drotator.accounts.main.mid=MID-3552-454 \
  -Drotator.keys.main-test-payment.account=main -Drotator.keys.main-test-payment.mode=test \
  -Drotator.keys.main-test-payment.kind=payment-api-key -Drotator.keys.main-test-payment.grace=1s \
  -Drotator.keys.main-test-secret.account=main -Drotator.keys.main-test-secret.mode=test \
  -Drotator.keys.main-test-secret.kind=secret-key \
  -Drotator.keys.main-live-payment.account=main -Drotator.keys.main-live-payment.mode=live \
  -Drotator.keys.main-live-payment.kind=payment-api-key -Drotator.keys.main-live-payment.grace=1s \
  -Drotator.dependents.reports.keys=main-test-payment,main-test-secret,main-live-payment \
  -Drotator.dependents.reports.type=vault-kv -Drotator.dependents.reports.path=apps/reports \
  -Drotator.dependents.reports.confirm=read-back \
  -Drotator.rollout.soak=0s \
  -Drotator.events.max-duration=300ms -Drotator.events.max-streams-per-caller=50 \
  -jar target/quarkus-app/quarkus-run.jar > "$WORK/service.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$MGMT_PORT/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$APP_PID" 2>/dev/null || { echo "service exited; see $WORK/service.log"; exit 1; }
  sleep 0.2
done

set +e
"$WORK/venv/bin/st" run "http://127.0.0.1:$MGMT_PORT/q/openapi?format=json" \
  --url "http://127.0.0.1:$APP_PORT" \
  -H "Authorization: Bearer $API_TOKEN" \
  --checks not_a_server_error --max-examples "$EXAMPLES" --seed 20261129 \
  --workers 4 --no-color > "$WORK/schemathesis.txt" 2>&1
ST=$?
set -e
tail -n 25 "$WORK/schemathesis.txt"

curl -fs "http://127.0.0.1:$MGMT_PORT/q/metrics" | python3 -c '
import re, sys
total = {}
for line in sys.stdin:
    m = re.match(r"http_server_requests_seconds_count\{(.*)\} ([0-9.eE+]+)", line)
    if not m or "uri=\"/api" not in m.group(1):
        continue
    status = re.search(r"status=\"(\d+)\"", m.group(1)).group(1)
    total[status[0] + "xx"] = total.get(status[0] + "xx", 0) + int(float(m.group(2)))
print("service-side /api answers:", sum(total.values()), dict(sorted(total.items())))
sys.exit(1 if total.get("5xx", 0) else 0)
'
echo "schemathesis exit code: $ST (full output: $WORK/schemathesis.txt)"
exit $ST
