"""The dependency locks (requirements/*.txt, written by scripts/lock.sh) against pyproject.toml.

scripts/setup.sh installs only what the locks pin, hash-checked; a dependency added to pyproject.toml
without a new lock would be missing from every fresh machine. These tests read the real files.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
APP_LOCK = ROOT / "requirements" / "app.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"


def _audit_deps():
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit_deps = _audit_deps()


def _entries(lock: Path) -> dict[str, str]:
    """Each pinned package's whole entry (pin line and its continuation lines)."""
    entries: dict[str, str] = {}
    current = ""
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = audit_deps.PIN.match(line)
        if match:
            current = audit_deps.normalise(match[1])
            entries[current] = ""
        if current and not line.lstrip().startswith("#"):
            entries[current] += line + "\n"
    return entries


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize(("lock", "extras"), [(APP_LOCK, []), (DEV_LOCK, ["dev"])], ids=["app", "dev"])
def test_lock_satisfies_every_requirement_of_pyproject(lock, extras):
    project = _project()
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = audit_deps.locked([lock])
    stale = []
    for text in requirements:
        req = Requirement(text)
        version = pins.get(audit_deps.normalise(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            stale.append(f"{text} (locked: {version})")
    assert not stale, f"{lock.name} does not satisfy pyproject.toml, run scripts/lock.sh: {stale}"


def test_app_lock_is_the_tested_subset_of_the_dev_lock():
    app, dev = audit_deps.locked([APP_LOCK]), audit_deps.locked([DEV_LOCK])
    differ = {name: (version, dev.get(name)) for name, version in app.items() if dev.get(name) != version}
    assert not differ, f"the app would run versions the tests never ran: {differ}"
    assert "import-linter" in dev and "llama-cpp-python" in dev and "pytest" not in app


@pytest.mark.parametrize("lock", [APP_LOCK, DEV_LOCK], ids=["app", "dev"])
def test_every_pin_is_hashed_and_torch_is_the_cpu_build(lock):
    entries = _entries(lock)
    assert len(entries) > 50
    unhashed = [name for name, entry in entries.items() if not re.search(r"--hash=sha256:[0-9a-f]{64}", entry)]
    assert not unhashed, f"pins without a hash break pip --require-hashes: {unhashed}"
    assert audit_deps.locked([lock])["torch"] == "2.13.0+cpu"
    cuda = [name for name in entries if name.startswith("nvidia-") or name in {"triton", "cuda-toolkit"}]
    assert not cuda, f"CUDA packages in the lock: {cuda}"


def test_locked_reads_pins_normalised_and_refuses_two_versions(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text(
        "Foo_Bar.baz==1.2 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via x\nuvicorn[standard]==0.30.0\n",
        encoding="utf-8",
    )
    assert audit_deps.locked([one]) == {"foo-bar-baz": "1.2", "uvicorn": "0.30.0"}
    two = tmp_path / "two.txt"
    two.write_text("foo-bar-baz==1.3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="foo-bar-baz"):
        audit_deps.locked([one, two])
