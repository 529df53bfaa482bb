#!/usr/bin/env bash
# The fast tier: every test class tagged fast (no OpenBao, no Quarkus application), named to Surefire one by
# one. With -Dgroups=fast alone Surefire's discovery loads every test class, and each @QuarkusTest class
# brings up its Quarkus test machinery before the tag filter drops it: minutes before the first test.
# Extra arguments go to Maven (e.g. -o, or -Dtest=RetryPolicyTest to narrow it further).
set -euo pipefail
cd "$(dirname "$0")/.."
files="$(grep -rl --include='*.java' '@Tag("fast")' src/test/java | sort)"
if quarkus="$(grep -l '@QuarkusTest' $files)"; then
  echo "test-fast: tagged fast but a @QuarkusTest (move it out of the fast tier): $quarkus" >&2
  exit 2
fi
tests="$(echo "$files" | sed 's#.*/##; s#\.java$##' | paste -sd, -)"
exec ./mvnw -B test -Dgroups=fast -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -DskipOpenbaoInstall=true -DskipBrowserTests=true -DskipKube=true -Dquarkus.build.phase=package "$@"
