#!/usr/bin/env bash
# Set up everything (system packages, venv from the dev lock, Chromium) and run the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k loaders
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
mkdir -p test-artifacts
.venv/bin/python -m ruff check knowledge courses trainer desk sqlstore commands app_pages tests bench scripts streamlit_app.py
.venv/bin/python -m mypy
# The architecture's import rules (ARCHITECTURE.md; contracts in pyproject.toml). app_pages is not installed.
PYTHONPATH=. .venv/bin/lint-imports --no-cache >test-artifacts/import-contracts.txt \
  || { cat test-artifacts/import-contracts.txt; exit 1; }
# Known vulnerabilities in the versions the locks pin (see the script for why not plain pip-audit).
.venv/bin/python scripts/audit_deps.py --json test-artifacts/dependency-audit.json
.venv/bin/python -m pytest "$@"
