#!/usr/bin/env bash
# Set up everything and start the app on the embedded defaults: the sample knowledge base
# (indexed on first start, once), the account health check's sample (loaded while no account is
# stored) and no external service. Open http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
.venv/bin/python -m knowledge seed
.venv/bin/python -m trainer seed-health
exec .venv/bin/python -m streamlit run streamlit_app.py \
  --server.address "${APP_HOST:-0.0.0.0}" --server.port "${APP_PORT:-8501}" \
  --browser.gatherUsageStats false "$@"
