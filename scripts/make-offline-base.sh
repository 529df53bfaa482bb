#!/usr/bin/env bash
# Builds a minimal Java base image as a docker-save tarball, from this machine's own JDK and the C libraries
# it links against: for building and smoke-testing the service image where no container
# registry is reachable (the production base is registry.access.redhat.com/ubi9/openjdk-17-runtime).
# Use it with: ./mvnw package -Dquarkus.container-image.build=true -Dimage.base=tar://$PWD/target/offline-base/base.tar
#
#   scripts/make-offline-base.sh [output.tar, default target/offline-base/base.tar]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-target/offline-base/base.tar}"
WORK="$(dirname "$OUT")/rootfs"
rm -rf "$WORK"
mkdir -p "$WORK/opt" "$WORK/tmp" "$WORK/etc" "$WORK/deployments" "$WORK/proc" "$WORK/dev"
chmod 1777 "$WORK/tmp"

# The JDK that built the service (JAVA_HOME, else the java on the PATH), whole but for its sources and jmods: the
# class data sharing archive the build made (quarkus-app/app-cds.jsa) maps only in the very JDK that made it,
# so a jlinked runtime would ignore it.
JDK="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
mkdir -p "$WORK/opt/java"
# shellcheck disable=SC2046
tar -C "$JDK" -chf - --exclude=lib/src.zip $(cd "$JDK" && ls -d bin lib conf release 2>/dev/null) | tar -C "$WORK/opt/java" -xf -

# The C libraries the JVM and its core native libraries need (AWT's X11 libraries are never loaded).
for lib in $(ldd "$WORK/opt/java/bin/java" "$WORK/opt/java/lib/server/libjvm.so" "$WORK"/opt/java/lib/lib{java,net,nio,zip,jimage,management,extnet,j2pkcs11}.so 2>/dev/null \
             | grep -o '=> /[^ ]*' | cut -c4- | sort -u) /lib64/ld-linux-x86-64.so.2; do
  mkdir -p "$WORK$(dirname "$lib")"
  cp -L "$lib" "$WORK$lib"
done
echo "root:x:0:0::/root:/sbin/nologin" > "$WORK/etc/passwd"
echo "jboss:x:185:185::/deployments:/sbin/nologin" >> "$WORK/etc/passwd"
printf 'root:x:0:\njboss:x:185:\n' > "$WORK/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$WORK/etc/hosts"
chown 185:185 "$WORK/deployments" 2>/dev/null || true

python3 - "$WORK" "$OUT" <<'PY'
import hashlib, io, json, os, sys, tarfile
root, out = sys.argv[1], sys.argv[2]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    for name in sorted(os.listdir(root)):
        t.add(os.path.join(root, name), arcname=name)
data = layer.getvalue()
diff_id = hashlib.sha256(data).hexdigest()
config = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/opt/java/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java", "LANG=C.UTF-8"],
               "User": "185", "WorkingDir": "/deployments"},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "RepoTags": ["kashier-key-rotator-base:offline"],
                        "Layers": [diff_id + "/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for name, content in ((config_name, config), (diff_id + "/layer.tar", data), ("manifest.json", manifest)):
        info = tarfile.TarInfo(name)
        info.size = len(content)
        t.addfile(info, io.BytesIO(content))
print(out, round(len(data) / 1e6, 1), "MB layer")
PY
