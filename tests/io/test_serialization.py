"""xa.save / xa.load: round trips, atomic writes, pickle refused, validation."""
import os
import pickle
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import xarxa as xa
from xarxa import nn, optim
from xarxa import serialization
from xarxa.serialization import load, save


def _model():
    xa.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_round_trip_of_a_training_state(tmp_path):
    model = _model()
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    model(xa.randn(5, 3)).sum().backward()
    opt.step()
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
             "rng": xa.get_rng_state(), "history": {"loss": [1.5, float("nan")]},
             "name": "run", "flags": (True, None), "scalar": np.float32(2.5),
             "ints": np.arange(3)}
    path = tmp_path / "ckpt.npz"
    save(state, path)
    back = load(path)
    assert list(back["model"]) == list(state["model"])
    for k, v in state["model"].items():
        assert isinstance(back["model"][k], xa.Tensor)
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
        assert back["model"][k].dtype == v.dtype
    assert set(back["optimizer"]["state"]) == set(state["optimizer"]["state"])  # int keys
    np.testing.assert_array_equal(back["optimizer"]["state"][0]["exp_avg"],
                                  state["optimizer"]["state"][0]["exp_avg"])
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["rng"] == state["rng"] and back["epoch"] == 3 and back["name"] == "run"
    assert back["history"]["loss"][0] == 1.5 and np.isnan(back["history"]["loss"][1])
    assert back["flags"] == (True, None)
    assert back["scalar"] == np.float32(2.5) and isinstance(back["scalar"], np.float32)
    # the loaded states restore a model and an optimizer
    fresh = _model()
    fresh.load_state_dict(back["model"])
    opt2 = optim.Adam(fresh.parameters(), lr=0.01, amsgrad=True)
    opt2.load_state_dict(back["optimizer"])
    # plain NumPy can read the file, without pickle
    with np.load(path, allow_pickle=False) as npz:
        assert "model.0.weight" in npz.files


def test_dotted_key_collisions_stay_distinct(tmp_path):
    obj = {"a.b": np.ones(2), "a": {"b": np.zeros(2)}}
    save(obj, tmp_path / "c.npz")
    back = load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back["a.b"], [1, 1])
    np.testing.assert_array_equal(back["a"]["b"], [0, 0])


def test_exception_mid_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones(3)}, path)
    before = path.read_bytes()
    real = np.lib.format.write_array
    calls = []

    def failing(f, a, **kw):  # write the first array, then fail half way through
        calls.append(1)
        if len(calls) == 2:
            f.write(b"partial")
            raise KeyboardInterrupt  # what Ctrl-C would raise in the middle of a save
        return real(f, a, **kw)
    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.zeros(3), "v": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temporary file is gone


def test_failed_rename_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones(3)}, path)

    def no_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(serialization.os, "replace", no_replace)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.zeros(3)}, path)
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps({"w": Evil()}))
    with pytest.raises(ValueError, match="pickled"):
        load(raw)
    # an .npz whose member is an object array (np.save with allow_pickle=True)
    obj = tmp_path / "obj.npz"
    np.savez(obj, w=np.array([Evil()], dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        load(obj)
    # a zip holding a pickle, the layout of torch.save
    zipped = tmp_path / "torch_like.npz"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"w": Evil()}))
    with pytest.raises(ValueError, match="pickled"):
        load(zipped)
    assert not (tmp_path / "pwned").exists()


def test_save_refuses_objects_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match="state_dict"):
        save({"model": _model()}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="without pickle"):
        save({"o": np.array([object()])}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="keys"):
        save({(1, 2): 3}, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_save_into_a_missing_directory_names_it(tmp_path):
    # not the temporary file's name, which the user never chose
    with pytest.raises(FileNotFoundError, match="save: directory .*nodir.* does not exist"):
        save({"a": 1}, tmp_path / "nodir" / "ckpt.npz")


def test_load_validates_names_shapes_and_dtypes(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones((2, 3), np.float32), "b": np.zeros(3, np.float32)}, path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}

    def rewrite(name, replace=None, drop=None, extra=None):
        out = tmp_path / name
        with zipfile.ZipFile(out, "w") as zf:
            for n, data in members.items():
                if n == drop:
                    continue
                if replace and n == replace[0]:
                    data = replace[1]
                zf.writestr(n, data)
            if extra:
                zf.writestr(*extra)
        return out

    def npy(a):
        import io
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a)
        return buf.getvalue()
    with pytest.raises(ValueError, match=r"'w' has shape \(3, 2\)"):
        load(rewrite("shape.npz", replace=("w.npy", npy(np.ones((3, 2), np.float32)))))
    with pytest.raises(ValueError, match="float64"):
        load(rewrite("dtype.npz", replace=("b.npy", npy(np.zeros(3)))))
    with pytest.raises(ValueError, match="'b' is missing"):
        load(rewrite("missing.npz", drop="b.npy"))
    with pytest.raises(ValueError, match="not named.*extra"):
        load(rewrite("extra.npz", extra=("extra.npy", npy(np.zeros(1)))))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a valid"):
        load(truncated)
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load(tmp_path / "nope.npz")


