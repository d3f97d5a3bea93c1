"""Datasets carry their class names (torchvision's ``.classes``) and all their samples
(``X, y = ds.tensors``); ``random_split`` takes fractions as PyTorch does; ``val_split``
holds out a validation part of a training set (notes 1.4.6)."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.data.datasets as datasets_module
from xarxa.data import DataLoader, Subset, TensorDataset, random_split, val_split

# torchvision.datasets.{MNIST,FashionMNIST,KMNIST}.classes, copied from torchvision.
TORCHVISION_CLASSES = {
    "mnist": ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
              "6 - six", "7 - seven", "8 - eight", "9 - nine"],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "kmnist": ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
}


def test_tensors_unpack_to_all_inputs_and_targets():
    ds = xa.datasets.digits(train=False)
    X, y = ds.tensors
    assert isinstance(X, xa.Tensor) and isinstance(y, xa.Tensor)
    assert tuple(X.shape) == (359, 1, 8, 8) and tuple(y.shape) == (359,)
    x0, y0 = ds[0]
    np.testing.assert_array_equal(X.numpy()[0], x0.numpy())
    assert y.numpy()[0] == y0.item()
    # the whole set, not a copy made per call that could differ from the samples
    np.testing.assert_array_equal(y.numpy(), [ds[i][1].item() for i in range(len(ds))])


def test_digits_and_synthetic_sets_name_their_classes():
    digits = xa.datasets.digits()
    assert digits.classes == [str(d) for d in range(10)]
    labels = digits.tensors[1].numpy()
    assert labels.max() + 1 == len(digits.classes)
    for gate in ("and", "or", "xor"):
        assert xa.datasets.synthetic(gate).classes == ["0", "1"]
    assert xa.datasets.synthetic("moons").classes == ["upper moon", "lower moon"]
    three = xa.datasets.synthetic("spirals", classes=3, n=30)
    assert three.classes == ["arm 0", "arm 1", "arm 2"]
    assert three.tensors[1].numpy().max() == 2
    assert xa.datasets.synthetic("blobs").classes == ["blob 0", "blob 1", "blob 2"]
    assert xa.datasets.synthetic("blobs", proportions=(0.5, 0.5)).classes == ["blob 0",
                                                                              "blob 1"]
    assert xa.datasets.synthetic("linear-outliers").classes is None  # regression


@pytest.mark.parametrize("name, loader", [("mnist", "mnist"), ("fashion-mnist",
                                                                "fashion_mnist"),
                                          ("kmnist", "kmnist")])
def test_mnist_family_classes_are_torchvisions(name, loader, monkeypatch):
    # No IDX files needed: the class names do not depend on the data.
    fake = (np.zeros((3, 1, 28, 28), np.float32), np.array([0, 1, 9], np.int64))
    monkeypatch.setattr(datasets_module, "load_mnist_family_arrays",
                        lambda name, root=None, train=True: fake)
    assert getattr(xa.datasets, loader)(train=False).classes == TORCHVISION_CLASSES[name]


def test_classes_validation_and_subsets():
    x, y = np.zeros((4, 2), np.float32), np.array([0, 1, 1, 0])
    assert TensorDataset(x, y).classes is None
    with pytest.raises(TypeError, match="TensorDataset: classes must be a list of names"):
        TensorDataset(x, y, classes="ab")
    with pytest.raises(TypeError, match="TensorDataset: classes must be a list of names"):
        TensorDataset(x, y, classes=[0, 1])
    ds = TensorDataset(x, y, classes=("no", "yes"))
    assert ds.classes == ["no", "yes"]
    assert Subset(ds, [0, 2]).classes == ["no", "yes"]


@pytest.mark.parametrize("n, fractions", [(10, [0.9, 0.1]), (7, [0.5, 0.5]),
                                          (11, [0.3, 0.3, 0.4]), (4, [0.9, 0.1]),
                                          (101, [0.25, 0.25, 0.25, 0.25])])
@pytest.mark.filterwarnings("ignore:Length of split at index:UserWarning")  # torch's, (4, ·)
def test_random_split_fractions_match_pytorch(n, fractions):
    import torch
    from torch.utils.data import random_split as torch_split
    ds = TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))
    expected = [len(p) for p in torch_split(range(n), fractions,
                                            generator=torch.Generator().manual_seed(0))]
    parts = random_split(ds, fractions, seed=0)
    assert [len(p) for p in parts] == expected
    seen = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(seen), np.arange(n))


def test_random_split_bad_lengths():
    ds = TensorDataset(np.zeros((10, 1), np.float32), np.zeros(10, np.int64))
    with pytest.raises(ValueError, match="random_split: fractions .* sum to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match=r"random_split: lengths \[7, 4\] must be .* sum to "
                                         "the dataset's 10 samples"):
        random_split(ds, [7, 4])
    with pytest.raises(TypeError, match="random_split: lengths must be all integers"):
        random_split(ds, [5, 0.5])


def test_val_split_is_disjoint_covers_the_set_and_follows_the_seed():
    ds = xa.datasets.digits()
    train, val = val_split(ds, 0.1, seed=3)
    assert len(val) == int(0.1 * len(ds)) == 143 and len(train) == len(ds) - 143
    both = np.concatenate([train.indices, val.indices])
    assert len(np.intersect1d(train.indices, val.indices)) == 0
    np.testing.assert_array_equal(np.sort(both), np.arange(len(ds)))
    again_train, again_val = val_split(ds, 0.1, seed=3)
    np.testing.assert_array_equal(val.indices, again_val.indices)
    other = val_split(ds, 0.1, seed=4)[1]
    assert not np.array_equal(np.sort(val.indices), np.sort(other.indices))
    # the parts are datasets: their samples are the underlying ones
    x, y = DataLoader(val, batch_size=len(val)).__iter__().__next__()
    X, Y = ds.tensors
    np.testing.assert_array_equal(x.numpy(), X.numpy()[val.indices])
    np.testing.assert_array_equal(y.numpy(), Y.numpy()[val.indices])
    assert len(val_split(ds, 0.0)[1]) == 0


@pytest.mark.parametrize("fraction", [1.0, -0.1, 2, "0.1", True, float("nan")])
def test_val_split_bad_fraction(fraction):
    with pytest.raises(ValueError, match=r"val_split: fraction must be a number in \[0, 1\)"):
        val_split(xa.datasets.synthetic("xor"), fraction)
