"""Every name a user can type is declared once, in xarxa/apps/catalog.py: the command line's
choices, the playground's option lists and the solver's rules are the catalogue's names,
old spellings still work, and no model name is written outside models/ and the catalogue."""
import ast
from pathlib import Path

import pytest

from xarxa import models, nn
from xarxa.apps import catalog
from xarxa.apps.cli import _parser, main
from xarxa.apps.landscape import OPTIMIZERS as LANDSCAPE_OPTIMIZERS
from xarxa.apps.playground import config as playground
from xarxa.apps.solve import losses as solve_losses

PACKAGE = Path(__file__).resolve().parents[2] / "xarxa"


def _choices(command: str) -> dict:
    sub = next(a for a in _parser()._actions if a.dest == "command").choices[command]
    return {a.dest: list(a.choices) for a in sub._actions if a.choices}


def test_the_command_line_offers_the_catalogue():
    train = _choices("train")
    assert train["model"] == catalog.names("models")
    assert train["dataset"] == catalog.names("datasets", "train")
    assert train["loss"] == catalog.names("losses", "train")
    assert train["optimizer"] == catalog.names("optimizers", "train")
    assert train["activation"] == catalog.names("activations", "train")
    assert train["decoder"] == list(catalog.option_choices("decoder"))
    summary = _choices("summary")
    assert summary["model"] == catalog.names("models")
    landscape = _choices("landscape")
    assert landscape["function"] == catalog.names("landscapes")
    assert LANDSCAPE_OPTIMIZERS == catalog.names("optimizers", "landscape")
    solve = _choices("solve")
    assert solve["loss"] == catalog.names("losses", "solve")
    assert solve["optimizer"] == list(catalog.RULES)


def test_the_playground_and_the_solver_offer_the_catalogue():
    assert list(playground.DATASETS) == catalog.names("datasets", "playground")
    assert list(playground.ACTIVATIONS) == catalog.names("activations", "playground")
    assert list(playground.INITS) == catalog.names("inits", "playground")
    assert list(playground.OPTIMIZERS) == catalog.names("optimizers", "playground")
    assert list(playground.CLASSIFICATION_LOSSES) == catalog.names("losses", "playground")
    assert list(solve_losses.LOSSES) == catalog.names("losses", "solve")


def test_the_library_names_agree_with_the_catalogue():
    assert catalog.MODELS is models.MODELS
    assert set(nn.init.SCHEMES) == set(catalog.names("inits", "layer"))
    assert list(models.mlp.ACTIVATIONS) == sorted(catalog.names("activations", "train"),
                                                  key=list(models.mlp.ACTIVATIONS).index)


def test_every_alias_names_an_entry():
    for kind, aliases in catalog.ALIASES.items():
        for old, new in aliases.items():
            assert old not in catalog.names(kind), old
            assert catalog.canonical(kind, old) == new


def test_old_spellings_still_work(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "moons", "--epochs", "1", "--loss", "cross-entropy",
                 "--no-progress", "--out", str(out), "--subset", "64"]) == 0
    assert '"loss": "cross_entropy"' in (out / "metrics.json").read_text()
    capsys.readouterr()
    assert main(["solve", "w*x", "--set", "w=1", "x=2", "--target", "1", "--loss", "l2"]) == 0
    assert "l2" in capsys.readouterr().out


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown loss 'nope'; choose one of mse, l1"):
        catalog.canonical("losses", "nope")


def _model_names_in(path: Path) -> list:
    kinds = {cls.task for cls in catalog.MODELS.values()}  # "siamese" is also a task kind
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and node.value in catalog.MODELS
            and node.value not in kinds]


def test_no_model_name_outside_models_and_the_catalogue():
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "models" in path.relative_to(PACKAGE).parts or path.name == "catalog.py":
            continue
        names = _model_names_in(path)
        if names:
            found[str(path.relative_to(PACKAGE))] = names
    assert found == {}
