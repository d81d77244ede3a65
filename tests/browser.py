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


@contextmanager
def chromium() -> Iterator:  # type: ignore[type-arg]
    """Debian's headless Chromium through Playwright, for tests that open several contexts or tabs."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run scripts/setup.sh --dev (the test command does)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(context, timeout_ms: float = 60_000):  # type: ignore[no-untyped-def]
    tab = context.new_page()
    tab.set_default_timeout(timeout_ms)
    return tab


@contextmanager
def browser_tab(locale: str = "en-US", height: int = 900, timeout_ms: float = 60_000) -> Iterator:  # type: ignore[type-arg]
    """One tab in a fresh browser (its own cookies), for a test that plays one person."""
    with chromium() as browser:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": height})
        try:
            yield new_tab(context, timeout_ms)
        finally:
            context.close()


def fill_sign_in(tab, username: str, password: str, *, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    """Fill and submit the app's sign-in form (labels in the interface language ``lang``)."""
    labels = {"en": ("User name", "Password", "Sign in"), "zh": ("用户名", "密码", "登录")}[lang]
    tab.get_by_label(labels[0]).fill(username)
    tab.get_by_label(labels[1], exact=True).fill(password)
    tab.get_by_role("button", name=labels[2], exact=True).click()


def session_cookie(context, name: str = "govmedia_session", timeout_s: float = 20) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The app's session cookie as the browser holds it, once the sign-in has set it (AssertionError if never)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        found = [c for c in context.cookies() if c["name"] == name]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"no {name} cookie after {timeout_s} s")
