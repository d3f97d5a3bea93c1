"""The README is short and true: its tour runs (top to bottom in one namespace, in a
temporary directory, as a reader following the page would run it), its set-up commands are
the ones CI runs, it links every page of the user guide, and its map of the code answers
"where is ...?" in one step: the file a row links defines what the row says it holds.

What the README used to hold at length lives in docs/ now, where tests/test_docs.py runs it."""
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 250
# fenced python blocks, also indented ones inside list items
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
BASH = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)\s]*)?\)")
# the map's questions: a phrase in bold in one row -> what the file that row links defines
WHERE = {
    "Conv2d's math": r"^class Conv2d\(Function\)",
    "the cross-entropy loss": r"^def cross_entropy\(|^class CrossEntropy\(",
    "the Adam update": r"^def adam_update\(",
    "where the CLI picks a model": r"^MODELS\b",
    "where it builds its network": r"^def make_model\(",
}
MOVING = "xarxa/apps/"  # the applications move there (issue 18); checked once it exists


def _text() -> str:
    return README.read_text(encoding="utf-8")


def _blocks():
    return [textwrap.dedent(code) for _, code in BLOCK.findall(_text())]


def test_the_readme_is_short():
    lines = _text().count("\n")
    assert lines <= MAX_LINES, \
        f"README.md has {lines} lines (at most {MAX_LINES}): move the details to docs/"


def test_the_readme_has_a_tour():
    assert len(_blocks()) >= 1


def test_every_readme_snippet_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for i, code in enumerate(_blocks()):
        try:
            exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as e:  # name the block: the traceback points into it
            pytest.fail(f"README python block {i + 1} failed: {type(e).__name__}: {e}\n{code}")


def test_the_set_up_commands_are_the_ones_ci_runs():
    first = BASH.findall(_text())[0].split("\n")
    assert [line.strip() for line in first if line.strip()] == \
        ["pip install -e '.[test]'", "pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-e '.[test]'" in ci
    assert ci.rstrip().splitlines()[-1].strip() == "pytest", ".ci/run must end with `pytest`"


def test_the_readme_links_every_page_of_the_user_guide():
    linked = set(LINK.findall(_text()))
    pages = sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))
    missing = [p for p in pages if p not in linked]
    assert not missing, f"README.md's map does not link {missing}"


def test_the_readme_shows_one_picture_from_docs_img():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", _text())
    assert len(pictures) == 1 and pictures[0].startswith("docs/img/"), pictures


@pytest.mark.parametrize("question", sorted(WHERE))
def test_the_map_answers_where_is_in_one_step(question):
    rows = [line for line in _text().splitlines()
            if line.startswith("|") and f"**{question}**" in line]
    assert len(rows) == 1, f"README.md's map has no row (or several) with **{question}**"
    targets = [t for t in LINK.findall(rows[0]) if t.endswith(".py")]
    if any(t.startswith(MOVING) for t in targets) and not (ROOT / MOVING).is_dir():
        pytest.skip(f"{MOVING} is not there yet: the applications are moving (issue 18)")
    defines = [t for t in targets if (ROOT / t).is_file() and
               re.search(WHERE[question], (ROOT / t).read_text(encoding="utf-8"), re.M)]
    assert defines, \
        f"the README row for **{question}** links {targets}; none defines /{WHERE[question]}/"
