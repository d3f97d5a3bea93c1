"""The `xarxa` command line end to end, in a temporary directory (short runs)."""
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from xarxa.apps.cli import main
from xarxa.serialization import load
from pictures import assert_picture


def test_train_digits_evaluate_and_resume(tmp_path, capsys):
    out = tmp_path / "digits"
    rc = main(["train", "--epochs", "8", "--hidden", "64", "--out", str(out), "--seed", "1"])
    assert rc == 0
    printed = capsys.readouterr()
    assert "precision" in printed.out and "recall" in printed.out and "accuracy" in printed.out
    assert printed.err == ""  # no progress bar when stderr is not a terminal
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["model"] == "mlp" and metrics["config"]["dataset"] == "digits"
    assert metrics["epochs_completed"] == 8 and len(metrics["history"]["val_loss"]) == 8
    # validated on 10 % of the training set by default; the test set scored at the end
    assert metrics["sizes"] == {"train": 1295, "val": 143, "test": 359}
    assert metrics["class_names"] == [str(d) for d in range(10)]
    assert metrics["test"]["accuracy"] >= 0.9
    assert len(metrics["test"]["precision"]) == 10 and len(metrics["test"]["recall"]) == 10
    assert np.sum(metrics["test"]["confusion_matrix"]) == 359
    assert_picture(out / "learning_curves.png")
    assert load(out / "checkpoint.npz")["epoch"] == 8

    assert main(["evaluate", "--checkpoint", str(out / "checkpoint.npz")]) == 0
    evaluated = capsys.readouterr().out
    assert f"{metrics['test']['accuracy']:.4f}" in evaluated

    # Resuming a finished 8-epoch run for 10 epochs trains 2 more.
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--epochs", "10"]) == 0
    capsys.readouterr()
    again = json.loads((out / "metrics.json").read_text())
    assert again["epochs_completed"] == 10
    assert again["history"]["loss"][:8] == metrics["history"]["loss"]


def test_train_xor(tmp_path, capsys):
    out = tmp_path / "xor"
    assert main(["train", "--dataset", "xor", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] == 1.0
    assert metrics["model_config"]["sizes"] == [2, 8, 2]
    assert_picture(out / "learning_curves.png")
    assert (out / "checkpoint.npz").stat().st_size > 0
    capsys.readouterr()


def test_train_writes_the_decision_boundary_for_2d_data(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "xor", "--epochs", "3", "--out", str(out),
                 "--no-progress"]) == 0
    assert_picture(out / "decision_boundary.png")
    assert "decision_boundary.png" in capsys.readouterr().out
    out = tmp_path / "digits"
    assert main(["train", "--epochs", "1", "--out", str(out), "--no-progress"]) == 0
    assert not (out / "decision_boundary.png").exists()   # 64 inputs: no plane to draw


def test_perceptron_and_options(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["train", "--model", "perceptron", "--dataset", "and", "--out", str(out)]) == 0
    assert json.loads((out / "metrics.json").read_text())["test"]["accuracy"] == 1.0
    out = tmp_path / "m"
    assert main(["train", "--dataset", "moons", "--optimizer", "rmsprop", "--lr", "0.01",
                 "--batch-size", "200", "--epochs", "3", "--loss", "focal",
                 "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["batch_size"] == 200 and metrics["config"]["loss"] == "focal"
    capsys.readouterr()


def test_summary(capsys):
    assert main(["summary", "lenet5"]) == 0
    assert "61,706" in capsys.readouterr().out
    assert main(["summary", "mlp", "--hidden", "32"]) == 0
    assert "2,410" in capsys.readouterr().out  # 64·32 + 32 + 32·10 + 10


@pytest.mark.parametrize("argv, message", [
    (["train", "--model", "perceptron"], "binary classifier"),
    (["train", "--model", "lenet5", "--dataset", "moons"], "needs images"),
    (["evaluate", "--checkpoint", "/nonexistent/ckpt.npz"], "No such file"),
    # The perceptron learns by its own rule (its step output has no gradient), and
    # that rule is no loss for other models: both mismatches are named up front.
    (["train", "--model", "perceptron", "--dataset", "and", "--loss", "cross-entropy"],
     "perceptron learns by the perceptron rule"),
    (["train", "--dataset", "xor", "--loss", "perceptron"], "only for --model perceptron"),
])
def test_errors_exit_with_status_2(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)] if argv[0] == "train" else argv) == 2
    assert message in capsys.readouterr().err


def test_bad_option_and_entry_point(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--optimizer", "lbfgs"])
    assert e.value.code == 2
    assert main([]) == 0 and "train" in capsys.readouterr().out  # bare `xarxa`: help
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["xarxa"] == "xarxa.apps.cli:main"


@pytest.mark.parametrize("optimizer, lr", [("adam", 1e-3), ("adamw", 1e-3), ("rmsprop", 1e-3),
                                           ("adagrad", 1e-2), ("sgd", 0.05)])
def test_optimizer_choice_brings_its_own_defaults(optimizer, lr):
    # `--optimizer rmsprop` alone must not inherit SGD's tuned lr 0.05 and momentum 0.9
    # (an RMSprop with momentum 0.9 at lr 0.05 reaches only ~83 % on digits).
    from xarxa.apps.train.run import resolve_config
    # digits defaults to SGD, moons to Adam (lr 0.01): the other optimizers get their own
    for dataset in ("digits", "moons"):
        config = resolve_config(dataset=dataset, optimizer=optimizer)
        if (dataset, optimizer) == ("moons", "adam"):
            assert config["lr"] == 0.01 and config["momentum"] == 0.0   # the tuned default
            continue
        assert config["lr"] == lr
        assert config["momentum"] == (0.9 if optimizer == "sgd" else 0.0)
    # what the user sets still wins
    assert resolve_config(optimizer="rmsprop", lr=0.1, momentum=0.5)["lr"] == 0.1
    assert resolve_config(optimizer="rmsprop", momentum=0.5)["momentum"] == 0.5


@pytest.mark.parametrize("argv, message", [
    (["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to"),
    (["--optimizer", "rmsprop", "--nesterov"], "--nesterov applies to"),
])
def test_options_the_optimizer_does_not_have_are_refused(argv, message, capsys, tmp_path):
    assert main(["train", *argv, "--epochs", "1", "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_zero_epochs_reports_only_the_files_it_wrote(tmp_path, capsys):
    out = tmp_path / "zero"
    assert main(["train", "--epochs", "0", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]
    assert capsys.readouterr().out.rstrip().endswith("metrics.json")
