"""`fit` and `xarxa train` under `mpiexec -n 2`: rank 0 alone prints and writes, the
epoch's numbers are reduced over the ranks, and training reaches what one process does."""
import json
import sys
import time

import numpy as np
import pytest

from xarxa.apps.cli import main
from xarxa.serialization import load

from distributed._fit_reference import EPOCHS, fit_two_moons
from distributed._mpi import check, run, xarxa_command


def test_fit_two_ranks_rank_0_writes_and_history_is_the_one_process_history(tmp_path,
                                                                            capsys):
    result = check(run(["fit", tmp_path], timeout=60))
    # Only rank 0 wrote its checkpoint and printed the epoch lines.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-rank0.npz",
                                                         "history.json"]
    lines = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert len(lines) == EPOCHS, result.stdout
    assert load(tmp_path / "checkpoint-rank0.npz")["epoch"] == EPOCHS
    two = json.loads((tmp_path / "history.json").read_text())
    # One process, batch 64, the same samples per step and the whole validation set: the
    # reduced loss, accuracy and validation numbers must be the same.
    one = fit_two_moons(tmp_path / "one.npz", wrap=False).history
    capsys.readouterr()
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(two[key], one[key], rtol=1e-5, atol=1e-6, err_msg=key)


def xarxa_train(args, timeout=60):
    """`mpiexec -n 2 xarxa train *args`."""
    return run(["train", *args], program=xarxa_command(), timeout=timeout)


def test_xarxa_train_two_ranks_reaches_the_one_process_accuracy(tmp_path, capsys):
    args = ["--epochs", "4", "--hidden", "64", "--seed", "3", "--no-progress"]
    assert main(["train", *args, "--out", str(tmp_path / "one")]) == 0
    capsys.readouterr()
    result = check(xarxa_train([*args, "--out", tmp_path / "two"]))
    assert result.stdout.count("macro avg") == 1  # one report, from rank 0
    assert "4 epochs on 2 ranks" in result.stdout
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())
    two = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert two["ranks"] == 2 and two["epochs_completed"] == 4
    assert one["test"]["accuracy"] > 0.85  # it learned
    assert abs(two["test"]["accuracy"] - one["test"]["accuracy"]) <= 0.01
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "checkpoint.npz", "learning_curves.png", "metrics.json"]


def test_xarxa_train_resume_with_the_same_ranks_continues_the_run(tmp_path):
    args = ["--hidden", "32", "--seed", "0", "--no-progress"]
    check(xarxa_train([*args, "--epochs", "2", "--out", tmp_path / "a"]))
    check(xarxa_train(["--resume", tmp_path / "a" / "checkpoint.npz", "--epochs", "3",
                       "--no-progress"]))
    check(xarxa_train([*args, "--epochs", "3", "--out", tmp_path / "b"]))
    resumed = json.loads((tmp_path / "a" / "metrics.json").read_text())["history"]
    straight = json.loads((tmp_path / "b" / "metrics.json").read_text())["history"]
    for key in ("loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-6, err_msg=key)


def test_xarxa_train_error_on_the_ranks_ends_the_job(tmp_path):
    result = xarxa_train(["--batch-size", "33", "--epochs", "1", "--out", tmp_path / "x"])
    assert result.returncode != 0
    assert "--batch-size 33 does not split over 2 ranks" in result.stderr
    assert "aborting all 2 ranks" in result.stderr


def test_xarxa_train_failing_on_one_rank_stops_the_other(tmp_path):
    """Rank 1 alone cannot read its --resume file (a node without the shared disk): it must
    stop rank 0 too, which would otherwise wait for it in the first Allreduce."""
    script = tmp_path / "one_rank_fails.py"
    script.write_text("import os, sys\nfrom xarxa.apps.cli import main\n"
                      "if os.environ['PMI_RANK'] == '1':\n"
                      "    sys.argv += ['--resume', '/nonexistent/checkpoint.npz']\n"
                      "sys.exit(main())\n")
    start = time.monotonic()
    result = run(["train", "--epochs", "50", "--no-progress", "--out", tmp_path / "x"],
                 program=[sys.executable, script])
    assert result.returncode != 0 and time.monotonic() - start < 30
    assert "No such file or directory: '/nonexistent/checkpoint.npz'" in result.stderr
    assert "rank 1 of 2 failed; aborting all 2 ranks" in result.stderr


@pytest.mark.parametrize("size, val", [(1, 10), (2, 10), (3, 2)])
def test_shard_loaders_split_validation_without_padding(size, val):
    from xarxa.data import TensorDataset
    from xarxa.train._distributed import shard_loaders
    import xarxa as xa
    train = TensorDataset(xa.tensor(np.arange(12.0)))
    valset = TensorDataset(xa.tensor(np.arange(float(val))))
    shares = [shard_loaders(train, valset, 6, 0, r, size)[1] for r in range(size)]
    seen = sorted(float(v) for loader in shares for (batch,) in loader for v in batch.numpy())
    expected = sorted(np.arange(float(val)).tolist() * (1 if size <= val else size))
    assert seen == expected
