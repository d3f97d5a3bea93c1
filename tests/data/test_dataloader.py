"""DataLoader: batch sizes as the notes' batch / mini-batch / stochastic gradient descent."""
import numpy as np
import pytest

import xarxa as xa
from xarxa import optim
from xarxa.data import DataLoader, Dataset, TensorDataset, random_split
from xarxa.data import datasets, transforms as T

N = 10
X = np.arange(N * 2, dtype=np.float32).reshape(N, 2)
Y = np.arange(N, dtype=np.int64)


def updates_per_epoch(loader) -> int:
    """Train a linear model one epoch and count the optimizer's steps."""
    w = xa.zeros(2, 1, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    for x, y in loader:
        opt.zero_grad()
        ((x @ w).reshape(-1) - y.float()).abs().mean().backward()
        opt.step()
    return opt.state[w]["step"]


@pytest.mark.parametrize("kwargs, updates, sizes", [
    (dict(full_batch=True), 1, [10]),                          # batch gradient descent
    (dict(batch_size=N), 1, [10]),
    (dict(batch_size=4), 3, [4, 4, 2]),                        # mini-batch
    (dict(batch_size=4, drop_last=True), 2, [4, 4]),
    (dict(batch_size=1), N, [1] * N),                          # stochastic gradient descent
    (dict(batch_size=32), 1, [10]),
])
def test_updates_per_epoch(kwargs, updates, sizes):
    loader = DataLoader(TensorDataset(X, Y), shuffle=True, **kwargs)
    assert len(loader) == updates
    assert [len(y) for _, y in loader] == sizes
    assert updates_per_epoch(loader) == updates


def test_every_sample_once_per_epoch_and_shapes():
    loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, seed=1)
    for _ in range(2):
        batches = list(loader)
        seen = np.concatenate([y.numpy() for _, y in batches])
        assert sorted(seen.tolist()) == list(range(N))
        x, y = batches[0]
        assert x.shape == (3, 2) and x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x.numpy(), X[y.numpy()])


def test_no_shuffle_keeps_order_and_batch_size_none_is_unbatched():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    assert np.concatenate([y.numpy() for _, y in loader]).tolist() == list(range(N))
    samples = list(DataLoader(TensorDataset(X, Y), batch_size=None))
    assert len(samples) == N and samples[3][0].shape == (2,) and samples[3][1].item() == 3


def test_shuffle_is_reproducible():
    def orders(loader, epochs=3):
        return [np.concatenate([y.numpy() for _, y in loader]).tolist() for _ in range(epochs)]
    ds = TensorDataset(X, Y)
    xa.manual_seed(5)
    a = orders(DataLoader(ds, batch_size=4, shuffle=True))
    xa.manual_seed(5)
    b = orders(DataLoader(ds, batch_size=4, shuffle=True))
    assert a == b and a[0] != a[1]  # a new order every epoch
    own = DataLoader(ds, batch_size=4, shuffle=True, seed=3)
    first = orders(own, 1)
    state = own.state_dict()
    after = orders(own, 2)
    again = DataLoader(ds, batch_size=4, shuffle=True, seed=99)
    again.load_state_dict(state)
    assert orders(again, 2) == after and first != after[:1]


