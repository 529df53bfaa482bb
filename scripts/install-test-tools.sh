#!/usr/bin/env bash
# Makes sure the tools the tests drive are there: Debian's chromium and its chromedriver (the console's
# browser tests) and tmux (kkr's terminal test). Uses them when present; otherwise installs the Debian
# packages (as root, or with sudo without a password). Set CHROMIUM and CHROMEDRIVER to use others.
# Prints the browser's version on its last line.
set -euo pipefail
chromium="${CHROMIUM:-/usr/bin/chromium}"
driver="${CHROMEDRIVER:-/usr/bin/chromedriver}"

if [ -x "$chromium" ] && [ -x "$driver" ] && command -v tmux >/dev/null 2>&1; then
  "$chromium" --version 2>/dev/null || echo "$chromium"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-test-tools: $chromium, $driver or tmux is missing and this user cannot install packages;" \
    "install Debian's chromium, chromium-driver and tmux (apt-get install chromium chromium-driver tmux)," \
    "or run with -DskipBrowserTests" >&2
  exit 1
fi
echo "install-test-tools: installing Debian's chromium, chromium-driver and tmux" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium chromium-driver tmux >&2; then
  "${as_root[@]}" apt-get update >&2
  "${as_root[@]}" apt-get install -y --no-install-recommends chromium chromium-driver tmux >&2
fi
"$chromium" --version
