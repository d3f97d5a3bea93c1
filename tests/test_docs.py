"""The user guide in docs/ runs: each page's ```python blocks (indented ones too) run top to
bottom in one namespace, as a student following the page would run them, in a fresh working
directory where the pictures they write land. Every page is linked from docs/README.md, and
every picture a page shows is one its code writes.

    XARXA_DOCS_OUT=docs/_build pytest tests/test_docs.py    # keep the pictures the pages show

A page shows a picture written by its code as ``_build/<name>``; a few small committed copies
live in ``docs/img/`` (shown as ``img/<name>``), each also written by the page's code."""
import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = ["autograd.md", "losses.md", "optimizers.md", "cnns.md", "upsampling.md",
         "skip-connections.md", "metric-learning.md", "seeing-inside.md"]
# fenced python blocks, also indented ones inside list items
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")
# pictures drawn by Graphviz's `dot`: the pages guard them with shutil.which("dot")
NEEDS_DOT = {"ex11-graph.png", "xor-graph.png"}
MAX_COMMITTED_BYTES = 200_000


def _blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return [textwrap.dedent(code) for _, code in BLOCK.findall(text)]


def _workdir(tmp_path: Path) -> Path:
    """Where a page's code runs: a temporary directory, or $XARXA_DOCS_OUT (shared by all
    pages, so that docs/_build holds every picture the pages show)."""
    out = os.environ.get("XARXA_DOCS_OUT")
    if not out:
        return tmp_path
    path = Path(out).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("page", PAGES)
def test_every_snippet_of_the_page_runs(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    assert blocks, f"docs/{page} has no python block"
    work = _workdir(tmp_path)
    monkeypatch.chdir(work)
    namespace: dict = {"__name__": "docs_" + page[:-3].replace("-", "_")}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"docs/{page} python block {i + 1}", "exec"), namespace)
        except Exception as e:  # name the page and block: the traceback points into it
            pytest.fail(f"docs/{page} python block {i + 1} failed: {type(e).__name__}: {e}\n"
                        f"{code}")
    # every picture the page shows is one its code wrote
    text = (DOCS / page).read_text(encoding="utf-8")
    for ref in IMAGE.findall(text):
        name = Path(ref).name
        if name in NEEDS_DOT and shutil.which("dot") is None:
            continue
        assert ref.startswith(("_build/", "img/")), \
            f"docs/{page} shows {ref}: pictures are _build/<name> or img/<name>"
        assert (work / name).is_file(), \
            f"docs/{page} shows {ref}, but its code did not write {name}"
        if ref.startswith("img/"):
            committed = DOCS / ref
            assert committed.is_file(), f"docs/{page} shows {ref}, which is not in docs/img/"
            assert committed.stat().st_size < MAX_COMMITTED_BYTES, f"{ref} is too large"


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    titles = re.findall(r"^#+ +(.+?) *$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", t.lower()).replace(" ", "-") for t in titles}


def test_every_page_is_linked_from_the_index():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {target for target, _ in LINK.findall(index)}
    missing = [p for p in PAGES if p not in linked]
    assert not missing, f"docs/README.md does not link {missing}"
    on_disk = sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md")
    assert on_disk == sorted(PAGES), "a page in docs/ is missing from PAGES (or vice versa)"


@pytest.mark.parametrize("page", ["README.md", *PAGES])
def test_relative_links_point_at_files(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for target, anchor in LINK.findall(text):
        if "://" in target or target.startswith(("_build/", "mailto:")):
            continue
        path = (DOCS / target).resolve() if target else DOCS / page
        assert path.exists(), f"docs/{page} links {target}, missing"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), \
                f"docs/{page} links {target}#{anchor}: no such heading"
