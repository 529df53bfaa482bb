#!/usr/bin/env bash
# The integration tests' early lane: the failsafe execution "early-lane" (pom.xml: the classes in
# it.early.lane, one after another) in a Maven of its own, started in the background as soon as the
# packaged service exists (process-test-classes), so that it runs beside the unit tests, which leave one
# of two cores idle most of the time, rather than after them. The build waits for it before verify.
#
#   early-lane.sh start|wait <build dir> <offline> <goals> <skipTests> <skipITs> <maven.test.skip> <it.test>
#
# start runs in the background (the build's exec, async); wait prints the lane's results and fails when it
# did. Neither does anything when the build runs no integration tests (its goals stop before them, or they
# are skipped), or runs a choice of them (-Dit.test=...: those run in the build's own failsafe execution,
# the early lane's classes included).
# Holds <build dir>/early-lane.lock while the lane runs; its Maven's output goes to <build dir>/early-lane.log.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
what="$1"
dir="$2"
mkdir -p "$dir"
lock="$dir/early-lane.lock"
log="$dir/early-lane.log"
rc="$dir/early-lane.rc"

offline="$3"
skip=true
case "$4" in *verify*|*integration-test*|*install*|*deploy*) skip=false ;; esac
for flag in "$5" "$6" "$7"; do
  [ "$flag" = true ] && skip=true
done
case "$8" in '${'*|'') ;; *) skip=true ;; esac

case "$what" in
  start)
    exec 9>"$lock"
    flock 9
    rm -f "$rc" "$log"
    if [ "$skip" = true ]; then
      exit 0
    fi
    args=(-B -ntp "-Dout.dir=$dir" -Dit.parallelism=1)
    [ "$offline" = offline=true ] && args+=(-o)
    # Ended with the build (Maven stops this script when it exits early): its Maven and test JVM too.
    child=
    trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 143' TERM INT
    (
      cd "$root"
      # The tests on the control plane need its binaries: wait for install-kube, which the build started
      # in the background before the tests were compiled (it holds this lock while it runs).
      kube="${KUBE_TOOLS:-$root/.kube-tools}"
      if [ -d "$kube" ]; then
        flock "$kube/lock" true
      fi
      exec ./mvnw "${args[@]}" failsafe:integration-test@early-lane failsafe:verify@early-lane
    ) >"$log" 2>&1 &
    child=$!
    set +e
    wait "$child"
    echo $? >"$rc"
    ;;
  wait)
    if [ "$skip" = true ]; then
      exit 0
    fi
    exec 9>"$lock"
    flock 9
    if [ ! -f "$rc" ]; then
      echo "early-lane: the lane did not run (no $rc); see $log" >&2
      exit 1
    fi
    # Its results, as failsafe printed them, then its verdict.
    sed -n '/^\[INFO\] Results:/,/^\[INFO\] Tests run:.*$/p; /^\[ERROR\] Tests run:.*Fail/p' "$log" | sed 's/^/early-lane: /'
    status="$(cat "$rc")"
    if [ "$status" != 0 ]; then
      echo "early-lane: failed (exit $status); its whole output: $log" >&2
      tail -40 "$log" | sed 's/^/early-lane: /' >&2
      exit 1
    fi
    ;;
  *)
    echo "early-lane: start or wait, not '$what'" >&2
    exit 2
    ;;
esac
