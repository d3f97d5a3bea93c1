"""PyTorch's .pt/.pth both ways: files torch.save writes load into xarxa, files xa.save
writes load into torch (torch.load(weights_only=True)), with the same model outputs."""
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.io import pth
from state_dict_models import cnn, inputs, mlp, trained_torch

DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16,
          torch.int8, torch.uint8, torch.bool, torch.complex64, torch.uint16, torch.uint32,
          torch.uint64]


def _sample(dtype):
    x = torch.arange(-3, 9).reshape(3, 4) * 7 % 11
    if dtype == torch.bool:
        return x % 2 == 0
    if dtype.is_floating_point or dtype.is_complex:
        return (x.to(torch.float64) / 3 - 1.25).to(dtype)
    return x.to(dtype)


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_a_torch_model_loads_into_xarxa_and_gives_the_same_outputs(tmp_path, name):
    model = trained_torch(name)
    torch.save(model.state_dict(), tmp_path / "m.pth")
    state = xa.load(tmp_path / "m.pth")
    assert isinstance(state, OrderedDict) and list(state) == list(model.state_dict())
    mine = {"mlp": mlp, "cnn": cnn}[name](xa).eval()
    mine.load_state_dict(state)  # strict: same names, shapes and kinds
    x = inputs(name)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mine(xa.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_an_xarxa_model_loads_into_torch_and_gives_the_same_outputs(tmp_path, name):
    xa.manual_seed(1)
    mine = {"mlp": mlp, "cnn": cnn}[name](xa)
    x = inputs(name)
    mine.train()
    mine(xa.tensor(x * 2 + 1))  # moves batch-norm running statistics off their start
    mine.eval()
    xa.save(mine.state_dict(), tmp_path / "m.pth")
    state = torch.load(tmp_path / "m.pth", weights_only=True)
    model = {"mlp": mlp, "cnn": cnn}[name](torch).eval()
    model.load_state_dict(state)
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, mine(xa.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    # torch.save aligns storages to 64 bytes so that mmap works; so do we
    mapped = torch.load(tmp_path / "m.pth", weights_only=True, mmap=True)
    assert all(torch.equal(mapped[k], state[k]) for k in state)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dtypes_round_trip_both_ways(tmp_path, dtype):
    t = _sample(dtype)
    torch.save({"t": t, "scalar": t[1, 2].clone(), "empty": t[:0]}, tmp_path / "t.pth")
    back = xa.load(tmp_path / "t.pth")
    for k, ref in (("t", t), ("scalar", t[1, 2]), ("empty", t[:0])):
        assert back[k].numpy().dtype == ref.numpy().dtype and back[k].shape == ref.shape
        np.testing.assert_array_equal(back[k].numpy(), ref.numpy())
    xa.save(back, tmp_path / "x.pth")
    again = torch.load(tmp_path / "x.pth", weights_only=True)
    for k in ("t", "scalar", "empty"):
        assert again[k].dtype == dtype
        assert torch.equal(again[k], {"t": t, "scalar": t[1, 2], "empty": t[:0]}[k])


def test_bfloat16_loads_as_the_same_float32_values(tmp_path):
    t = torch.tensor([1.5, -2.25, 3e38, 1e-40, float("inf"), float("nan")], dtype=torch.bfloat16)
    torch.save({"t": t}, tmp_path / "b.pt")
    got = xa.load(tmp_path / "b.pt")["t"].numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, t.float().numpy())


def test_views_sharing_a_storage_load_with_their_offsets_and_strides(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    views = {"base": base, "t": base.t(), "block": base[1:3, 2:5], "step": base[:, ::2],
             "row": base[3], "tail": base.view(-1)[5:], "expand": base[0, :3].expand(2, 3),
             "permuted": base.reshape(2, 2, 6).permute(2, 0, 1)}
    torch.save(views, tmp_path / "v.pth")
    with zipfile.ZipFile(tmp_path / "v.pth") as z:  # the views really share one storage
        assert len([n for n in z.namelist() if "/data/" in n]) == 1
    back = xa.load(tmp_path / "v.pth")
    for k, v in views.items():
        assert back[k].shape == tuple(v.shape)
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    back["t"].numpy()[0, 0] = -1  # copies: writable, and no longer shared
    assert back["base"].numpy()[0, 0] == 0


def test_non_contiguous_xarxa_arrays_save_for_torch(tmp_path):
    a = np.arange(24, dtype=np.float64).reshape(4, 6)
    xa.save({"t": xa.tensor(a).T, "s": a[1:, ::2], "big": a.astype(">f4")}, tmp_path / "n.pt")
    back = torch.load(tmp_path / "n.pt", weights_only=True)
    np.testing.assert_array_equal(back["t"].numpy(), a.T)
    np.testing.assert_array_equal(back["s"].numpy(), a[1:, ::2])
    assert back["big"].dtype == torch.float32
    np.testing.assert_array_equal(back["big"].numpy(), a.astype(np.float32))


def test_a_big_endian_archive_is_read(tmp_path):
    ref = {"w": torch.linspace(-1, 1, 6).reshape(2, 3), "n": torch.tensor([1, -2, 300])}
    torch.save(ref, tmp_path / "le.pth")
    with zipfile.ZipFile(tmp_path / "le.pth") as src, \
            zipfile.ZipFile(tmp_path / "be.pth", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("byteorder"):
                data = b"big"
            elif "/data/" in info.filename:  # storage 0 holds w (float32), 1 holds n (int64)
                dt = "<f4" if info.filename.endswith("/0") else "<i8"
                data = np.frombuffer(data, dt).astype(dt.replace("<", ">")).tobytes()
            dst.writestr(info.filename, data)
    back = xa.load(tmp_path / "be.pth")
    for k, v in ref.items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())


def test_checkpoints_with_parameters_and_plain_values(tmp_path):
    model = trained_torch("mlp")
    ckpt = {"params": dict(model.named_parameters()), "epoch": 7, "lr": 0.5,
            "tags": ["a", None, True], "shape": (2, 3), "big": 2**70, "neg": -5,
            "int_keys": {0: torch.ones(2), 1: torch.zeros(1, dtype=torch.int64)}}
    torch.save(ckpt, tmp_path / "c.pth")  # nn.Parameter goes through _rebuild_parameter
    back = xa.load(tmp_path / "c.pth")
    assert (back["epoch"], back["lr"], back["tags"], back["shape"], back["big"],
            back["neg"]) == (7, 0.5, ["a", None, True], (2, 3), 2**70, -5)
    for k, p in ckpt["params"].items():
        np.testing.assert_array_equal(back["params"][k].numpy(), p.detach().numpy())
    assert sorted(back["int_keys"]) == [0, 1]
    xa.save(back, tmp_path / "x.pth")
    again = torch.load(tmp_path / "x.pth", weights_only=True)
    assert (again["epoch"], again["lr"], again["tags"], again["shape"], again["big"],
            again["neg"]) == (7, 0.5, ["a", None, True], (2, 3), 2**70, -5)
    assert torch.equal(again["params"]["0.weight"], ckpt["params"]["0.weight"].detach())
    assert torch.equal(again["int_keys"][1], ckpt["int_keys"][1])
    assert type(again) is dict and type(torch.load(tmp_path / "x.pth", weights_only=True)[
        "params"]) is dict


def test_xa_save_pth_refuses_what_torch_could_not_read_back(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot save a whole Linear module, only its "
                                        r"weights: xa.save\(model.state_dict\(\), path\)"):
        xa.save(xa.nn.Linear(2, 2), tmp_path / "m.pth")
    with pytest.raises(TypeError, match=r"save: dtype <U1 at 'names' has no PyTorch"):
        xa.save({"names": np.array(["a"])}, tmp_path / "m.pth")
    with pytest.raises(TypeError, match=r"keys must be str or int, got 1.5 at 'd'"):
        xa.save({"d": {1.5: 1}}, tmp_path / "m.pth")
    assert not (tmp_path / "m.pth").exists() and list(tmp_path.iterdir()) == []


def test_pth_module_functions_and_extension_dispatch(tmp_path):
    state = {"w": xa.ones(2, 2)}
    pth.save(state, tmp_path / "weights.bin")  # any name, through xarxa.io.pth
    assert torch.equal(torch.load(tmp_path / "weights.bin", weights_only=True)["w"],
                       torch.ones(2, 2))
    np.testing.assert_array_equal(pth.load(tmp_path / "weights.bin")["w"].numpy(),
                                  np.ones((2, 2)))
    xa.save(state, tmp_path / "w.PT")  # extensions are matched case-insensitively
    assert zipfile.ZipFile(tmp_path / "w.PT").namelist()[0] == "archive/data.pkl"
    xa.save(state, tmp_path / "w.ckpt")  # anything else stays xarxa's .npz
    assert "__xarxa__.npy" in zipfile.ZipFile(tmp_path / "w.ckpt").namelist()
