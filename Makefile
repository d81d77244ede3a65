.PHONY: setup start test lint format bench samples

setup:
	scripts/setup.sh --dev

start:
	scripts/start.sh

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check knowledge courses trainer desk sqlstore commands app_pages tests bench scripts streamlit_app.py
	.venv/bin/mypy
	PYTHONPATH=. .venv/bin/lint-imports

format:
	.venv/bin/ruff format knowledge courses trainer desk sqlstore commands app_pages tests bench scripts streamlit_app.py

samples:
	.venv/bin/python knowledge/samples/build.py

bench:
	.venv/bin/python bench/kb_eval.py --set sample
	.venv/bin/python bench/kb_eval.py --set dev
	.venv/bin/python bench/ingest_throughput.py
	.venv/bin/python bench/search_latency.py
