#!/usr/bin/env python3
"""Runs every check of `make test` and ends with one line: `N passed, N failed`.

Lint-type checks count as one each; test suites count their tests (read from JUnit XML).
Every stage runs even when an earlier one failed, so one run shows everything that is wrong.
The exit status is non-zero when anything failed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
REPORTS = ROOT / "target" / "test-reports"
VENV = Path(os.environ.get("ELEVATE_VENV", Path.home() / ".cache" / "elevate" / "venv"))


@dataclass
class Result:
    name: str
    passed: int
    failed: int
    skipped: int
    seconds: float
    note: str = ""


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> int:
    print(f"\n=== {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, cwd=cwd, env={**os.environ, **(env or {})})


def junit_counts(path: Path) -> tuple[int, int, int] | None:
    if not path.is_file():
        return None
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    tests = failed = skipped = 0
    for suite in suites:
        for case in suite.iter("testcase"):
            tests += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
    return tests - failed - skipped, failed, skipped


def check(name: str, cmd: list[str], **kw: object) -> Result:
    start = time.monotonic()
    code = run(cmd, **kw)  # type: ignore[arg-type]
    ok = code == 0
    return Result(name, int(ok), int(not ok), 0, time.monotonic() - start, "" if ok else f"exit {code}")


def suite(name: str, cmd: list[str], junit: Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Result:
    junit.unlink(missing_ok=True)
    start = time.monotonic()
    code = run(cmd, cwd=cwd, env=env)
    elapsed = time.monotonic() - start
    counts = junit_counts(junit)
    if counts is None:
        return Result(name, 0, 1, 0, elapsed, f"exit {code}, no test report (did it build?)")
    passed, failed, skipped = counts
    if code != 0 and failed == 0:
        # The runner failed outside any test (a build error, a crash in a fixture).
        return Result(name, passed, 1, skipped, elapsed, f"exit {code} outside the tests")
    return Result(name, passed, failed, skipped, elapsed)


def rust_tests() -> Result:
    if shutil.which("cargo-nextest"):
        return suite("rust tests (nextest)",
                     ["cargo", "nextest", "run", "--workspace", "--profile", "ci", "--no-tests=warn"],
                     # nextest's store is <workspace>/target/nextest, whatever CARGO_TARGET_DIR says.
                     ROOT / "target" / "nextest" / "ci" / "junit.xml")
    # Fallback without nextest: read cargo test's own summary lines.
    start = time.monotonic()
    proc = subprocess.run(["cargo", "test", "--workspace"], cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    passed = sum(int(m) for m in re.findall(r"test result: \w+\. (\d+) passed", proc.stdout))
    failed = sum(int(m) for m in re.findall(r"; (\d+) failed", proc.stdout))
    if proc.returncode != 0 and failed == 0:
        failed = 1
    return Result("rust tests (cargo test)", passed, failed, 0, time.monotonic() - start)


def bindings_current() -> Result:
    # `cargo test` regenerates ui/src/bindings from the Rust types; a diff means the
    # committed TypeScript no longer matches the backend.
    if not (ROOT / ".git").exists():
        return Result("ts bindings match Rust", 1, 0, 0, 0.0, "not a git checkout, skipped diff")
    out = subprocess.run(["git", "status", "--porcelain", "--", "ui/src/bindings"], cwd=ROOT,
                         capture_output=True, text=True).stdout
    if out.strip():
        print(f"\nui/src/bindings differs from the Rust types; commit the regenerated files:\n{out}")
        return Result("ts bindings match Rust", 0, 1, 0, 0.0, "regenerated bindings differ")
    return Result("ts bindings match Rust", 1, 0, 0, 0.0)


def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    results = [
        check("cargo fmt --check", ["cargo", "fmt", "--all", "--", "--check"]),
        check("clippy -D warnings", ["cargo", "clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        check("tsc --noEmit (strict)", ["npm", "run", "-s", "typecheck"]),
        check("eslint", ["npm", "run", "-s", "lint"]),
        check("release plan (Tauri configs, workflows)", ["node", "scripts/check_release.mjs"]),
        rust_tests(),
        bindings_current(),
        suite("ui tests (vitest)",
              ["npx", "vitest", "run", "--config", "ui/vite.config.ts", "--reporter=default",
               "--reporter=junit", f"--outputFile.junit={REPORTS / 'vitest.xml'}"],
              REPORTS / "vitest.xml"),
        suite("desktop tests (pytest)",
              [str(VENV / "bin" / "python"), "-m", "pytest", f"--junitxml={REPORTS / 'desktop.xml'}"],
              REPORTS / "desktop.xml", cwd=ROOT / "tests",
              env={"ELEVATE_APP_BIN": os.environ.get("ELEVATE_APP_BIN", str(TARGET / "debug" / "elevate")),
                   "ELEVATE_CLI_BIN": os.environ.get("ELEVATE_CLI_BIN", str(TARGET / "debug" / "elevatectl")),
                   "ELEVATE_SIM_BIN": os.environ.get("ELEVATE_SIM_BIN", str(TARGET / "debug" / "elevate-sim"))}),
        # The README's headless command, as written (the demo under Xvfb, a screenshot).
        check("make demo-headless", ["make", "-s", "demo-headless"]),
        # The .deb and .rpm from the debug build already made (a release build would double
        # the run): the .deb's dependencies, installed (dpkg as root, else unpacked), started,
        # removed; the .rpm's header (requires each once, the binary and its .desktop entry).
        check("deb+rpm: built, checked, started",
              ["bash", "-c", f'npx tauri build --debug --bundles deb,rpm >/dev/null && '
               f'"{VENV / "bin" / "python"}" scripts/check_package.py "$(ls -t "{TARGET}"/debug/bundle/deb/*.deb | head -1)" && '
               f'"{VENV / "bin" / "python"}" scripts/check_rpm.py "$(ls -t "{TARGET}"/debug/bundle/rpm/*.rpm | head -1)"']),
    ]
    print("\n=== summary")
    for r in results:
        status = "ok  " if r.failed == 0 else "FAIL"
        extra = f", {r.skipped} skipped" if r.skipped else ""
        note = f"  ({r.note})" if r.note else ""
        print(f"  {status} {r.name:<28} {r.passed:>4} passed, {r.failed} failed{extra}  {r.seconds:6.1f}s{note}")
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
