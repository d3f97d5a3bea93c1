"""inspect.receptive_field: the notes' LeNet-5 fields and the 3×3 + 3×3 vs 5×5 argument;
layers declare how they change the field, and a layer that does not is named."""
import pytest

import notes
import xarxa as xa
from xarxa import nn
from xarxa.inspect import FieldTable, receptive_field
from xarxa.models import LeNet5
from xarxa.nn.module import Window


def test_lenet5_receptive_fields():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(400, 120))
    rows = [r for r in receptive_field(model, (1, 32, 32))
            if r.kind in ("Conv2d", "AvgPool2d")]
    assert [r.receptive_field for r in rows] == \
        [(f, f) for f in notes.EXAM_2022_LENET5_RECEPTIVE_FIELDS]
    assert [r.jump[0] for r in rows] == [1, 2, 2, 4]
    assert [r.start[0] for r in rows] == [2, 2.5, 6.5, 7.5]
    assert receptive_field(model, (1, 32, 32))[-1].receptive_field == \
        (32, 32)   # fully connected: the whole image


def test_two_3x3_convolutions_see_what_one_5x5_sees_with_fewer_parameters():
    two = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3))
    one = nn.Sequential(nn.Conv2d(1, 1, 5))
    assert receptive_field(two, (1, 9, 9))[-1].receptive_field == (notes.RF_TWO_3X3_FIELD,) * 2
    assert receptive_field(one, (1, 9, 9))[-1].receptive_field == (notes.RF_ONE_5X5_FIELD,) * 2
    for model, weights, biases in ((two, notes.RF_TWO_3X3_WEIGHTS, notes.RF_TWO_3X3_BIASES),
                                   (one, notes.RF_ONE_5X5_WEIGHTS, notes.RF_ONE_5X5_BIASES)):
        params = dict(model.named_parameters())
        assert sum(p.numel() for n, p in params.items() if n.endswith("weight")) == weights
        assert sum(p.numel() for n, p in params.items() if n.endswith("bias")) == biases


@pytest.mark.parametrize("layers, field, jump", [
    ([nn.Conv2d(1, 1, 3, stride=2, padding=1)] * 3, 15, 8),
    ([nn.Conv2d(1, 1, 3), nn.MaxPool2d(3, 2), nn.Conv2d(1, 1, 3)], 9, 2),
    ([nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2), nn.Conv2d(1, 1, 3)], 4, 0.5),
    ([nn.ResidualBlock(1), nn.ResidualBlock(1, stride=2)], 11, 2),
    ([nn.DenseBlock(1, 1, 3)], 7, 1)])
def test_fields_of_other_layers(layers, field, jump):
    rows = receptive_field(nn.Sequential(*layers), (1, 16, 16))
    assert rows[-1].receptive_field == (field, field) and rows[-1].jump == (jump, jump)


@pytest.mark.parametrize("layer, field, jump", [
    # a 3×3 conv (field 3, jump 1) then the layer; values from the notes' formulas, by hand
    (nn.ConvTranspose2d(1, 1, 2, stride=2), 3, 0.5),     # ⌈2/2⌉ = 1 input per output
    (nn.ConvTranspose2d(1, 1, 3, stride=1), 5, 1),       # stride 1: as a 3×3 conv
    (nn.AdaptiveAvgPool2d(2), 3 + (3 - 1) * 1, 3),       # 6 → 2: cells of 3, 3 apart
    (nn.BedOfNailsUnpool(2), 3, 0.5),
    (nn.Softmax(dim=1), 3, 1),                           # over channels: elementwise
])
def test_declared_steps_of_the_built_in_layers(layer, field, jump):
    rows = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), layer), (1, 8, 8))
    assert rows[-1].receptive_field == (field, field) and rows[-1].jump == (jump, jump)


def test_bad_input_shape():
    with pytest.raises(ValueError, match=r"receptive_field: expected an input shape \(C, H, "
                                         r"W\) without the batch dimension, got \(784,\)"):
        receptive_field(nn.Linear(784, 10), (784,))
    with pytest.raises(ValueError, match=r"receptive_field: input_shape \(1, 1, 32\) .*"
                                         r"excludes the batch dimension.*LeNet5: expected "
                                         r"input"):
        receptive_field(LeNet5(), (1, 1, 32))


