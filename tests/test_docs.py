"""The user guide in docs/ runs: each page's ```python blocks (indented ones too) run top to
bottom in one namespace, as a student following the page would run them, in a fresh working
directory where the pictures they write land. Every page is linked from docs/README.md, every
picture a page shows is one its code writes (committed, small, in docs/img/), and every
option a `xarxa` command is shown with is one that command's --help lists.

Pages without python blocks (the command line, the playground, the benchmarks) are listed in
SHELL_PAGES: their commands take minutes or a browser, so only their options are checked.

    python tools/docs_images.py     # redraw docs/img/ from the pages' code

(which runs this file with XARXA_DOCS_OUT=<scratch dir>: the pages' pictures are kept there).
"""
import contextlib
import io
import os
import re
import shutil
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = ["autograd.md", "losses.md", "optimizers.md", "cnns.md", "upsampling.md",
         "skip-connections.md", "metric-learning.md", "seeing-inside.md",
         "pytorch.md", "func.md", "second-order.md", "onnx.md", "extending.md", "mpi.md",
         "cli.md", "playground.md", "speed-and-accuracy.md", "lecture-figures.md"]
# lecture-figures.md: experiments/figures.py draws its pictures (tests/test_lecture_figures.py)
SHELL_PAGES = {"cli.md", "playground.md", "speed-and-accuracy.md", "lecture-figures.md"}
CODE_PAGES = [p for p in PAGES if p not in SHELL_PAGES]
# fenced python blocks, also indented ones inside list items
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")
# pictures drawn by Graphviz's `dot`: the pages guard them with shutil.which("dot")
NEEDS_DOT = {"ex11-graph.png", "xor-graph.png"}
# pictures no page's code draws: the playground's screenshot (tools/docs_images.py takes it)
# and Netron's (`xarxa view` in headless Chromium, as tests/io/test_onnx_view.py drives it)
NOT_DRAWN_BY_PAGES = {"playground.png", "netron.png"}
MAX_COMMITTED_BYTES = 200_000


def _text(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def _blocks(page: str) -> list[str]:
    return [textwrap.dedent(code) for _, code in BLOCK.findall(_text(page))]


def _workdir(tmp_path: Path) -> Path:
    """Where a page's code runs: a temporary directory, or $XARXA_DOCS_OUT (shared by all
    pages, so that tools/docs_images.py finds every picture the pages show)."""
    out = os.environ.get("XARXA_DOCS_OUT")
    if not out:
        return tmp_path
    path = Path(out).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("page", CODE_PAGES)
def test_every_snippet_of_the_page_runs(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    assert blocks, f"docs/{page} has no python block (list it in SHELL_PAGES if it must not)"
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
    for ref in IMAGE.findall(_text(page)):
        name = Path(ref).name
        if name in NOT_DRAWN_BY_PAGES or (name in NEEDS_DOT and shutil.which("dot") is None):
            continue
        assert (work / name).is_file(), \
            f"docs/{page} shows {ref}, but its code did not write {name}"


@pytest.mark.parametrize("page", sorted(SHELL_PAGES))
def test_shell_pages_have_no_python_to_run(page):
    assert not _blocks(page), \
        f"docs/{page} has python blocks, which nothing runs: move it out of SHELL_PAGES"


@pytest.mark.parametrize("page", ["README.md", *PAGES])
def test_pictures_are_small_committed_files_in_img(page):
    for ref in IMAGE.findall(_text(page)):
        assert ref.startswith("img/") and "/" not in ref[4:], \
            f"docs/{page} shows {ref}: pictures live in docs/img/ (python tools/docs_images.py)"
        committed = DOCS / ref
        assert committed.is_file(), f"docs/{page} shows {ref}, which is not in docs/img/"
        assert committed.stat().st_size < MAX_COMMITTED_BYTES, \
            f"{ref} is {committed.stat().st_size:,} bytes: redraw it with tools/docs_images.py"


def test_every_picture_in_img_is_shown():
    pages = ["../README.md", "README.md", *PAGES]
    shown = {Path(ref).name for page in pages for ref in IMAGE.findall(_text(page))}
    unused = sorted(p.name for p in (DOCS / "img").glob("*.png") if p.name not in shown)
    assert not unused, f"docs/img/ holds pictures no page shows: {unused}"


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    titles = re.findall(r"^#+ +(.+?) *$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", t.lower()).replace(" ", "-") for t in titles}


def test_every_page_is_linked_from_the_index():
    index = _text("README.md")
    linked = {target for target, _ in LINK.findall(index)}
    missing = [p for p in PAGES if p not in linked]
    assert not missing, f"docs/README.md does not link {missing}"
    on_disk = sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md")
    assert on_disk == sorted(PAGES), "a page in docs/ is missing from PAGES (or vice versa)"


@pytest.mark.parametrize("page", ["README.md", *PAGES])
def test_links_to_headings_name_real_headings(page):
    """Whether the file exists is tests/test_links.py's; here, the #anchor of a page link."""
    for target, anchor in LINK.findall(_text(page)):
        if "://" in target or target.startswith("mailto:") or not anchor:
            continue
        path = (DOCS / target).resolve() if target else DOCS / page
        if path.suffix == ".md" and path.exists():
            assert anchor in _anchors(path), \
                f"docs/{page} links {target}#{anchor}: no such heading"


# -- the options the pages show for `xarxa` commands exist ------------------------------------

COMMANDS = ("train", "evaluate", "summary", "solve", "landscape", "playground")
SHELL_BLOCK = re.compile(r"^ *```(?:bash|sh|shell)\n(.*?)^ *```", re.S | re.M)
INLINE = re.compile(r"`(xarxa [^`]+)`")
INVOCATION = re.compile(r"\bxarxa (" + "|".join(COMMANDS) + r")\b([^\n]*)")


def _invocations(text: str) -> list[tuple[str, str]]:
    """(command, the rest of its line) for every `xarxa COMMAND ...` in shell blocks and
    inline code; continued lines are joined, comments dropped."""
    lines = []
    for block in SHELL_BLOCK.findall(text):
        block = block.replace("\\\n", " ")
        lines += [line.split(" #")[0] for line in block.splitlines()]
    lines += INLINE.findall(text)
    return [m.groups() for line in lines for m in INVOCATION.finditer(line)]


@pytest.fixture(scope="module")
def help_texts():
    """Each command's --help, from the installed `xarxa` console script's entry point."""
    scripts = [e for e in entry_points(group="console_scripts") if e.name == "xarxa"]
    if not scripts:
        pytest.fail("the `xarxa` console script is not installed: pip install -e .")
    main = scripts[0].load()
    texts = {}
    for command in COMMANDS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            main([command, "--help"])
        texts[command] = out.getvalue()
    return texts


@pytest.mark.parametrize("page", ["../README.md", *PAGES])
def test_the_options_shown_for_xarxa_commands_exist(page, help_texts):
    wrong = []
    for command, rest in _invocations(_text(page)):
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest):
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_texts[command]):
                wrong.append(f"xarxa {command} {option}")
    assert not wrong, f"docs/{page} shows options the commands do not have: {wrong}"
