"""Dependency audit: known vulnerabilities in the versions pinned by the dependency locks.

    .venv/bin/python scripts/audit_deps.py [--json FILE] [LOCK ...]   (default: requirements/*.txt)

The locks (scripts/lock.sh) are what every machine installs, so they are what is audited: a package
installed by hand in one venv neither hides nor adds a finding.

Why not plain ``pip-audit``: it asks PyPI's per-version endpoint (``/pypi/NAME/VERSION/json``) or
osv.dev, and neither answers on the networks this project is built on (the per-version endpoint
returns an empty body, osv.dev does not resolve), so it reports every package as "not found" and
audits nothing. PyPI's project endpoint (``/pypi/NAME/json``) does answer, and its
``vulnerabilities`` list - the same PyPA advisory data pip-audit uses - describes the *latest*
release. So a package locked at its latest version is audited for real; an older one is listed
as not audited, with the version PyPI describes, instead of being passed silently. A local version
label (torch ``2.13.0+cpu``) is compared by its public part: the advisories are the release's.

Advisories we have assessed and accept are listed in ``ACCEPTED`` with the reason; any other
advisory fails the run (exit 1). If PyPI cannot be reached at all the run says so and exits 0:
a network outage must not block a release, but the output makes the gap visible.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

PYPI = "https://pypi.org/pypi/{name}/json"

# Advisory id -> why it does not apply to how GovMedia Academy uses the package. Reassess on upgrade.
ACCEPTED = {
    **dict.fromkeys(
        ("GHSA-f4j7-r4q5-qw2c", "PYSEC-2026-311", "GHSA-36p7-vc44-83pf", "PYSEC-2026-3814"),
        "chromadb: code injection through the Chroma *server's* HTTP API (trust_remote_code). The app "
        "embeds Chroma (PersistentClient, no HTTP API) by default; the optional server mode must run "
        "on loopback or a private network only - README 'Security'. No fixed release exists.",
    ),
    **dict.fromkeys(
        ("GHSA-2wm9-hf6c-p5cr", "PYSEC-2026-3813", "GHSA-xph7-9rjv-w5fr", "PYSEC-2026-3815"),
        "chromadb: cross-tenant access between authenticated users of a multi-tenant Chroma server. "
        "The app uses one tenant and no Chroma authentication; same server rule as above.",
    ),
    **dict.fromkeys(
        ("GHSA-w8v5-vhqr-4h9v", "PYSEC-2026-2447"),
        "diskcache: pickle in a cache folder an attacker can write to. Only llama-cpp-python needs it, a test "
        "tool (the '.[dev]' extra) that the app never imports; the tests run its server without a disk cache "
        "(llama_cpp's default, cache=False), so no diskcache folder exists. No fixed release exists.",
    ),
}


ROOT = Path(__file__).resolve().parent.parent
LOCKS = sorted((ROOT / "requirements").glob("*.txt"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalise(name: str) -> str:
    """A package name as PyPI compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(paths: list[Path]) -> dict[str, str]:
    """``name==version`` pins of pip-compile's locks, names normalised as PyPI does (PEP 503)."""
    pins: dict[str, str] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PIN.match(line)
            if not match:
                continue
            name, version = normalise(match[1]), match[2]
            if pins.setdefault(name, version) != version:
                raise ValueError(f"{name} is locked at {pins[name]} and at {version}: run scripts/lock.sh")
    return pins


def project_info(name: str) -> dict[str, Any] | None:
    """PyPI's project JSON, or None when PyPI does not know the package (our own, a local build)."""
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def audit(packages: dict[str, str]) -> dict[str, Any]:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        infos = dict(zip(packages, pool.map(project_info, packages), strict=True))
    report: dict[str, Any] = {"audited": [], "not_audited": [], "not_on_pypi": [], "findings": []}
    for name, version in sorted(packages.items()):
        info = infos[name]
        if info is None:
            report["not_on_pypi"].append(f"{name} {version}")
            continue
        latest = info["info"]["version"]
        if latest != version.split("+")[0]:
            report["not_audited"].append(f"{name} {version} (PyPI describes {latest} only)")
            continue
        report["audited"].append(f"{name} {version}")
        for vuln in info.get("vulnerabilities") or []:
            if vuln.get("withdrawn"):
                continue
            report["findings"].append(
                {
                    "package": name,
                    "version": version,
                    "id": vuln["id"],
                    "aliases": vuln.get("aliases") or [],
                    "fixed_in": vuln.get("fixed_in") or [],
                    "summary": " ".join((vuln.get("summary") or vuln.get("details") or "").split())[:200],
                    "accepted": ACCEPTED.get(vuln["id"], ""),
                }
            )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the full report here")
    parser.add_argument("locks", nargs="*", type=Path, default=LOCKS, help="pip-compile locks (requirements/*.txt)")
    args = parser.parse_args(argv)
    if not args.locks:
        print("dependency audit: no lock found (requirements/*.txt): run scripts/lock.sh", file=sys.stderr)
        return 1
    packages = locked(args.locks)
    try:
        report = audit(packages)
    except OSError as exc:  # URLError is an OSError: no network, DNS, TLS
        print(f"dependency audit: PyPI unreachable ({exc}); {len(packages)} packages NOT audited", file=sys.stderr)
        return 0
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    open_findings = [f for f in report["findings"] if not f["accepted"]]
    shown = [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in args.locks]
    print(
        f"dependency audit of {', '.join(shown)}: "
        f"{len(report['audited'])} packages audited, "
        f"{len(report['not_audited'])} not auditable (older than PyPI's latest), "
        f"{len(report['not_on_pypi'])} not on PyPI; "
        f"{len(report['findings'])} advisories, {len(open_findings)} not accepted"
    )
    for line in report["not_audited"]:
        print(f"  not audited: {line}")
    for finding in report["findings"]:
        state = "accepted" if finding["accepted"] else "OPEN"
        fixed = ", ".join(finding["fixed_in"]) or "no fixed release"
        print(f"  {state}: {finding['package']} {finding['version']} {finding['id']} ({fixed}): {finding['summary']}")
    return 1 if open_findings else 0


if __name__ == "__main__":
    sys.exit(main())
