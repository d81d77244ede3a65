#!/usr/bin/env bash
# Set up everything GovMedia Academy needs on a fresh Debian machine; safe to run again.
#   scripts/setup.sh          app only
#   scripts/setup.sh --dev    app + test and benchmark tools (pytest, Playwright, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

# --- system packages: a CJK font (generated PDFs, screenshots) and, for tests, Chromium.
apt_packages=(fonts-wqy-microhei)
[ "$DEV" = 1 ] && apt_packages+=(chromium)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Python 3.11 virtual environment
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python

# Every package comes from a pinned, hashed lock (scripts/lock.sh refreshes it): the same versions on every
# machine, month after month. The project itself is installed after it, editable and without dependencies.
LOCK=requirements/app.txt
[ "$DEV" = 1 ] && LOCK=requirements/dev.txt

# pip's stderr without the local mirrors' warnings (scripts/pip_noise.sh); its exit status passes through.
source scripts/pip_noise.sh
pip_quiet() {
  { "$VPY" -m pip "$@" 2>&1 1>&3 3>&- | drop_mirror_noise >&2 3>&-; } 3>&1
}
# The entry of one package (its pin and hashes) from the lock, as a requirements file of its own.
lock_entry() {
  awk -v name="$1" 'index($0, name "==") == 1 {on = 1} on {print} on && !/\\$/ {exit}' "$LOCK"
}
install_entry() {  # NAME: install the locked version of one package alone, hash-checked
  local req
  req="$(mktemp)"
  lock_entry "$1" >"$req"
  [ -s "$req" ] || { echo "$1 is missing from $LOCK: run scripts/lock.sh" >&2; exit 1; }
  pip_quiet install -q --no-deps --require-hashes -r "$req"
  rm -f "$req"
}

install_entry pip  # the lock's pip (newer than the venv's): it reuses a wheel built from a hash-checked sdist

# torch first: the lock pins the CPU build (torch==2.13.0+cpu, from pip's find-links) by its file's hash,
# so a multi-GB CUDA build can never come in; installing it alone first makes a missing wheel fail early.
TORCH="$(lock_entry torch | sed -n 's/^torch==\([^ ]*\).*/\1/p')"
if ! "$VPY" -c "import torch, sys; sys.exit(torch.__version__ != '$TORCH')" 2>/dev/null; then
  echo "Installing torch $TORCH (CPU build, about 200 MB)"
  install_entry torch
fi

if [ "$DEV" = 1 ]; then
  if ! "$VPY" -c 'import llama_cpp' 2>/dev/null; then
    echo "Installing the app and the test tools from $LOCK; llama-cpp-python is built from source the first" \
      "time (about 9 minutes on 2 cores), later installs reuse that build"
  fi
else
  "$VPY" -c 'import streamlit' 2>/dev/null || echo "Installing the app's packages from $LOCK (a few minutes)"
fi
pip_quiet install -q --require-hashes -r "$LOCK"
# setuptools comes from the lock too (--no-build-isolation): nothing unlocked is fetched for the build.
# Its notice on every editable install (folders named like the package shadow it) tells a user nothing.
PYTHONWARNINGS="ignore:Editable installation" pip_quiet install -q --no-deps --no-build-isolation -e .
# A dependency added to pyproject.toml without a new lock shows here, not as an ImportError later.
if ! check="$("$VPY" -m pip check 2>&1)"; then
  echo "$check" >&2
  echo "The installed packages do not match pyproject.toml: run scripts/lock.sh, then this script again" >&2
  exit 1
fi
echo "Setup done: $("$VPY" --version), torch $("$VPY" -c 'import torch; print(torch.__version__)'), from $LOCK"
if [ "$DEV" = 0 ]; then
  echo "The first start indexes the sample knowledge base (about 3 minutes on 2 cores, once);" \
    "then open http://localhost:${APP_PORT:-8501}"
fi
