"""inspect.receptive_field: the notes' LeNet-5 fields and the 3×3 + 3×3 vs 5×5 argument."""
import pytest

import notes
from xarxa import nn
from xarxa.inspect import receptive_field


def test_lenet5_receptive_fields():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5),
                          nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(400, 120))
    rows = [r for r in receptive_field(model, (1, 32, 32), print_table=False)
            if r.kind in ("Conv2d", "AvgPool2d")]
    assert [r.receptive_field for r in rows] == \
        [(f, f) for f in notes.EXAM_2022_LENET5_RECEPTIVE_FIELDS]
    assert [r.jump[0] for r in rows] == [1, 2, 2, 4]
    assert [r.start[0] for r in rows] == [2, 2.5, 6.5, 7.5]
    assert receptive_field(model, (1, 32, 32), print_table=False)[-1].receptive_field == \
        (32, 32)   # fully connected: the whole image


def test_two_3x3_convolutions_see_what_one_5x5_sees_with_fewer_parameters(capsys):
    two = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3))
    one = nn.Sequential(nn.Conv2d(1, 1, 5))
    assert receptive_field(two, (1, 9, 9))[-1].receptive_field == (notes.RF_TWO_3X3_FIELD,) * 2
    assert receptive_field(one, (1, 9, 9))[-1].receptive_field == (notes.RF_ONE_5X5_FIELD,) * 2
    for model, weights, biases in ((two, notes.RF_TWO_3X3_WEIGHTS, notes.RF_TWO_3X3_BIASES),
                                   (one, notes.RF_ONE_5X5_WEIGHTS, notes.RF_ONE_5X5_BIASES)):
        params = dict(model.named_parameters())
        assert sum(p.numel() for n, p in params.items() if n.endswith("weight")) == weights
        assert sum(p.numel() for n, p in params.items() if n.endswith("bias")) == biases
    assert "field" in capsys.readouterr().out


@pytest.mark.parametrize("layers, field, jump", [
    ([nn.Conv2d(1, 1, 3, stride=2, padding=1)] * 3, 15, 8),
    ([nn.Conv2d(1, 1, 3), nn.MaxPool2d(3, 2), nn.Conv2d(1, 1, 3)], 9, 2),
    ([nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2), nn.Conv2d(1, 1, 3)], 4, 0.5),
    ([nn.ResidualBlock(1), nn.ResidualBlock(1, stride=2)], 11, 2),
    ([nn.DenseBlock(1, 1, 3)], 7, 1)])
def test_fields_of_other_layers(layers, field, jump):
    rows = receptive_field(nn.Sequential(*layers), (1, 16, 16), print_table=False)
    assert rows[-1].receptive_field == (field, field) and rows[-1].jump == (jump, jump)


def test_bad_input_shape():
    with pytest.raises(ValueError, match=r"receptive_field: expected an input shape \(C, H, "
                                         r"W\), got \(784,\)"):
        receptive_field(nn.Linear(784, 10), (784,))
