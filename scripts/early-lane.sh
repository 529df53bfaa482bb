#!/usr/bin/env bash
# The build's early lane: a Maven of its own, started in the background as soon as the packaged service
# exists (process-test-classes), so that it runs beside the unit tests, which leave one of two cores idle
# most of the time, rather than after them. It runs the failsafe execution "early-lane" (pom.xml: the
# classes in it.early.lane, one after another), then the formatter's and SpotBugs' checks. The build waits
# for it after its own integration tests and fails when it failed.
#
#   early-lane.sh start|wait <build dir> key=value...
#
# with the build's goals, offline, local repository (repo), skipTests, skipITs, maven.test.skip, it.test, skipKube, spotbugs.skip
# and spotless.check.skip (an unset one is empty). The lane runs only when the build reaches verify; its
# integration tests are left out when the build runs none, or a choice of them (-Dit.test=...: those run
# in the build's own failsafe execution, the early lane's classes included). Holds <build dir>/
# early-lane.lock while it runs; its Maven's output goes to <build dir>/early-lane.log.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
what="$1"
dir="$2"
shift 2
declare -A opt=()
for pair in "$@"; do
  value="${pair#*=}"
  case "$value" in '${'*) value= ;; esac # a property the build left unset
  opt["${pair%%=*}"]="$value"
done
mkdir -p "$dir"
lock="$dir/early-lane.lock"
log="$dir/early-lane.log"
rc="$dir/early-lane.rc"

goals=()
its=false
case "${opt[goals]:-}" in
  *verify*|*install*|*deploy*)
    its=true
    for flag in skipTests skipITs maven.test.skip; do
      [ "${opt[$flag]:-}" = true ] && its=false
    done
    [ -n "${opt[it.test]:-}" ] && its=false
    if [ "$its" = true ]; then
      goals+=(failsafe:integration-test@early-lane failsafe:verify@early-lane)
    fi
    [ "${opt[spotless.check.skip]:-}" = true ] || goals+=(spotless:check)
    [ "${opt[spotbugs.skip]:-}" = true ] || goals+=(spotbugs:check)
    ;;
esac

case "$what" in
  start)
    exec 9>"$lock"
    flock 9
    rm -f "$rc" "$log"
    if [ ${#goals[@]} -eq 0 ]; then
      exit 0
    fi
    args=(-B -ntp "-Dout.dir=$dir" -Dit.parallelism=1)
    [ "${opt[offline]:-}" = true ] && args+=(-o)
    # The build's local repository (-Dmaven.repo.local or settings.xml's), so the lane resolves nothing anew.
    [ -n "${opt[repo]:-}" ] && args+=("-Dmaven.repo.local=${opt[repo]}")
    # Ended with the build (Maven stops this script when it exits early): its Maven and test JVM too.
    child=
    trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 143' TERM INT
    (
      cd "$root"
      echo "early-lane: ${goals[*]}"
      # The tests on the control plane need its binaries: as install-kube-wait does for the build's own
      # integration tests, run install-kube again, which waits for the run the build started in the
      # background (its lock) and builds whatever that one left missing.
      if [ "$its" = true ] && [ "${opt[skipKube]:-}" != true ]; then
        bash scripts/install-kube.sh
      fi
      exec ./mvnw "${args[@]}" "${goals[@]}"
    ) >"$log" 2>&1 &
    child=$!
    set +e
    wait "$child"
    echo $? >"$rc"
    ;;
  wait)
    if [ ${#goals[@]} -eq 0 ]; then
      exit 0
    fi
    exec 9>"$lock"
    flock 9
    if [ ! -f "$rc" ]; then
      echo "early-lane: the lane did not run (no $rc); see $log" >&2
      exit 1
    fi
    # What it ran, and its results as failsafe printed them.
    grep -E '^early-lane: |\[INFO\] Running |\[(INFO|WARNING|ERROR)\] Tests run:|Spotless\.|BugInstance|Total bugs' "$log" \
      | sed 's/^early-lane: //; s/^/early-lane: /' || true
    status="$(cat "$rc")"
    if [ "$status" != 0 ]; then
      echo "early-lane: failed (exit $status); its whole output: $log" >&2
      grep -E '\[ERROR\]' "$log" | head -60 | sed 's/^/early-lane: /' >&2
      exit 1
    fi
    ;;
  *)
    echo "early-lane: start or wait, not '$what'" >&2
    exit 2
    ;;
esac
