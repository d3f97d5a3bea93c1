"""experiments/figures.py (a lecture in one command, issue 19): every named figure draws at a
tiny size, writes a PNG (and an SVG), passes the slide checks of test_figures_projectable,
and is the picture docs/lecture-figures.md shows; and the init figure says what §1.4.7 says."""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from tests.test_figures_projectable import check_projectable

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lecture_figures",
                                              ROOT / "experiments" / "figures.py")
lecture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lecture)


@pytest.mark.parametrize("name", list(lecture.FIGURES))
def test_each_figure_draws_a_projectable_png(name, tmp_path):
    written = lecture.write(name, str(tmp_path), quick=True)
    png = tmp_path / f"{lecture.file_stem(name)}.png"
    assert str(png) in written and png.stat().st_size > 5_000
    check_projectable(lecture.FIGURES[name].draw(True), name)


def test_the_page_shows_every_figure_and_they_are_committed():
    page = (ROOT / "docs" / "lecture-figures.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(img/(lecture_[a-z_]+)\.png\)", page))
    assert shown == {lecture.file_stem(n) for n in lecture.FIGURES}
    for stem in shown:
        png = ROOT / "docs" / "img" / f"{stem}.png"
        assert png.is_file() and png.stat().st_size < 150_000, png
        svg = png.with_suffix(".svg")
        assert not svg.exists() or svg.stat().st_size < lecture.MAX_SVG_BYTES, svg


def test_init_statistics_show_what_the_notes_say():
    stats = {name: lecture.layer_statistics("tanh", fill, depth=6, samples=128)
             for name, fill in lecture._schemes("tanh").items()}
    assert not stats["zero"]["activation"].any() and not stats["zero"]["gradient"].any()
    small = stats["small random N(0, 0.01²)"]["activation"]
    assert small[-1] < 1e-4 * small[0]                       # vanishes, layer by layer
    notes = stats["notes: randn/√n"]["activation"]
    assert 0.1 < notes[-1] < 1 and notes[-1] > 0.3 * notes[0]  # stays alive through tanh
    relu = {name: lecture.layer_statistics("relu", fill, depth=6, samples=128)["activation"]
            for name, fill in lecture._schemes("relu").items()}
    he = relu["He randn·√(2/n)"]
    assert 0.5 < he[-1] / he[0] < 2                          # He keeps ReLU's spread
    assert relu["large random N(0, 1)"][-1] > 1e3 * relu["large random N(0, 1)"][0]
    assert np.all(np.diff(relu["notes: randn/√n"]) < 0.05)   # randn/√n shrinks under ReLU
