"""Errors raised inside a module's forward name the layer once (Module.__call__), with the
path to it in nested models; a NumPy array or a list as input is a TypeError with the fix."""
import numpy as np
import pytest

import xarxa as xa
from xarxa import nn
from xarxa.data import datasets
from xarxa.models import CNN, MLP, LeNet5, Perceptron

LINEAR_2_3 = r"Linear\(in_features=2, out_features=3, bias=True\)"


def message(fn, *args, error=ValueError):
    with pytest.raises(error) as info:
        fn(*args)
    return str(info.value)


def test_nested_modules_name_the_innermost_layer_once_with_its_path():
    inner = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    model = nn.Sequential(inner, nn.Linear(4, 1))
    text = message(model, xa.zeros(5, 2))
    assert text == ("Linear(in_features=4, out_features=1, bias=True) at Sequential.1: "
                    "linear: input of shape (5, 3) does not fit a weight of shape (1, 4) (expected "
                    "input (*, 4))")
    deep = message(nn.Sequential(nn.Sequential(inner)), xa.zeros(5, 7))
    assert deep.count("Linear(") == 1 and deep.count(": linear:") == 1
    assert deep.startswith("Linear(in_features=2, out_features=3, bias=True) at "
                           "Sequential.0.0.0: ")
    assert message(model, xa.zeros(5, 2)) == text   # a second call: nothing accumulates


def test_a_model_names_the_layer_and_where_it_sits():
    text = message(LeNet5(), xa.zeros(2, 1, 32, 32).double(), error=TypeError)
    assert text == ("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)) at LeNet5.features.0: "
                    "conv2d: input dtype torch.float64 differs from weight dtype "
                    "torch.float32")


def test_the_error_keeps_its_type_and_traceback():
    layer = nn.Conv2d(1, 1, 3)
    with pytest.raises(TypeError) as info:
        layer(xa.zeros(1, 1, 5, 5).double())
    assert type(info.value) is TypeError
    assert any(entry.name == "conv2d" for entry in info.traceback)   # raised in the op


def test_a_module_that_names_itself_is_not_named_twice():
    assert message(CNN(image_size=8), xa.zeros(1, 1, 9, 9)) == \
        "CNN: expected input (N, C, 8, 8), got (1, 1, 9, 9)"
    assert message(nn.Sequential(CNN(image_size=8)), xa.zeros(1, 1, 9, 9)) == \
        "CNN at Sequential.0: expected input (N, C, 8, 8), got (1, 1, 9, 9)"


def test_an_op_called_in_a_users_forward_gets_the_users_module_name():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x).reshape(3, -1)

    text = message(Net(), xa.zeros(2, 2))
    assert text.startswith("Net: reshape") and "torch.Size([2, 2])" in text


@pytest.mark.parametrize("model, x", [
    (nn.Linear(2, 3), np.zeros((4, 2), np.float32)),
    (nn.Sequential(nn.Linear(2, 3), nn.ReLU()), np.zeros((4, 2), np.float32)),
    (MLP([2, 4, 2]), datasets.logic_gate("xor")[0]),
    (Perceptron(2), datasets.logic_gate("and")[0]),
    (LeNet5(), np.zeros((1, 1, 32, 32), np.float32)),
])
def test_a_numpy_array_is_a_type_error_naming_the_layer_and_the_fix(model, x):
    text = message(model, x, error=TypeError)
    assert text.startswith(model._label() + ": expected a Tensor as input, got a NumPy "
                           f"array of shape {x.shape} and dtype float32; convert it with "
                           "xa.tensor(x) (a copy) or xa.from_numpy(x) (sharing its memory)")
    assert model(xa.tensor(x)).shape[0] == x.shape[0]   # the fix works


def test_a_float64_array_is_told_the_models_dtype():
    text = message(nn.Linear(2, 3), np.zeros((1, 2)), error=TypeError)
    assert text == (LINEAR_2_3.replace("\\", "") + ": expected a Tensor as input, got a NumPy "
                    "array of shape (1, 2) and dtype float64; convert it with "
                    "xa.tensor(x, dtype=xa.float32)")


@pytest.mark.parametrize("model", [nn.Linear(2, 3), nn.Sequential(nn.Linear(2, 3)),
                                   MLP([2, 3])])
def test_a_list_of_numbers_is_a_type_error_with_the_fix(model):
    with pytest.raises(TypeError, match=r"expected a Tensor as input, got a list of numbers; "
                                        r"convert it with xa\.tensor\(x\)$"):
        model([[0.0, 1.0], [1.0, 0.0]])


def test_a_list_of_tensors_still_reaches_forward():
    class Sum(nn.Module):
        def forward(self, xs):
            return xs[0] + xs[1]

    assert Sum()([xa.ones(2), xa.ones(2)]).tolist() == [2.0, 2.0]


def test_an_array_passed_on_inside_a_model_names_the_inner_layer_and_its_path():
    class Leaky(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 3)

        def forward(self, x):
            return self.fc(x.numpy())   # the mistake is inside the model

    text = message(Leaky(), xa.zeros(1, 2), error=TypeError)
    assert text.startswith("Linear(in_features=2, out_features=3, bias=True) at Leaky.fc: "
                           "expected a Tensor as input, got a NumPy array")
