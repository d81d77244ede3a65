"""A real ``streamlit run`` server on loopback and the Chromium to drive it, shared by the browser
tests (tests/test_e2e_browser.py, tests/test_load.py) and the load benchmark (bench/load_test.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless Debian Chromium as root in a container: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class AppServer:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path  # the server's stdout and stderr


@contextmanager
def app_server(
    data_dir: Path, *, log: Path | None = None, env: dict[str, str] | None = None, startup_s: float = 60
) -> Iterator[AppServer]:
    """``streamlit run streamlit_app.py`` on a free loopback port with APP_DATA_DIR=data_dir (and
    ``env`` on top), until the block ends; its output goes to ``log`` (default: next to data_dir)."""
    port = free_port()
    log = log or data_dir.parent / "streamlit.log"
    full_env = {**os.environ, "APP_DATA_DIR": str(data_dir), **(env or {})}
    handle = open(log, "w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=full_env, stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + startup_s
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("streamlit did not start:\n" + log.read_text()) from None
                time.sleep(0.5)
        yield AppServer(url, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        handle.close()


def run_app(clean_env: Path) -> Iterator[str]:
    """For fixtures: the server's URL while the test runs."""
    with app_server(clean_env) as server:
        yield server.url
