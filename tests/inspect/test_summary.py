"""inspect.summary: the notes' parameter counts, depth and width, and the stride rule."""
import numpy as np
import pytest

import notes
from xarxa import nn
from xarxa.inspect import Summary, summary
from xarxa.models import MLP


def lenet5():
    """LeNet-5 as the notes' exam specifies it (tanh after every conv, pool and FC)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2, 2), nn.Tanh(),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2), nn.Tanh(), nn.Flatten(),
        nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def mlp(sizes, activation=nn.Tanh):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers[:-1], nn.Softmax(dim=1))


def test_lenet5_parameters_and_shapes(capsys):
    s = summary(lenet5(), (1, 32, 32))
    assert capsys.readouterr().out == ""   # prints nothing: the REPL shows the result once
    assert s.total_params == s.trainable_params == notes.EXAM_2022_LENET5_PARAMS
    layers = [r for r in s.rows if r.is_layer]
    assert [r.output_shape for r in layers] == notes.EXAM_2022_LENET5_SHAPES
    assert [r.params for r in layers] == [(5 * 5 * 1 + 1) * 6, 0, (5 * 5 * 6 + 1) * 16, 0,
                                          400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]
    assert s.depth == 7 and s.flagged == []
    assert isinstance(s, Summary) and repr(s) == str(s)   # the table shows itself
    assert "61,706" in repr(s) and "depth: 7" in repr(s)


def test_mlp_of_exercise_1_4():
    s = summary(mlp(notes.EX_1_4_LAYERS), (784,))
    assert s.total_params == notes.EX_1_4_PARAMS
    assert (s.depth, s.width) == (notes.EX_1_4_DEPTH, notes.EX_1_4_WIDTH)


def test_network_of_fig_1_11():
    s = summary(mlp(notes.FIG_1_11_LAYERS, nn.ReLU), (5,))
    assert s.total_params == notes.FIG_1_11_PARAMS
    assert (s.depth, s.width) == (notes.FIG_1_11_DEPTH, notes.FIG_1_11_WIDTH)


@pytest.mark.parametrize("n, f, p, s, flagged", [(32, 5, 0, 1, False), (7, 3, 0, 2, False),
                                                 (8, 3, 0, 2, True), (10, 3, 0, 3, True),
                                                 (10, 3, 1, 3, False), (227, 11, 0, 4, False)])
def test_stride_rule_is_flagged(n, f, p, s, flagged):
    """The notes' rule (corrected): (N − F + 2P) must be divisible by S."""
    model = nn.Sequential(nn.Conv2d(1, 2, f, s, p), nn.ReLU())
    result = summary(model, (1, n, n))
    assert result.rows[0].output_shape[1] == (n - f + 2 * p) // s + 1
    assert (result.flagged == ["0"]) == flagged
    if flagged:
        assert f"(N − F + 2P) = {n - f + 2 * p} is not divisible by S = {s}" in str(result)


def test_pooling_flag_and_same_padding_are_not_confused():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, 2, "same"), nn.MaxPool2d(2))
    s = summary(model, (1, 9, 9))
    assert [r.output_shape for r in s.rows] == [(2, 5, 5), (2, 2, 2)]
    assert s.flagged == ["1"]   # 'same' pads to fit; the pool floors 5 → 2


def test_blocks_are_one_row_and_modes_are_restored():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8),
                          nn.ResidualBlock(8, 16, stride=2, batch_norm=True),
                          nn.DenseBlock(16, 4, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(24, 10))
    s = summary(model, (3, 9, 9))
    assert [r.kind for r in s.rows][2:4] == ["ResidualBlock", "DenseBlock"]
    assert s.rows[3].output_shape == (24, 5, 5)
    assert s.total_params == sum(r.params for r in s.rows)
    assert model.training and all(m.training for m in model.modules())
    assert "forward" not in vars(model[0])
    assert int(model[1].num_batches_tracked.item()) == 0   # ran in eval mode


def test_summary_returns_data_for_a_frozen_layer():
    model = mlp((4, 3, 2))
    model[0].requires_grad_(False)
    s = summary(model, (4,))
    assert s.total_params == 4 * 3 + 3 + 3 * 2 + 2 and s.trainable_params == 3 * 2 + 2
    assert np.all([isinstance(r.params, int) for r in s.rows])


def test_a_shape_with_the_batch_dimension_is_explained():
    """The common mistake: the batch dimension given in input_shape. summary's own error
    says that the shape excludes it, and shows the model's error after it."""
    with pytest.raises(ValueError, match=r"^summary: input_shape \(4, 2\) is the shape of one "
                                         r"sample and excludes the batch dimension \(summary "
                                         r"runs the model on a batch of shape \(1, 4, 2\)\); "
                                         r"running MLP on it failed: Linear\(in_features=2, "
                                         r".*linear: input of shape \(1, 8\)"):
        summary(MLP([2, 4, 1]), (4, 2))
    with pytest.raises(ValueError, match=r"summary: input_shape \(1, 1, 32, 32\) .*excludes "
                                         r"the batch dimension.*conv2d: expected a 4-D input"):
        summary(lenet5(), (1, 1, 32, 32))
    with pytest.raises(TypeError, match=r"summary: input_shape must be a tuple of positive "
                                        r"ints .*got \(1, -2\)"):
        summary(lenet5(), (1, -2))
    with pytest.raises(TypeError, match="summary: expected an nn.Module, got function"):
        summary(lenet5, (1, 32, 32))


class Swish(nn.Module):
    """A layer a user adds, x·σ(x), declaring nothing."""

    def forward(self, x):
        return x * x.sigmoid()


class DeclaredSwish(Swish):
    counts_as_layer = False   # an activation: it belongs to the layer before it


def test_a_new_layer_that_declares_nothing_is_counted_and_flagged():
    s = summary(nn.Sequential(nn.Linear(3, 5), Swish(), nn.Linear(5, 2)), (3,))
    assert [r.kind for r in s.rows] == ["Linear", "Swish", "Linear"]
    assert s.depth == 3 and s.width == 5      # counted, as the notes would if it were a layer
    assert s.flagged == ["1"]
    assert "! 1: Swish does not declare counts_as_layer; counted as a layer (set " \
           "counts_as_layer = True or False on the class Swish)" in str(s)


def test_a_new_layer_that_declares_it_is_counted_as_declared():
    s = summary(nn.Sequential(nn.Linear(3, 5), DeclaredSwish(), nn.Linear(5, 2)), (3,))
    assert s.depth == 2 and s.flagged == [] and not s.rows[1].is_layer


def test_a_user_block_that_declares_counts_as_layer_is_one_row():
    class Twice(nn.Module):
        counts_as_layer = True   # one layer of the network, whatever it holds

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(self.fc(x)) + x

    class Plain(Twice):
        counts_as_layer = None   # a container: looked into

    block = summary(nn.Sequential(Twice(), nn.ReLU()), (4,))
    assert [(r.name, r.kind, r.params) for r in block.rows] == [("0", "Twice", 20),
                                                               ("1", "ReLU", 0)]
    assert block.depth == 1
    plain = summary(nn.Sequential(Plain(), nn.ReLU()), (4,))
    assert [r.name for r in plain.rows] == ["0.fc", "0.fc", "1"]   # fc runs twice
    assert plain.total_params == 20 and sum(r.params for r in plain.rows) == 20
