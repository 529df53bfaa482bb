#!/usr/bin/env bash
# Builds what the tests on a real Kubernetes API server run: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok (the node) and helm, from the Go module proxy, at the versions pinned (with their
# checksums) by the Go modules under src/test/go/. Into .kube-tools/bin (ignored by git); a binary is built
# again only when its module's go.mod or go.sum changed. Cold: about 1 GB of modules and 8 minutes on two
# cores; warm: seconds.
# Without Go it says so in one line and builds nothing; those tests then skip (they look for
# .kube-tools/ready). Prints the bin folder on its last line. Holds .kube-tools/lock while it runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${KUBE_TOOLS:-$root/.kube-tools}"
bin="$out/bin"
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
  echo "install-kube: building $name from $pkg" >&2
  local started=$SECONDS
  (cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -o "$bin/$name.part" "$pkg")
  mv "$bin/$name.part" "$bin/$name"
  echo "$want" > "$out/stamps/$name"
  echo "install-kube: $name built in $((SECONDS - started)) s" >&2
}

build etcd etcd go.etcd.io/etcd/server/v3
build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
build helm helm helm.sh/helm/v3/cmd/helm

touch "$out/ready"
echo "$bin"
