"""fit refuses to go on silently: a non-finite loss is caught before the update, a loader
without a batch is an error, and the perceptron's training accuracy is measured with the
weights that made the predictions (before the update), so XOR never looks learned."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data import DataLoader, TensorDataset, datasets
from xarxa.models import Perceptron, perceptron_rule
from xarxa.train import Callback, evaluate, fit, predict


def small_net():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def moons(n=8, seed=0):
    return TensorDataset(*datasets.two_moons(n, noise=0.1, seed=seed))


class Snapshots(Callback):
    """The parameters after every batch (copies)."""

    def __init__(self):
        self.after = []

    def on_batch_end(self, state, batch, loss):
        self.after.append([p.numpy().copy() for p in state.model.parameters()])


def test_non_finite_loss_is_caught_before_the_update():
    x, y = datasets.two_moons(8, noise=0.1, seed=0)
    x[4, 0] = np.nan  # sample 4 is in batch 3 (batches of 2, in order)
    xa.manual_seed(0)
    model = small_net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    snaps = Snapshots()
    with pytest.raises(FloatingPointError,
                       match=r"fit: the loss became nan at epoch 1, batch 3; try a lower "
                             r"learning rate \(it is 0\.01\)"):
        fit(model, F.cross_entropy, opt, DataLoader(TensorDataset(x, y), batch_size=2),
            epochs=1, callbacks=[snaps], progress=False)
    assert len(snaps.after) == 2
    # The weights are those after batch 2, untouched by the NaN batch (finite, equal).
    for p, before in zip(model.parameters(), snaps.after[-1]):
        assert np.all(np.isfinite(p.numpy()))
        np.testing.assert_array_equal(p.numpy(), before)
    assert all(s["step"] == 2 for s in opt.state.values())  # no third update counted


def test_a_diverging_learning_rate_leaves_finite_weights():
    xa.manual_seed(0)
    model = small_net()
    data = TensorDataset(np.ones((8, 2), np.float32), np.ones((8, 2), np.float32))
    snaps = Snapshots()
    with pytest.raises(FloatingPointError, match="lower learning rate"), \
            np.errstate(over="ignore", invalid="ignore"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=1e6),
            DataLoader(data, batch_size=8), epochs=30, metrics=None, callbacks=[snaps],
            progress=False)
    for p, before in zip(model.parameters(), snaps.after[-1]):
        np.testing.assert_array_equal(p.numpy(), before)


def test_a_loader_without_a_batch_is_an_error():
    model = small_net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    # drop_last with a batch larger than the dataset: zero batches per epoch
    empty = DataLoader(moons(5), batch_size=10, drop_last=True)
    assert len(empty) == 0
    with pytest.raises(ValueError, match="fit: the training loader has no batch"):
        fit(model, F.cross_entropy, opt, empty, progress=False)
    with pytest.raises(ValueError, match="fit: the validation loader has no batch"):
        fit(model, F.cross_entropy, opt, DataLoader(moons(), batch_size=4), empty,
            progress=False)
    # A generator has no len(): it is exhausted after the first epoch, and the second
    # epoch, with no update at all, is an error (not an epoch of loss 0).
    batches = (b for b in DataLoader(moons(), batch_size=4))
    with pytest.raises(ValueError, match="fit: the training loader yielded no batch"):
        fit(model, F.cross_entropy, opt, batches, epochs=2, progress=False)


def test_evaluate_and_predict_on_an_empty_loader_say_so():
    model = small_net()
    with pytest.raises(ValueError, match="evaluate: the loader has no batch"):
        evaluate(model, F.cross_entropy, [])
    with pytest.raises(ValueError, match="evaluate: the loader yielded no batch"):
        evaluate(model, F.cross_entropy, iter([]))
    with pytest.raises(ValueError, match="predict: the loader has no batch"):
        predict(model, DataLoader(moons(5), batch_size=10, drop_last=True))


class PerceptronReplay(Callback):
    """Keeps the weights at the start of every epoch, to replay it independently."""

    def __init__(self):
        self.start = []

    def on_epoch_begin(self, state):
        lin = state.model.linear
        self.start.append((lin.weight.numpy().copy(), lin.bias.numpy().copy()))


def test_perceptron_training_accuracy_on_xor_is_scored_before_each_update():
    x, y = datasets.logic_gate("xor")
    model = Perceptron(2)
    replay = PerceptronReplay()
    history = fit(model, None, optim.SGD(model.parameters(), lr=1.0),
                  DataLoader(TensorDataset(x, y), batch_size=1), epochs=12,
                  callbacks=[replay], progress=False)
    # No line separates XOR: at most 3 of the 4 points can be right at any moment.
    assert max(history["accuracy"]) <= 0.75
    # Recompute every epoch with the classic rule: predict each sample with the current
    # weights, count it, then update on it (perceptron_rule, sample by sample).
    for epoch, (w, b) in enumerate(replay.start):
        check = Perceptron(2)
        check.load_state_dict({"linear.weight": w, "linear.bias": b})
        right = 0
        for xi, yi in zip(x, y):
            right += int(check(xa.tensor(xi[None])).item() == yi)
            perceptron_rule(check, xa.tensor(xi[None]), xa.tensor(yi[None]), lr=1.0)
        assert history["accuracy"][epoch] == right / 4, epoch
