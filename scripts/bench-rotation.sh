#!/usr/bin/env bash
# Benchmark: wall time of payment-key rotations with two webhook dependents (two waves, soak 0,
# grace 0), and the service's start-up time. Uses the packaged jar, a real OpenBao dev server and
# real demo dependents on loopback. Usage: scripts/bench-rotation.sh [rotations]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"
PORT="${BENCH_PORT:-18080}"
MGMT_PORT="${BENCH_MGMT_PORT:-18090}"
BAO_PORT="${BENCH_BAO_PORT:-18200}"
TOKEN=bench-token
work=.run-local/bench; mkdir -p "$work"

[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
bao="$(bash scripts/install-openbao.sh | tail -n 1)"
"$bao" server -dev -dev-root-token-id=bench-root -dev-listen-address="127.0.0.1:${BAO_PORT}" > "$work/openbao.log" 2>&1 &
bao_pid=$!; java_pid=""
trap '[ -n "$java_pid" ] && kill $java_pid 2>/dev/null; kill $bao_pid 2>/dev/null' EXIT
until curl -fsS "http://127.0.0.1:${BAO_PORT}/v1/sys/health" >/dev/null 2>&1; do sleep 0.1; done

sim="http://127.0.0.1:${PORT}/sim/kashier"
# The JVM as the Helm chart runs it: its jvmOptions (the image's /deployments is target/quarkus-app here, also
# the working directory, as in the image, where the build's class data sharing archive finds its jar), with
# its memory limit seen as the machine's memory.
app="$PWD/target/quarkus-app"
jvm_opts=$(sed -n 's/^jvmOptions: *"\(.*\)"/\1/p' helm/kashier-key-rotator/values.yaml \
  | sed "s|/deployments/|$app/|g")
mem_limit=$(sed -n '/^  limits:/{n;s/^ *memory: *\([0-9]*\)Mi/\1/p}' helm/kashier-key-rotator/values.yaml)
# shellcheck disable=SC2206
jvm=($jvm_opts "-XX:MaxRAM=${mem_limit}m")
# Options to try on top of the chart's (e.g. BENCH_JVM_EXTRA=-XX:SharedArchiveFile=app.jsa).
# shellcheck disable=SC2206
[ -n "${BENCH_JVM_EXTRA:-}" ] && jvm+=($BENCH_JVM_EXTRA)
start=$(date +%s%N)
log="$PWD/$work/service.log"
cd "$app"
VAULT_ADDR="http://127.0.0.1:${BAO_PORT}" VAULT_TOKEN=bench-root java "${jvm[@]}" \
  -Dquarkus.http.port="$PORT" -Dquarkus.management.port="$MGMT_PORT" -Drotator.bootstrap-token="$TOKEN" \
  -Drotator.security.https-only=false -Drotator.security.allow-insecure-live-urls=true \
  -Dquarkus.http.ssl.certificate.files= -Dquarkus.http.ssl.certificate.key-files= \
  -Dquarkus.profile=simulated -Dquarkus.http.insecure-requests=enabled \
  -Drotator.kashier.dashboard=simulator -Drotator.kashier.simulator.enabled=true -Drotator.kashier.simulator.url="$sim" \
  -Drotator.kashier.api.test-base-url="$sim/test" -Drotator.kashier.api.live-base-url="$sim/live" \
  -Drotator.accounts.bench.mid=MID-9999-001 \
  -Drotator.keys.bench-pay.account=bench -Drotator.keys.bench-pay.mode=test -Drotator.keys.bench-pay.kind=payment-api-key \
  -Drotator.keys.bench-pay.grace=0s -Drotator.rollout.soak=0s \
  -Drotator.dependents.hook-a.keys=bench-pay -Drotator.dependents.hook-a.wave=0 -Drotator.dependents.hook-a.type=webhook \
  -Drotator.dependents.hook-a.url=http://127.0.0.1:19101/rotation \
  -Drotator.dependents.hook-a.verify-url=http://127.0.0.1:19101/rotation/fingerprints \
  -Drotator.dependents.hook-a.signing-secret=bench-a \
  -Drotator.dependents.hook-b.keys=bench-pay -Drotator.dependents.hook-b.wave=1 -Drotator.dependents.hook-b.type=webhook \
  -Drotator.dependents.hook-b.url=http://127.0.0.1:19102/rotation \
  -Drotator.dependents.hook-b.verify-url=http://127.0.0.1:19102/rotation/fingerprints \
  -Drotator.dependents.hook-b.signing-secret=bench-b \
  -Drotator.demo.dependents.hook-a=19101 -Drotator.demo.dependents.hook-b=19102 \
  -jar "$app/quarkus-run.jar" > "$log" 2>&1 &
java_pid=$!
until curl -fsS "http://127.0.0.1:${MGMT_PORT}/q/health/ready" >/dev/null 2>&1; do
  kill -0 $java_pid 2>/dev/null || { cat "$log"; exit 1; }; sleep 0.05; done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
quarkus_started=$(grep -o 'started in [0-9.]*s' "$log" | head -1)
sleep 1  # what it holds once settled, not mid-start
rss_mb=$(( $(awk '/^VmRSS:/ {print $2}' "/proc/$java_pid/status") / 1024 ))

python3 - "$N" "$PORT" "$TOKEN" "$ready_ms" "$quarkus_started" "$rss_mb" "${jvm[*]}" <<'PY'
import json, sys, time, urllib.request, statistics
n, port, token, ready_ms, started, rss, jvm = int(sys.argv[1]), *sys.argv[2:]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())
walls = []
for i in range(n + 2):
    t0 = time.perf_counter()
    rid = call("POST", "/api/v1/keys/bench-pay/rotations", {"reason": "bench"})["id"]
    while True:
        r = call("GET", "/api/v1/rotations/" + rid)
        if r["state"] in ("COMPLETED", "FAILED"):
            break
        time.sleep(0.005)
    if r["state"] != "COMPLETED":
        sys.exit("rotation failed: " + str(r["error"]))
    if i >= 2:  # the first two warm up the JIT
        walls.append((time.perf_counter() - t0) * 1000)
walls.sort()
print(f"start-up: ready after {ready_ms} ms from launch (Quarkus: {started}); resident {rss} MiB a second later")
print(f"  JVM: {jvm}")
print(f"payment-key rotation, 2 webhook dependents in 2 waves, soak 0, grace 0, {n} runs after 2 warm-up:")
print(f"  median {statistics.median(walls):.0f} ms, p90 {walls[int(len(walls)*0.9)-1]:.0f} ms, "
      f"min {walls[0]:.0f} ms, max {walls[-1]:.0f} ms (client wall time, POST to COMPLETED seen)")
PY
