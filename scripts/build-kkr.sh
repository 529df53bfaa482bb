#!/usr/bin/env bash
# Builds target/kkr.jar, the command line: src/kkr/java compiled against the project's classpath, with the
# Jackson classes it uses unpacked into it, so that `java -jar kkr.jar` needs no other file.
# Run by `./mvnw package` (exec plugin, package phase); arguments: the classpath, the JDK's home.
set -euo pipefail
cd "$(dirname "$0")/.."
classpath="$1"
jdk="${2:-${JAVA_HOME:-}}"
bin="${jdk:+$jdk/bin/}"
out=target
classes="$out/kkr-classes"
rm -rf "$classes"
mkdir -p "$classes"
"${bin}javac" --release 17 -nowarn -XDsuppressNotes -encoding UTF-8 -d "$classes" -cp "$classpath" \
  $(find src/kkr/java -name '*.java' | sort) \
  src/main/java/dev/kashierrotator/util/Loopback.java src/main/java/dev/kashierrotator/util/Printable.java
IFS=: read -ra entries <<< "$classpath"
for entry in "${entries[@]}"; do
  case "$(basename "$entry")" in
    jackson-core-*.jar|jackson-databind-*.jar|jackson-annotations-*.jar)
      (cd "$classes" && "${bin}jar" xf "$entry") ;;
  esac
done
# Multi-release and module descriptors of the unpacked jars: not needed on the class path, and a
# descriptor would claim the jar is Jackson.
rm -rf "$classes/META-INF/versions" "$classes/META-INF/MANIFEST.MF" "$classes/module-info.class"
"${bin}jar" --create --file "$out/kkr.jar" --main-class dev.kashierrotator.kkr.Kkr -C "$classes" .
echo "built $out/kkr.jar ($(du -k "$out/kkr.jar" | cut -f1) KiB)"