class Squares(Dataset):
    """A map-style dataset without __getitems__: the loader collates sample by sample."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return float(i), {"sq": np.array([i * i])}


def test_default_collate_for_plain_datasets():
    batches = list(DataLoader(Squares(), batch_size=2))
    x, d = batches[0]
    # Python floats collate to float64, as torch.utils.data.default_collate makes them
    assert x.dtype == np.float64 and x.tolist() == [0.0, 1.0]
    assert d["sq"].shape == (2, 1) and d["sq"].numpy().ravel().tolist() == [0, 1]
    assert len(batches) == 3


def test_random_split():
    parts = random_split(TensorDataset(X, Y), [7, 3], seed=0)
    ys = [np.concatenate([y.numpy() for _, y in DataLoader(p, batch_size=4)]) for p in parts]
    assert len(ys[0]) == 7 and len(ys[1]) == 3
    assert sorted(np.concatenate(ys).tolist()) == list(range(N))
    with pytest.raises(ValueError, match="sum to"):
        random_split(TensorDataset(X, Y), [5, 3])


@pytest.mark.parametrize("make, match", [
    (lambda: DataLoader(TensorDataset(X, Y), batch_size=0), "positive integer"),
    (lambda: DataLoader(TensorDataset(X, Y), batch_size=2.5), "positive integer"),
    (lambda: DataLoader(TensorDataset(X, Y), batch_size=None, drop_last=True), "drop_last"),
    (lambda: DataLoader([1, 2], batch_size=1) and DataLoader(3), "__len__"),
    (lambda: TensorDataset(X, Y[:5]), "first dimension"),
    (lambda: TensorDataset([1, 2]), "Tensor or an ndarray"),
])
def test_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_transforms():
    """The one set (torchvision's semantics): tensor images (C, H, W), a batch (N, C, H, W)
    shares one draw; a TensorDataset applies its transform per sample."""
    img = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    timg = xa.tensor(img)
    out = T.Normalize([1.0, 2.0], [2.0, 4.0])(timg)
    np.testing.assert_allclose(out.numpy()[1], (img[1] - 2.0) / 4.0)
    assert out.dtype == np.float32
    assert T.Pad(2)(timg).shape == (2, 7, 7)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(timg).numpy(), img[..., ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(timg).numpy(), img)
    # per sample through a dataset: about half of 50 identical images come out flipped
    ds = TensorDataset(np.stack([img] * 50), np.zeros(50, np.int64),
                       transform=T.RandomHorizontalFlip())
    xa.manual_seed(0)
    flipped, _ = next(iter(DataLoader(ds, batch_size=50)))
    n_flipped = sum(np.array_equal(f, img[..., ::-1]) for f in flipped.numpy())
    assert 10 < n_flipped < 40
    crops = T.RandomCrop(3, padding=1)(xa.tensor(np.stack([img] * 50)))
    assert isinstance(crops, xa.Tensor) and crops.shape == (50, 2, 3, 3)
    # every crop is a window of the zero-padded image
    padded = T.Pad(1)(timg).numpy()
    windows = [padded[:, i:i + 3, j:j + 3] for i in range(3) for j in range(3)]
    assert all(any(np.array_equal(c, w) for w in windows) for c in crops.numpy())
    with pytest.raises(ValueError, match="RandomCrop"):
        T.RandomCrop(9)(timg)
    with pytest.raises(ValueError, match="Normalize"):
        T.Normalize([0.0], [1.0])(timg[0])
    with pytest.raises(TypeError, match="Normalize"):   # as torchvision: a tensor image
        T.Normalize([0.0], [1.0])(img)


def test_dataset_transform_applies_per_sample():
    ds = TensorDataset(np.ones((4, 1, 2, 2), np.float32), np.zeros(4, np.int64),
                       transform=T.Compose([T.Pad(1), T.Normalize([0.5], [0.5])]))
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 4, 4) and x.numpy().max() == 1.0 and x.numpy().min() == -1.0
    assert ds[0][0].shape == (1, 4, 4)


def test_one_set_of_transforms():
    from xarxa.vision import transforms as V
    for name in ("Compose", "Lambda", "Normalize", "Pad", "RandomCrop",
                 "RandomHorizontalFlip", "CenterCrop", "ToTensor"):
        assert getattr(V, name) is getattr(T, name)


def test_public_datasets(monkeypatch):
    monkeypatch.delenv("XARXA_DATA", raising=False)
    train, test = datasets.digits(), datasets.digits(train=False)
    assert (len(train), len(test)) == (1438, 359)
    x, y = train[0]
    assert x.shape == (1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    xor = datasets.synthetic("xor")
    assert xor.tensors[1].tolist() == [0, 1, 1, 0]
    assert len(datasets.synthetic("moons", n=50, seed=1)) == 50
    assert datasets.synthetic("linear-outliers", n=20).tensors[1].shape == (20, 1)
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.synthetic("nand")
    with pytest.raises(FileNotFoundError, match="Looked in"):
        datasets.kmnist(root="/nonexistent-xarxa-root")
