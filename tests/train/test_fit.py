"""fit: history, updates per epoch, reproducibility, callbacks, progress bar, errors."""
import math

import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset, datasets
from xarxa.serialization import load
from xarxa.train import Callback, EarlyStopping, ModelCheckpoint, evaluate, fit
from xarxa.train.loop import METRICS


def moons(n=64, seed=0):
    return TensorDataset(*datasets.two_moons(n, noise=0.1, seed=seed))


def small_net():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


class CountSteps(Callback):
    def __init__(self):
        self.per_epoch = []

    def on_epoch_begin(self, state):
        self.per_epoch.append(0)

    def on_batch_end(self, state, batch, loss):
        self.per_epoch[-1] += 1


def test_history_and_learning():
    xa.manual_seed(0)
    model = small_net()
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05),
                  DataLoader(moons(), batch_size=16, shuffle=True),
                  DataLoader(moons(seed=1), batch_size=64), epochs=15, progress=False)
    assert len(history) == 15 and not history.interrupted
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr",
                                   "time"}
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["val_accuracy"][-1] > 0.85
    assert history["lr"] == [0.05] * 15
    assert history.best("val_loss")[1] == min(history["val_loss"])
    scores = evaluate(model, F.cross_entropy, DataLoader(moons(seed=1), batch_size=7))
    assert scores["loss"] == pytest.approx(history["val_loss"][-1], rel=1e-5)
    assert scores["accuracy"] == pytest.approx(history["val_accuracy"][-1])


@pytest.mark.parametrize("kwargs, updates", [(dict(full_batch=True), 1),
                                             (dict(batch_size=10), 7),
                                             (dict(batch_size=10, drop_last=True), 6),
                                             (dict(batch_size=1), 64)])
def test_updates_per_epoch_batch_minibatch_sgd(kwargs, updates):
    xa.manual_seed(0)
    model = small_net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    counter = CountSteps()
    fit(model, F.cross_entropy, opt, DataLoader(moons(), shuffle=True, **kwargs), epochs=2,
        callbacks=[counter], progress=False)
    assert counter.per_epoch == [updates, updates]
    assert all(s["step"] == 2 * updates for s in opt.state.values())


def _run(seed, epochs=3):
    xa.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  DataLoader(moons(), batch_size=8, shuffle=True), epochs=epochs,
                  progress=False)
    return [p.numpy().copy() for p in model.parameters()], history


def test_reproducible_under_manual_seed():
    (w1, h1), (w2, h2), (w3, _) = _run(3), _run(3), _run(4)
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1["loss"] == h2["loss"]
    assert not np.array_equal(w1[0], w3[0])


def test_early_stopping_and_restore_best_weights():
    xa.manual_seed(0)
    model = small_net()
    # A learning rate far too high: the validation loss soon stops improving.
    stop = EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=5.0),
                  DataLoader(moons(), batch_size=4, shuffle=True),
                  DataLoader(moons(seed=1), batch_size=64), epochs=50, callbacks=[stop],
                  progress=False)
    assert len(history) < 50 and stop.stopped_epoch == len(history)
    assert len(history) - 1 - history.best("val_loss")[0] == 2  # patience epochs after best
    best = evaluate(model, F.cross_entropy, DataLoader(moons(seed=1), batch_size=64))
    assert best["loss"] == pytest.approx(min(history["val_loss"]), rel=1e-5)


def test_checkpoint_save_best_only(tmp_path):
    xa.manual_seed(0)
    model = small_net()
    ckpt = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy", save_best_only=True)
    history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5),
                  DataLoader(moons(), batch_size=8, shuffle=True),
                  DataLoader(moons(seed=1), batch_size=64), epochs=8, callbacks=[ckpt],
                  progress=False)
    accs = history["val_accuracy"]
    improving = [i + 1 for i in range(len(accs)) if accs[i] > max(accs[:i], default=-1)]
    assert ckpt.saved_epochs == improving
    assert load(tmp_path / "best.npz")["epoch"] == improving[-1]


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    xa.manual_seed(0)
    model = small_net()
    args = (model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
            DataLoader(moons(), batch_size=16))
    fit(*args, epochs=1)  # under pytest stderr is not a terminal: no bar
    assert capsys.readouterr().err == ""
    fit(*args, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "samples/s" in err and "loss" in err
    fit(*args, epochs=2, verbose=True)
    assert capsys.readouterr().out.count("epoch ") == 2


def test_divergence_is_reported():
    xa.manual_seed(0)
    model = small_net()
    with pytest.raises(FloatingPointError, match="lower learning rate"), \
            np.errstate(over="ignore", invalid="ignore"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=1e6),
            DataLoader(TensorDataset(np.ones((8, 2), np.float32), np.ones((8, 2), np.float32)),
                       batch_size=8), epochs=30, metrics=None, progress=False)


def test_custom_metrics_and_errors():
    xa.manual_seed(0)
    model = small_net()

    def error_rate(out, target):
        return float(np.mean(out.argmax(axis=1) != target))
    h = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05),
            DataLoader(moons(), batch_size=16), epochs=2,
            metrics={"err": error_rate, "acc": METRICS["accuracy"]}, progress=False)
    # the custom metric is called on the same batches as the built-in one: err = 1 − acc
    assert set(h.keys()) >= {"err", "acc"} and "accuracy" not in h.keys()
    np.testing.assert_allclose(h["err"], 1 - np.array(h["acc"]), rtol=0, atol=1e-12)
    loader = DataLoader(moons(), batch_size=64)
    scores = evaluate(model, F.cross_entropy, loader, {"err": error_rate})
    x, y = (t.numpy() for t in moons().tensors)
    model.eval()
    wrong = model(xa.tensor(x)).numpy().argmax(axis=1) != y
    assert scores["err"] == pytest.approx(float(np.mean(wrong)))
    with pytest.raises(ValueError, match=r"fit: unknown metric 'auc'; known: \['accuracy'\]"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
            DataLoader(moons(), batch_size=16), metrics=["auc"])
    with pytest.raises(ValueError, match="fit: epochs must be a non-negative integer, got -1"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
            DataLoader(moons(), batch_size=16), epochs=-1)
    with pytest.raises(TypeError, match="fit: loss_fn is None but Sequential has no loss"):
        fit(model, None, optim.SGD(model.parameters(), lr=0.1),
            DataLoader(moons(), batch_size=16))
    assert math.isfinite(h["loss"][-1])
