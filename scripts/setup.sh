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
"$VPY" -m pip install -q --upgrade pip

# torch first and pinned: a bare `torch` (pulled in by sentence-transformers) is a multi-GB CUDA build.
if ! "$VPY" -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  echo "Installing torch 2.13.0 (CPU)"
  "$VPY" -m pip install -q torch==2.13.0
fi

if [ "$DEV" = 1 ]; then
  if ! "$VPY" -c 'import llama_cpp' 2>/dev/null; then
    echo "Installing the test tools; llama-cpp-python is built from source once (about 6 minutes on 2 cores)"
  fi
  "$VPY" -m pip install -q -e ".[dev]"
else
  "$VPY" -m pip install -q -e .
fi
echo "Setup done: $("$VPY" --version), torch $("$VPY" -c 'import torch; print(torch.__version__)')"
