"""Every Python snippet of the README runs, top to bottom in one namespace, as a reader
following the page would run them (in a temporary directory, so files they write vanish)."""
import re
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
# fenced python blocks, also indented ones inside list items
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)


def _blocks():
    text = README.read_text(encoding="utf-8")
    return [textwrap.dedent(code) for _, code in BLOCK.findall(text)]


def test_the_readme_has_python_snippets():
    assert len(_blocks()) >= 3


def test_every_readme_snippet_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for i, code in enumerate(_blocks()):
        try:
            exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as e:  # name the block: the traceback points into it
            pytest.fail(f"README python block {i + 1} failed: {type(e).__name__}: {e}\n{code}")
