#!/usr/bin/env bash
# Makes the AppCDS archive of the packaged service, <app>/app-cds.jsa (default target/quarkus-app), by a
# training run: the service is started with the Helm chart's JVM options, in manual mode, against an
# OpenBao dev server; it serves a few API calls and starts a rotation (which waits for a person), then
# stops, and the JVM writes down every class it loaded. Started with the archive, the service is ready in
# about 1.2 s instead of 1.7 s (README, "Measured"). An archive only counts for the JDK build that made
# it and the jar it was made from: make it again after each package, with the JDK that will run it (any
# other JVM ignores it with a warning, because the chart passes -Xshare:auto).
# Usage: scripts/make-appcds.sh [app directory]
set -euo pipefail
cd "$(dirname "$0")/.."
APP="${1:-target/quarkus-app}"
[ -f "$APP/quarkus-run.jar" ] || { echo "no packaged service at $APP: run ./mvnw package first" >&2; exit 1; }
work=.run-local/appcds; mkdir -p "$work"
BAO_PORT="${APPCDS_BAO_PORT:-18230}"
PORT="${APPCDS_PORT:-18240}"
MGMT_PORT="${APPCDS_MGMT_PORT:-18250}"  # not the port after OpenBao's: its cluster listener takes that

# The chart's options, without the archive being made (a JVM cannot read and write one at once).
jvm_opts=$(sed -n 's/^jvmOptions: *"\(.*\)"/\1/p' helm/kashier-key-rotator/values.yaml | sed 's/-XX:SharedArchiveFile=[^ ]*//; s/-Xshare:auto//')
mem_limit=$(sed -n '/^  limits:/{n;s/^ *memory: *\([0-9]*\)Mi/\1/p}' helm/kashier-key-rotator/values.yaml)

bao="$(bash scripts/install-openbao.sh | tail -n 1)"
"$bao" server -dev -dev-root-token-id=appcds-root -dev-listen-address="127.0.0.1:${BAO_PORT}" > "$work/openbao.log" 2>&1 &
bao_pid=$!; java_pid=""
trap '[ -n "$java_pid" ] && kill $java_pid 2>/dev/null; kill $bao_pid 2>/dev/null' EXIT
until curl -fsS "http://127.0.0.1:${BAO_PORT}/v1/sys/health" >/dev/null 2>&1; do sleep 0.1; done
export VAULT_ADDR="http://127.0.0.1:${BAO_PORT}" VAULT_TOKEN=appcds-root
"$bao" kv put -mount=secret kashier/train-pay key=5b0e4a7c-2f3d-4e1a-9c8b-7d6e5f4a3b2c >/dev/null

rm -f "$APP/app-cds.jsa"
# shellcheck disable=SC2086
java $jvm_opts "-XX:MaxRAM=${mem_limit}m" "-XX:ArchiveClassesAtExit=$APP/app-cds.jsa" \
  -Dquarkus.http.port="$PORT" -Dquarkus.management.port="$MGMT_PORT" -Drotator.bootstrap-token=appcds-token \
  -Dquarkus.http.insecure-requests=enabled \
  -Drotator.security.https-only=false -Drotator.security.allow-insecure-live-urls=true \
  -Dquarkus.http.ssl.certificate.files= -Dquarkus.http.ssl.certificate.key-files= \
  -Drotator.kashier.dashboard=manual \
  -Drotator.accounts.train.mid=MID-1000-001 \
  -Drotator.keys.train-pay.account=train -Drotator.keys.train-pay.mode=test \
  -Drotator.keys.train-pay.kind=payment-api-key \
  -Drotator.dependents.train-hook.keys=train-pay -Drotator.dependents.train-hook.wave=0 \
  -Drotator.dependents.train-hook.type=webhook -Drotator.dependents.train-hook.url=http://127.0.0.1:9/rotation \
  -Drotator.dependents.train-hook.verify-url=http://127.0.0.1:9/fingerprints \
  -Drotator.dependents.train-hook.signing-secret=appcds-secret \
  -jar "$APP/quarkus-run.jar" > "$work/service.log" 2>&1 &
java_pid=$!
until curl -fsS "http://127.0.0.1:${MGMT_PORT}/q/health/ready" >/dev/null 2>&1; do
  kill -0 $java_pid 2>/dev/null || { cat "$work/service.log"; exit 1; }; sleep 0.1; done
auth=(-H "Authorization: Bearer appcds-token")
curl -fsS "${auth[@]}" "http://127.0.0.1:${PORT}/api/v1/keys" >/dev/null
curl -fsS "http://127.0.0.1:${MGMT_PORT}/q/metrics" >/dev/null
id=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -d '{"reason":"AppCDS training run"}' \
  "http://127.0.0.1:${PORT}/api/v1/keys/train-pay/rotations" | grep -o '"id":"rot-[^"]*"' | head -n 1 | cut -d'"' -f4)
for _ in $(seq 1 100); do
  curl -fsS "${auth[@]}" "http://127.0.0.1:${PORT}/api/v1/rotations/$id" | grep -q AWAITING_DASHBOARD && break; sleep 0.1; done
curl -fsS "${auth[@]}" "http://127.0.0.1:${PORT}/api/v1/rotations?limit=5" >/dev/null
kill -TERM $java_pid; wait $java_pid || true; java_pid=""
[ -f "$APP/app-cds.jsa" ] || { echo "no archive written; see $work/service.log" >&2; exit 1; }
echo "$APP/app-cds.jsa: $(du -h "$APP/app-cds.jsa" | cut -f1)"
