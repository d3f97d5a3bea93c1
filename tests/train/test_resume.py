"""Ctrl-C stops after the current batch; resuming from the checkpoint ends exactly where an
uninterrupted run ends (weights, optimizer, scheduler, random generators, callbacks)."""
import signal

import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset, datasets
from xarxa.optim.lr_scheduler import StepLR
from xarxa.serialization import load
from xarxa.train import Callback, EarlyStopping, ModelCheckpoint, fit

EPOCHS = 5


class CtrlC(Callback):
    """Send SIGINT to this process during one batch of one epoch."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, state, batch, loss):
        if state.epoch + 1 == self.epoch and batch == self.batch:
            signal.raise_signal(signal.SIGINT)


def _setup(seed, path, extra_callbacks=()):
    """A run that uses every kind of state: Dropout and shuffling draw from the global
    generator, the validation loader has its own, Adam has moments, StepLR an epoch
    count, EarlyStopping a counter."""
    xa.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    train = TensorDataset(*datasets.two_moons(60, noise=0.2, seed=0))
    val = TensorDataset(*datasets.two_moons(40, noise=0.2, seed=1))
    loaders = (DataLoader(train, batch_size=8, shuffle=True),
               DataLoader(val, batch_size=16, shuffle=True, seed=7))
    callbacks = [EarlyStopping("val_loss", patience=100), *extra_callbacks,
                 ModelCheckpoint(path)]
    return model, opt, sched, loaders, callbacks


def _fit(model, opt, sched, loaders, callbacks, resume=None):
    return fit(model, F.cross_entropy, opt, *loaders, epochs=EPOCHS, scheduler=sched,
               callbacks=callbacks, progress=False, resume=resume)


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path):
    model, opt, sched, loaders, cbs = _setup(0, tmp_path / "full.npz")
    full = _fit(model, opt, sched, loaders, cbs)
    reference = [p.numpy().copy() for p in model.parameters()]

    path = tmp_path / "run.npz"
    model, opt, sched, loaders, cbs = _setup(0, path, [CtrlC(epoch=3, batch=4)])
    before = signal.getsignal(signal.SIGINT)
    cut = _fit(model, opt, sched, loaders, cbs)
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back
    assert cut.interrupted and len(cut) == 2  # epoch 3 was cut short and not recorded
    assert load(path)["epoch"] == 2  # the checkpoint of the last complete epoch, intact
    assert not np.allclose(model[0].weight.numpy(), reference[0])

    # A fresh process would start from other weights and another seed: resume fixes all.
    model, opt, sched, loaders, cbs = _setup(123, path, [CtrlC(epoch=-1, batch=-1)])
    resumed = _fit(model, opt, sched, loaders, cbs, resume=path)
    for got, want in zip(model.parameters(), reference):
        np.testing.assert_array_equal(got.numpy(), want)
    assert resumed.history == full.history | {"time": resumed["time"]}
    assert opt.param_groups[0]["lr"] == pytest.approx(0.02 * 0.5 ** 2)
    assert load(path)["epoch"] == EPOCHS


def test_resume_of_a_finished_run_does_nothing(tmp_path):
    path = tmp_path / "run.npz"
    model, opt, sched, loaders, cbs = _setup(0, path)
    _fit(model, opt, sched, loaders, cbs)
    weights = [p.numpy().copy() for p in model.parameters()]
    model, opt, sched, loaders, cbs = _setup(1, path)
    history = _fit(model, opt, sched, loaders, cbs, resume=load(path))
    assert len(history) == EPOCHS
    for got, want in zip(model.parameters(), weights):
        np.testing.assert_array_equal(got.numpy(), want)


def test_resume_checks_the_run_matches(tmp_path):
    path = tmp_path / "run.npz"
    model, opt, sched, loaders, cbs = _setup(0, path)
    fit(model, F.cross_entropy, opt, *loaders, epochs=1, scheduler=sched, callbacks=cbs,
        progress=False)
    with pytest.raises(ValueError, match="callback"):
        fit(model, F.cross_entropy, opt, *loaders, epochs=2, scheduler=sched,
            progress=False, resume=path)
    with pytest.raises(ValueError, match="scheduler"):
        fit(model, F.cross_entropy, opt, *loaders, epochs=2, callbacks=cbs, progress=False,
            resume=path)
    with pytest.raises(ValueError, match="xarxa-fit"):
        fit(model, F.cross_entropy, opt, *loaders, epochs=2, resume={"model": {}})
