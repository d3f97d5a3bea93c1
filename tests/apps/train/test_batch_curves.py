"""`xarxa train` with few epochs draws every batch, and its words say which numbers are
which: the epoch line's train numbers are batch means in train mode, the validation ones
eval-mode scores after the epoch, the final table eval-mode scores of the trained weights;
"1 epoch", not "1 epochs"."""
import xarxa.plot
from xarxa.apps.cli import main
from xarxa.apps.train.run import BatchCurves, format_report, train_run
from xarxa.train.history import History
from xarxa.train.loop import _epoch_line


def test_a_short_run_draws_every_batch_and_says_what_each_number_is(tmp_path, monkeypatch,
                                                                      capsys):
    drawn = {}
    real = xarxa.plot.learning_curves

    def spy(history, path=None, title=None, batches=None):
        drawn["batches"] = batches
        return real(history, path, title, batches)
    monkeypatch.setattr(xarxa.plot, "learning_curves", spy)
    results = train_run({"model": "mlp", "dataset": "digits", "epochs": 2, "subset": 200,
                         "batch_size": 32, "out": str(tmp_path / "run")}, progress=False)
    batches = drawn["batches"]
    n = len(batches["loss"])
    per_epoch = sum(e <= 1.0 for e in batches["epoch"])
    assert n == 2 * per_epoch and per_epoch >= 2                  # every batch, 2 epochs
    assert len(batches["accuracy"]) == len(batches["epoch"]) == n
    assert batches["epoch"][-1] == 2.0 and 0 < batches["epoch"][0] < 1
    assert all(0.0 <= a <= 1.0 for a in batches["accuracy"])
    out = capsys.readouterr().out
    assert "epoch 1/2  train loss " in out and "(batch mean, train mode)" in out
    assert "val loss " in out and "(eval mode, after the epoch)" in out
    report = format_report(results)
    assert report.startswith("The trained weights scored in eval mode on each whole set")


def test_the_batch_accuracy_is_fits_accuracy():
    curves = BatchCurves()
    assert curves.accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1]) == 0.5


def test_one_epoch_is_singular(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--dataset", "digits", "--epochs", "1",
                 "--subset", "100", "--out", str(tmp_path / "one"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1 epoch in" in out and "1 epochs" not in out
    history = History()
    history.append({"loss": 1.0})
    assert repr(history) == "History(1 epoch: loss=1)"


def test_the_epoch_line_without_validation():
    line = _epoch_line(3, 10, {"loss": 0.5, "accuracy": 0.75, "lr": 0.1, "time": 1.25})
    assert line == "epoch 3/10  train loss 0.5000  accuracy 0.7500 (batch mean, train mode)" \
        "  (1.2 s)"
