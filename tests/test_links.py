"""Every relative link and picture in README.md and docs/*.md points at a committed file (or
a folder holding committed files), so that nothing is broken for someone reading the
repository on GitHub: a picture under an ignored build folder, a page that was renamed, a
module that moved. Whether a link's #anchor names a real heading is tests/test_docs.py's."""
import re
import subprocess
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^ *```.*?^ *```", re.S | re.M)
# [text](target) and ![alt](target), with an optional "title"
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# The applications move to xarxa/apps/ (issue 18); the README's map already names their new
# home. Links there are checked as soon as the folder is committed.
MOVING = "xarxa/apps/"


@pytest.fixture(scope="module")
def committed() -> set[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the committed files are unknown")
    return {f for f in out.decode("utf-8").split("\0") if f}


def _targets(page: str) -> list[str]:
    text = FENCE.sub("", (ROOT / page).read_text(encoding="utf-8"))
    return LINK.findall(text)


def _resolve(page: str, target: str) -> str | None:
    """The repository path a relative link of `page` points at (None: not a file link)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "//")):
        return None  # https:, mailto:, an anchor on the same page
    path = unquote(target.split("#")[0].split("?")[0])
    if path.startswith("/"):
        return str(PurePosixPath(path.lstrip("/")))
    parts = []
    for part in (PurePosixPath(page).parent / path).parts:
        if part == "..":
            if not parts:
                return "../" + path  # outside the repository: never committed, so broken
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def test_the_pages_have_links():
    assert len(PAGES) > 10
    assert any(_targets(p) for p in PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_link_and_picture_points_at_a_committed_file(page, committed):
    folders = {str(p) for f in committed for p in PurePosixPath(f).parents}
    moved = not any(f.startswith(MOVING) for f in committed)
    broken = []
    for target in _targets(page):
        path = _resolve(page, target)
        if path is None or (moved and (path + "/").startswith(MOVING)):
            continue
        if path.rstrip("/") not in committed and path.rstrip("/") not in folders:
            broken.append(target)
    assert not broken, f"{page} links files that are not committed: {broken}"


def test_links_are_resolved_relative_to_their_page():
    assert _resolve("docs/cli.md", "README.md") == "docs/README.md"
    assert _resolve("docs/cli.md", "../README.md#a-tour") == "README.md"
    assert _resolve("docs/cli.md", "img/x.png") == "docs/img/x.png"
    assert _resolve("README.md", "docs/img/x.png") == "docs/img/x.png"
    assert _resolve("README.md", "../outside.md").startswith("../")
    assert _resolve("README.md", "https://example.org/a.png") is None
    assert _resolve("README.md", "#set-up") is None
