#!/usr/bin/env bash
# Refresh the pinned, hashed locks of the whole dependency tree from pyproject.toml:
#   requirements/dev.txt   app + the '[dev]' extra, for scripts/setup.sh --dev (scripts/test.sh)
#   requirements/app.txt   the app's subset of the same pins, for scripts/setup.sh (scripts/start.sh)
#   scripts/lock.sh              after a change in pyproject.toml: keeps every pin that still fits
#   scripts/lock.sh --upgrade    takes the newest releases that fit (--upgrade-package NAME: only that one)
# Then run scripts/test.sh and commit requirements/ with the change.
#
# Why pip-tools and not uv: pip-compile resolves with pip itself, so it reads pip's configuration
# (find-links with the CPU torch wheel, the local package mirrors) and locks torch 2.13.0+cpu with the hash of
# that file, without the nvidia-* packages of PyPI's CUDA torch. uv reads none of pip's configuration.
# The locks are for the platform they are compiled on: CPython 3.11 on Linux x86_64.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pip_noise.sh

ARGS=("$@")
PY="${PYTHON:-python3.11}"
# pip-tools is a maintainer tool: it lives in its own venv, outside the repository and the app's .venv.
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/govmedia-academy/lock-venv"
PIP_TOOLS=pip-tools==7.7.0
if ! "$TOOLS/bin/python" -m pip show -q pip-tools 2>/dev/null \
    || [ "$("$TOOLS/bin/python" -c 'import importlib.metadata as m; print(m.version("pip-tools"))')" != "${PIP_TOOLS#*==}" ]; then
  echo "Installing $PIP_TOOLS into $TOOLS"
  "$PY" -m venv --clear "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q --upgrade pip "$PIP_TOOLS" 2>&1 \
    | drop_mirror_noise
fi

compile() {
  CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$TOOLS/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links ${ARGS[@]+"${ARGS[@]}"} "$@" pyproject.toml 2>&1 \
    | drop_mirror_noise
}
mkdir -p requirements
# One resolution for everything (the test tools share huggingface-hub, langchain-core... with the app), then
# the app's subset of it: the app installs exactly the versions the tests ran on.
echo "Locking app + [dev] -> requirements/dev.txt (several minutes: every file's hash is looked up)"
compile --extra dev -o requirements/dev.txt
echo "Locking the app's subset -> requirements/app.txt"
compile -c requirements/dev.txt -o requirements/app.txt
if grep -q -i -E '^(nvidia-|triton==)' requirements/app.txt requirements/dev.txt; then
  echo "The lock holds CUDA packages: torch was not resolved to the CPU build (is /opt/wheels in pip's find-links?)" >&2
  exit 1
fi
grep -q '^torch==2\.13\.0+cpu ' requirements/app.txt \
  || { echo "The lock does not pin torch==2.13.0+cpu: see scripts/setup.sh's torch step" >&2; exit 1; }
echo "Locks written; review 'git diff requirements/' and run scripts/test.sh"