def test_model_load_state_dict_names_mismatches(tmp_path):
    save(_model().state_dict(), tmp_path / "m.npz")
    other = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="0.weight"):
        other.load_state_dict(load(tmp_path / "m.npz"))


def test_save_writes_through_a_symlink(tmp_path):
    # as np.savez does: the link stays, its target gets the new checkpoint
    (tmp_path / "runs").mkdir()
    target, link = tmp_path / "runs" / "real.npz", tmp_path / "latest.npz"
    save({"w": np.ones(2)}, target)
    link.symlink_to(target)
    save({"w": np.zeros(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(load(target)["w"], [0, 0])
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "runs" / "new.npz")
    save({"w": np.ones(1)}, dangling)
    assert dangling.is_symlink()
    np.testing.assert_array_equal(load(tmp_path / "runs" / "new.npz")["w"], [1])
    assert sorted(os.listdir(tmp_path / "runs")) == ["new.npz", "real.npz"]  # no temp left


@pytest.mark.parametrize("name", ["a" * 251 + ".npz", "é" * 125 + ".npz"],
                         ids=["255 ascii bytes", "254 utf-8 bytes"])
def test_save_accepts_the_longest_file_name(tmp_path, name):
    assert len(os.fsencode(name)) >= 254  # NAME_MAX is 255 bytes on Linux and macOS
    save({"w": np.ones(2)}, tmp_path / name)
    save({"w": np.zeros(2)}, tmp_path / name)  # and over an existing file
    np.testing.assert_array_equal(load(tmp_path / name)["w"], [0, 0])
    assert os.listdir(tmp_path) == [name]


def test_any_str_or_int_key_round_trips(tmp_path):
    # keys become zip member names only for readability; the metadata keeps them exact
    keys = ["a\x00b", "\udc80 undecodable", "", "a/b", "../up", "__xarxa__", "x" * 70_000,
            "a.b", 2 ** 100, -1, "1", 1]
    obj = {k: np.full(2, i, np.int64) for i, k in enumerate(keys)}
    obj["nested"] = {k: i for i, k in enumerate(keys)}
    save(obj, tmp_path / "k.npz")
    back = load(tmp_path / "k.npz")
    assert list(back) == keys + ["nested"] and back["nested"] == obj["nested"]
    for i, k in enumerate(keys):
        np.testing.assert_array_equal(back[k], [i, i])
    save({np.int64(3): 1}, tmp_path / "n.npz")  # a NumPy integer key comes back as int
    assert load(tmp_path / "n.npz") == {3: 1}


def test_save_refuses_keys_it_could_not_load_back(tmp_path):
    with pytest.raises(ValueError, match=r"save: the 33220-bit integer key at 'a' has more "
                                         "than 4300 digits"):
        save({"a": {10 ** 10_000: 1}}, tmp_path / "k.npz")
    with pytest.raises(ValueError, match="integer value at 'b'"):
        save({"b": 10 ** 10_000}, tmp_path / "k.npz")
    assert not list(tmp_path.iterdir())


def test_a_directory_as_target_is_named(tmp_path):
    with pytest.raises(IsADirectoryError, match="save: .* is a directory"):
        save({"a": 1}, tmp_path)


_KILLED_SAVE = """
import os, signal, sys
import numpy as np
from xarxa import serialization
os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)  # killed before the rename
serialization.save({"w": np.zeros(3)}, sys.argv[1])
"""


@pytest.mark.skipif(os.name != "posix", reason="stale temporaries are recognised by pid (POSIX)")
def test_save_removes_its_stale_temporary_files_only(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones(3)}, path)
    proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(path)])
    assert proc.returncode == -signal.SIGKILL
    stale = set(os.listdir(tmp_path)) - {"ckpt.npz"}
    assert len(stale) == 1  # the killed save's complete, never renamed archive
    others = [".ckpt.npz.x1y2z3.tmp", "ckpt.npz.tmp", ".ckpt.npz~notes", "other.npz"]
    for name in others:
        (tmp_path / name).write_bytes(b"someone else's")
    # a save still running in this process keeps its temporary file: another save to the
    # same path, made while the first one is about to rename, must not remove it
    real_replace = os.replace

    def replace_after_another_save(src, dst):
        monkeypatch.setattr(serialization.os, "replace", real_replace)
        save({"w": np.full(3, 2.0)}, path)
        real_replace(src, dst)
    monkeypatch.setattr(serialization.os, "replace", replace_after_another_save)
    save({"w": np.full(3, 3.0)}, path)
    np.testing.assert_array_equal(load(path)["w"], [3, 3, 3])  # the first save's rename worked
    assert sorted(os.listdir(tmp_path)) == sorted(others + ["ckpt.npz"])