def test_the_table_shows_itself_and_nothing_is_printed(capsys):
    rows = receptive_field(LeNet5(), (1, 32, 32))
    assert capsys.readouterr().out == ""
    assert isinstance(rows, FieldTable) and isinstance(rows, list)
    assert repr(rows) == str(rows)
    assert str(rows).splitlines()[0].split() == ["layer", "output", "shape", "field", "jump",
                                                 "start"]
    assert [r.receptive_field[0] for r in rows if r.kind in ("Conv2d", "AvgPool2d")] == \
        notes.EXAM_2022_LENET5_RECEPTIVE_FIELDS


class EveryOther(nn.Module):
    """A user's new layer: keeps every second row and column (x[:, :, ::2, ::2])."""
    counts_as_layer = True

    def forward(self, x):
        return x[:, :, ::2, ::2]


class DeclaredEveryOther(EveryOther):
    def receptive_field_step(self, input_shape, output_shape):
        return Window(1, 2, 0, 0), Window(1, 2, 0, 0)   # a 1×1 window moved by 2


class Swish(nn.Module):
    counts_as_layer = False

    def forward(self, x):
        return x * x.sigmoid()


def test_a_new_layer_without_a_declaration_is_an_error_naming_it():
    model = nn.Sequential(nn.Conv2d(1, 1, 3), EveryOther(), nn.Conv2d(1, 1, 3))
    with pytest.raises(TypeError, match=r"receptive_field: layer '1' \(EveryOther\) does "
                                        r"not declare how it changes the receptive field; "
                                        r"give the class EveryOther a receptive_field_step"):
        receptive_field(model, (1, 16, 16))
    # an undeclared elementwise layer is no better: it could as well be a pooling
    with pytest.raises(TypeError, match=r"layer '1' \(Swish\) does not declare"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), Swish()), (1, 16, 16))
    # after Flatten every unit sees the whole input already: nothing to declare
    rows = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), Swish()),
                           (1, 8, 8))
    assert rows[-1].receptive_field == (8, 8)


def test_a_new_layer_declaring_its_window_is_used():
    # 3×3 conv (field 3), keep every other pixel (jump 2), 3×3 conv: its taps are 2 apart,
    # so it sees 3 + (3 − 1)·2 = 7 input pixels, with a jump of 2
    model = nn.Sequential(nn.Conv2d(1, 1, 3), DeclaredEveryOther(), nn.Conv2d(1, 1, 3))
    rows = receptive_field(model, (1, 16, 16))
    assert [r.receptive_field for r in rows] == [(3, 3), (3, 3), (7, 7)]
    assert [r.jump for r in rows] == [(1, 1), (2, 2), (2, 2)]
    assert model(xa.zeros(1, 1, 16, 16)).shape == (1, 1, 5, 5)


def test_a_declared_elementwise_layer_leaves_the_field_unchanged():
    class DeclaredSwish(Swish):
        receptive_field_step = "same"

    rows = receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), DeclaredSwish()), (1, 8, 8))
    assert rows[0].receptive_field == rows[1].receptive_field == (3, 3)
    assert rows[0].start == rows[1].start == (1, 1)


def test_a_malformed_declaration_is_an_error_naming_the_layer():
    class Bad(Swish):
        receptive_field_step = "elementwise"

    with pytest.raises(TypeError, match=r"Bad\.receptive_field_step must give 'same', 'all' "
                                        r"or one \(kernel, stride, pad_before, pad_after\) "
                                        r"window per spatial axis, got 'elementwise'"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), Bad()), (1, 8, 8))


def test_every_built_in_layer_declares_both():
    """The declarations the inspection tools rely on, for every layer xarxa ships."""
    for name in nn.layers.__all__:
        cls = getattr(nn, name)
        assert cls.counts_as_layer in (True, False), name
        assert cls.receptive_field_step is not None, name
