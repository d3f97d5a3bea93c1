"""Lint runs inside `pytest`: ruff, pinned in the test extra and configured in pyproject.toml's
[tool.ruff] (100 columns; pycodestyle E/W, pyflakes F, pylint's errors PLE), finds nothing
in the code. A finding is listed as ruff prints it: file, line, column, rule and message.

    python -m ruff check xarxa tests benchmarks experiments tools     # the same, by hand
"""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["xarxa", "tests", "benchmarks", "experiments", "tools"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed: pip install -e '.[test]' installs the pinned one")
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def _pinned() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'"ruff==([^"]+)"', text)
    assert match, "pyproject.toml's test extra must pin ruff (\"ruff==X.Y.Z\")"
    return match.group(1)


def test_ruff_is_the_pinned_version():
    installed = _ruff("--version").stdout.split()[-1]
    assert installed == _pinned(), \
        f"ruff {installed} is installed, the test extra pins {_pinned()}: " \
        "pip install -e '.[test]' (other versions find other things)"


def test_ruff_finds_nothing():
    done = _ruff("check", "--no-cache", "--output-format", "concise", *PATHS)
    assert done.returncode in (0, 1), f"ruff failed to run:\n{done.stderr}"
    findings = [line for line in done.stdout.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert done.returncode == 0 and not findings, \
        f"ruff finds {len(findings)} problem(s); fix them (`python -m ruff check --fix` " \
        "fixes some):\n" + "\n".join(findings)
