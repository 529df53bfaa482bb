#!/usr/bin/env bash
# Builds what the tests on a real Kubernetes API server run: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok (the node) and helm, from the Go module proxy, at the versions pinned (with their
# checksums) by the Go modules under src/test/go/. Into .kube-tools/bin (ignored by git); a binary is built
# again only when its module's go.mod or go.sum changed. Cold: about 1 GB of modules and 8 minutes on two
# cores; warm: seconds.
# Without Go it says so in one line and builds nothing; those tests then skip (they look for
# .kube-tools/ready). Prints the bin folder on its last line. Holds .kube-tools/lock while it runs.
# Each binary built is also kept in the user's build cache ($KUBE_TOOLS_CACHE, by default
# ~/.cache/kashier-key-rotator/kube-tools), named by its module's checksum, as ~/.m2 keeps jars: a
# fresh clone at the same pins copies it (a second) instead of linking it again (1.5 minutes of two cores).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${KUBE_TOOLS:-$root/.kube-tools}"
bin="$out/bin"
cache="${KUBE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kashier-key-rotator/kube-tools}"
mkdir -p "$out"
# One build at a time: the Maven build starts this in the background and runs it again, which then waits
# here, before the integration tests.
exec 9>"$out/lock"
flock 9
rm -f "$out/ready"

if ! command -v go >/dev/null 2>&1; then
  echo "install-kube: no 'go' on PATH, so the tests on a real Kubernetes API server are skipped (install Go 1.26 or later to run them)" >&2
  exit 0
fi
mkdir -p "$bin" "$out/stamps"

build() { # module folder, binary name, package
  local dir="$root/src/test/go/$1" name="$2" pkg="$3" want
  want="$(cat "$dir/go.mod" "$dir/go.sum" | sha256sum | cut -c1-16)"
  if [ -x "$bin/$name" ] && [ "$(cat "$out/stamps/$name" 2>/dev/null)" = "$want" ]; then
    return
  fi
  local kept="$cache/$name-$want"
  if [ -x "$kept" ]; then
    cp "$kept" "$bin/$name.part"
    mv "$bin/$name.part" "$bin/$name"
    echo "$want" > "$out/stamps/$name"
    echo "install-kube: $name from the build cache ($kept)" >&2
    return
  fi
  echo "install-kube: building $name from $pkg" >&2
  local started=$SECONDS
  (cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -o "$bin/$name.part" "$pkg")
  mv "$bin/$name.part" "$bin/$name"
  echo "$want" > "$out/stamps/$name"
  echo "install-kube: $name built in $((SECONDS - started)) s" >&2
  # Kept for the next clone; a cache that cannot be written costs only the next build.
  if mkdir -p "$cache" 2>/dev/null && cp "$bin/$name" "$kept.part.$$" 2>/dev/null; then
    mv "$kept.part.$$" "$kept"
    # One version of each binary: older pins' copies go.
    find "$cache" -maxdepth 1 -name "$name-*" ! -name "$name-$want" ! -name '*.part.*' -delete 2>/dev/null || true
  else
    rm -f "$kept.part.$$"
  fi
}

build etcd etcd go.etcd.io/etcd/server/v3
build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build helm helm helm.sh/helm/v3/cmd/helm

touch "$out/ready"
echo "$bin"
