"""`xarxa train`/`evaluate` refuse what would silently go wrong, each in one line on
stderr with exit status 2 and no traceback: a resume that changes the run, an output
directory holding another run's checkpoint, an --out under a file, a diverging learning
rate, a corrupt checkpoint. Also: the registries behind the choices, --val-split, the
class names read from the datasets."""
import json
import subprocess
import sys

import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa.apps.cli import _parser, main
from xarxa.data import DataLoader, val_split
from xarxa.serialization import load, save
from xarxa.train import evaluate
from xarxa.apps import catalog

MOONS = ["--dataset", "moons", "--epochs", "2", "--hidden", "8"]


def one_error_line(err: str, command: str = "train") -> str:
    """The single line a refused command prints (and that no traceback came with it)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"xarxa {command}: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "moons"
    assert main(["train", *MOONS, "--seed", "1", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("option, given, saved", [
    (["--model", "perceptron"], "--model perceptron", "--model mlp"),
    (["--dataset", "spirals"], "--dataset spirals", "--dataset moons"),
    (["--seed", "2"], "--seed 2", "--seed 1"),
    (["--val-split", "0.2"], "--val-split 0.2", "--val-split 0.1"),
    (["--lr", "0.5"], "--lr 0.5", "--lr 0.01"),   # the optimizer's state would win
])
def test_resume_refuses_options_that_disagree_with_the_checkpoint(option, given, saved,
                                                                  moons_run, capsys):
    ckpt = moons_run / "checkpoint.npz"
    before = ckpt.read_bytes()
    capsys.readouterr()
    assert main(["train", "--resume", str(ckpt), "--epochs", "3", *option]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"was trained with {saved}, this run asks for {given}" in line
    assert ckpt.read_bytes() == before  # nothing was trained or written


def test_resume_accepts_agreeing_options(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *MOONS, "--seed", "1", "--out", str(out)]) == 0
    ckpt = out / "checkpoint.npz"
    assert main(["train", "--resume", str(ckpt), "--model", "mlp", "--dataset", "moons",
                 "--seed", "1", "--val-split", "0.1", "--epochs", "3"]) == 0
    capsys.readouterr()
    assert json.loads((out / "metrics.json").read_text())["epochs_completed"] == 3
    assert load(ckpt)["epoch"] == 3


def test_an_out_holding_a_checkpoint_is_never_replaced_silently(moons_run, tmp_path,
                                                                capsys):
    ckpt = moons_run / "checkpoint.npz"
    before = ckpt.read_bytes()
    capsys.readouterr()
    assert main(["train", *MOONS, "--seed", "7", "--out", str(moons_run)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "already holds a checkpoint" in line and "--resume" in line
    assert "--overwrite" in line
    assert ckpt.read_bytes() == before
    # Resuming one run into the directory of another is the same refusal.
    other = tmp_path / "other"
    assert main(["train", *MOONS, "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(ckpt), "--epochs", "3", "--out", str(other)]) == 2
    assert "already holds a checkpoint" in one_error_line(capsys.readouterr().err)
    # --overwrite says it is meant: a new run, with the new seed, replaces the old one.
    assert main(["train", *MOONS, "--seed", "7", "--out", str(other), "--overwrite"]) == 0
    capsys.readouterr()
    assert load(other / "checkpoint.npz")["extra"]["config"]["seed"] == 7
    assert json.loads((other / "metrics.json").read_text())["config"]["seed"] == 7


def test_out_under_a_regular_file(tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("not a directory")
    assert main(["train", *MOONS, "--out", str(plain / "run")]) == 2
    assert f"--out {plain / 'run'}: cannot create the directory, {plain} is a file" in \
        one_error_line(capsys.readouterr().err)
    assert main(["train", *MOONS, "--out", str(plain)]) == 2
    assert "is a file, not a directory" in one_error_line(capsys.readouterr().err)
    assert plain.read_text() == "not a directory"


def test_a_diverging_learning_rate_is_one_line_and_exit_2(tmp_path):
    # A real process: the exit status, and stderr holding nothing but the error line
    # (no traceback, no NumPy overflow warnings before it).
    proc = subprocess.run(
        [sys.executable, "-m", "xarxa.apps.cli", "train", "--dataset", "moons", "--optimizer",
         "sgd", "--lr", "1e8", "--epochs", "2", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "fit: the loss became nan at epoch 1" in line
    assert "try a lower learning rate (it is 1e+08)" in line


def _corrupt(kind, moons_run, tmp_path):
    ckpt = load(moons_run / "checkpoint.npz")
    path = tmp_path / f"{kind}.npz"
    if kind == "truncated":
        data = (moons_run / "checkpoint.npz").read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == "text":
        path.write_text("epoch 3, accuracy 0.9\n")
    elif kind == "no-model-config":
        del ckpt["extra"]["model_config"]
        save(ckpt, path)
    elif kind == "no-weights":
        del ckpt["model"]
        save(ckpt, path)
    elif kind == "not-from-train":
        save({"model": ckpt["model"]}, path)
    elif kind == "wrong-shapes":
        ckpt["extra"]["model_config"]["sizes"] = [2, 3, 2]
        save(ckpt, path)
    return path


@pytest.mark.parametrize("kind, message", [
    ("truncated", "not a valid .npz checkpoint"),
    ("text", ""),
    ("no-model-config", "is an incomplete checkpoint (it lacks model_config)"),
    ("no-weights", "is an incomplete checkpoint (it lacks model)"),
    ("not-from-train", "is not a checkpoint written by `xarxa train`"),
    ("wrong-shapes", "the saved weights do not fit the mlp the checkpoint describes"),
])
def test_evaluate_a_corrupt_checkpoint(kind, message, moons_run, tmp_path, capsys):
    path = _corrupt(kind, moons_run, tmp_path)
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(path)]) == 2
    line = one_error_line(capsys.readouterr().err, "evaluate")
    assert str(path) in line and message in line


def test_choices_come_from_the_registries(monkeypatch, tmp_path, capsys):
    train = next(a for a in _parser()._actions if a.dest == "command").choices["train"]
    choices = {a.dest: a.choices for a in train._actions if a.choices}
    assert choices["model"] == catalog.names("models")
    assert choices["dataset"] == catalog.names("datasets", "train")
    assert choices["loss"] == catalog.names("losses", "train")
    assert choices["optimizer"] == catalog.names("optimizers", "train")
    from xarxa.models import MODELS as BUILDABLE
    assert set(catalog.MODELS) <= set(BUILDABLE)
    # One catalogue entry is all a new loss needs to be usable from the command line.
    calls = []

    def make_double_ce(num_classes):
        def loss(out, y):
            calls.append(len(y))
            return 2 * F.cross_entropy(out, y)
        return loss
    monkeypatch.setitem(catalog.LOSSES, "double-ce", catalog.Loss(train=make_double_ce))
    out = tmp_path / "dce"
    assert main(["train", *MOONS, "--loss", "double-ce", "--out", str(out)]) == 0
    capsys.readouterr()
    assert sum(calls) >= 2 * 180  # both epochs' training batches went through it


def test_validation_is_a_held_out_part_of_the_training_set(tmp_path, capsys):
    out = tmp_path / "val"
    assert main(["train", *MOONS, "--val-split", "0.25", "--seed", "3", "--out",
                 str(out)]) == 0
    capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"] == {"train": 150, "val": 50, "test": 200}
    history = metrics["history"]
    # Recompute the validation numbers on the held-out part (the seed draws it), with the
    # weights of the last epoch, from the checkpoint.
    from xarxa.models import build
    model = build("mlp", **metrics["model_config"])
    model.load_state_dict(load(out / "checkpoint.npz")["model"])
    _, val = val_split(xa.datasets.synthetic("moons", seed=0), 0.25, seed=3)
    scores = evaluate(model, F.cross_entropy, DataLoader(val, batch_size=7))
    assert scores["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-5)
    assert scores["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert metrics["val"]["loss"] == pytest.approx(scores["loss"], rel=1e-5)
    # ... and not on the test set, which only the final report scores.
    test = evaluate(model, F.cross_entropy,
                    DataLoader(xa.datasets.synthetic("moons", seed=1), batch_size=64))
    assert test["loss"] == pytest.approx(metrics["test"]["loss"], rel=1e-5)
    assert test["loss"] != pytest.approx(history["val_loss"][-1], rel=1e-3)


@pytest.mark.parametrize("value", ["1", "-0.1", "half"])
def test_val_split_option_is_checked(value, capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--val-split", value])
    assert e.value.code == 2
    assert "--val-split expects a fraction in [0, 1)" in capsys.readouterr().err


def test_class_names_come_from_the_dataset(tmp_path, capsys):
    out = tmp_path / "names"
    assert main(["train", *MOONS, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    names = xa.datasets.synthetic("moons").classes
    assert json.loads((out / "metrics.json").read_text())["class_names"] == names
    assert all(name in printed for name in names)


def test_perceptron_on_xor_never_reports_more_than_a_line_can_do(tmp_path, capsys):
    out = tmp_path / "pxor"
    assert main(["train", "--model", "perceptron", "--dataset", "xor", "--out",
                 str(out)]) == 0
    capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text())
    assert max(metrics["history"]["accuracy"]) <= 0.75
    assert metrics["train"]["accuracy"] <= 0.75
    assert "val_loss" not in metrics["history"]  # the four rows are all training data
    assert metrics["sizes"] == {"train": 4, "test": 4}
