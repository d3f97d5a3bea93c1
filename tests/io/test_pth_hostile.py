"""A .pth file is a program: xa.load must refuse every global outside the allow-list
before anything runs. The payloads below create a marker file when unpickled for real
(checked with pickle.loads, so the tests can fail); through xa.load they must be refused
and the marker must not exist."""
import io
import os
import pickle
import shlex
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.io.pth import UnsafePickleError


def _archive(path, pkl: bytes, storages=None, compress=zipfile.ZIP_STORED):
    """A zip laid out as torch.save lays it out, holding the given data.pkl."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pkl, compress_type=compress)
        z.writestr("archive/byteorder", "little")
        for key, raw in (storages or {}).items():
            z.writestr(f"archive/data/{key}", raw)
        z.writestr("archive/version", "3\n")
    return path


class _Call:
    """Pickles as a call of ``fn(*args)``: the classic __reduce__ payload."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _payloads(marker):
    m = str(marker)
    return {
        "os.system": _Call(os.system, f"touch {shlex.quote(m)}"),
        "builtins.eval": _Call(eval, f"open({m!r}, 'w').close()"),
        "builtins.exec": _Call(exec, f"open({m!r}, 'w').close()"),
        "builtins.open": _Call(open, m, "w"),
        "getattr-chain": _Call(getattr, _Call(__import__, "os"), "system"),
    }


def _assert_refused(path, marker, name):
    """xa.load refuses naming the global ``<module>.name`` (protocol 2 spells builtins
    ``__builtin__``, and ``open`` is ``io.open``), and the payload did not run."""
    with pytest.raises(UnsafePickleError, match=rf"the global '[\w.]+\.{name}', which is not "
                                                r"allowed") as info:
        xa.load(path)
    assert str(path) in str(info.value) and "nothing from this file was run" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, pickle.UnpicklingError)
    assert not marker.exists()


class _Storage:
    """Pickled by `_dumps` as torch's persistent storage id."""

    def __init__(self, storage_class, key="0", numel=3):
        self.pid = ("storage", storage_class, key, "cpu", numel)


class _Tensor:
    """Pickled as torch pickles a tensor: a call of _rebuild_tensor_v2."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


def _dumps(obj, protocol=2) -> bytes:
    f = io.BytesIO()

    class Saver(pickle.Pickler):
        def persistent_id(self, o):
            return o.pid if isinstance(o, _Storage) else None

    Saver(f, protocol=protocol).dump(obj)
    return f.getvalue()


ONES = np.ones(3, np.float32).tobytes()


def _tensor(storage_class=torch.FloatStorage, metadata=None):
    return _Tensor(_Storage(storage_class), 0, (3,), (1,), False, OrderedDict(), metadata)


@pytest.mark.parametrize("protocol", [2, 4], ids=["GLOBAL", "STACK_GLOBAL"])
@pytest.mark.parametrize("kind", ["os.system", "builtins.eval", "builtins.exec",
                                  "builtins.open", "getattr-chain"])
def test_reduce_payloads_are_refused_before_they_run(tmp_path, kind, protocol):
    marker = tmp_path / "pwned"
    data = _dumps(_payloads(marker)[kind], protocol)
    if kind != "getattr-chain":  # the payload is live: plain unpickling runs it
        pickle.loads(data)
        assert marker.exists()
        marker.unlink()
    path = _archive(tmp_path / "m.pth", data)
    _assert_refused(path, marker, "getattr" if kind == "getattr-chain" else kind.split(".")[1])


def test_a_global_nested_inside_an_allowed_state_dict_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    state = OrderedDict(weight=_tensor(), bias=[1, {"x": _payloads(marker)["builtins.eval"]}])
    path = _archive(tmp_path / "m.pth", _dumps(state), {"0": ONES})
    _assert_refused(path, marker, "eval")


def test_a_global_hidden_in_a_tensor_or_a_persistent_id_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = _payloads(marker)["builtins.open"]
    # the harness itself: torch's layout, built by hand, loads (and torch agrees)
    good = _archive(tmp_path / "good.pth", _dumps({"w": _tensor()}), {"0": ONES})
    np.testing.assert_array_equal(xa.load(good)["w"].numpy(), np.ones(3))
    assert torch.equal(torch.load(good, weights_only=True)["w"], torch.ones(3))
    # as the metadata argument of an allowed rebuild function
    path = _archive(tmp_path / "a.pth", _dumps({"w": _tensor(metadata=evil)}), {"0": ONES})
    _assert_refused(path, marker, "open")
    # as the storage class inside the persistent id
    path = _archive(tmp_path / "b.pth", _dumps({"w": _tensor(storage_class=evil)}),
                    {"0": ONES})
    _assert_refused(path, marker, "open")


@pytest.mark.parametrize("module, name", [
    ("torch._utils", "_rebuild_tensor_v2.__globals__"), ("torch", "load"),
    ("torch.serialization", "load"), ("collections", "OrderedDict.fromkeys"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"), ("numpy", "frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"), ("subprocess", "Popen"),
    ("__builtin__", "eval"), ("copyreg", "_reconstructor")])
def test_look_alikes_and_other_rebuilders_are_refused(tmp_path, module, name):
    data = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b")R."
    path = _archive(tmp_path / "m.pth", data)
    with pytest.raises(UnsafePickleError, match=f"'{module}.{name}'"):
        xa.load(path)


def test_inst_and_obj_opcodes_go_through_the_allow_list(tmp_path):
    marker = tmp_path / "pwned"
    inst = b"(S'touch " + shlex.quote(str(marker)).encode() + b"'\nios\nsystem\n."  # INST
    path = _archive(tmp_path / "m.pth", inst)
    _assert_refused(path, marker, "system")


def test_build_cannot_tamper_with_the_allowed_functions(tmp_path):
    # BUILD with a slot state would setattr on whatever is on the stack: here the
    # rebuild function itself, (None, {'fn': OrderedDict}), to change it for later files.
    data = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n"
            b"N}X\x02\x00\x00\x00fnccollections\nOrderedDict\ns\x86b.")
    with pytest.raises(ValueError, match="not a valid torch.save file.*BUILD on "
                                         "torch._utils._rebuild_tensor_v2 is not allowed"):
        xa.load(_archive(tmp_path / "m.pth", data))
    torch.save({"w": torch.arange(3.0)}, tmp_path / "good.pth")  # still works as before
    np.testing.assert_array_equal(xa.load(tmp_path / "good.pth")["w"].numpy(), [0, 1, 2])


def test_a_missing_storage_is_named(tmp_path):
    torch.save({"w": torch.ones(3)}, tmp_path / "good.pth")
    with zipfile.ZipFile(tmp_path / "good.pth") as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("data.pkl")][0])
    path = _archive(tmp_path / "m.pth", pkl, storages={})
    with pytest.raises(ValueError, match=r"m\.pth is not a valid torch.save file.*storage "
                                         r"'0' is missing \(no record archive/data/0"):
        xa.load(path)


def test_a_plain_legacy_pickle_is_refused_unrun(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "old.pth"
    path.write_bytes(pickle.dumps(_payloads(marker)["builtins.open"], protocol=2))
    with pytest.raises(ValueError, match=r"old\.pth is a plain pickle \(torch.save's pre-1.6 "
                                         r"format.*never unpickles"):
        xa.load(path)
    assert not marker.exists()
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="plain pickle"):
        xa.load(path)


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_other_files_named_pth_are_refused_clearly(tmp_path):
    (tmp_path / "t.pth").write_text("hello")
    with pytest.raises(ValueError, match=r"t\.pth is not a zip archive \(it starts with "
                                         r"b'hell'\)"):
        xa.load(tmp_path / "t.pth")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "s.pt")
    with pytest.raises(ValueError, match=r"s\.pt is a TorchScript archive"):
        xa.load(tmp_path / "s.pt")
    with zipfile.ZipFile(tmp_path / "z.pth", "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(ValueError, match=r"z\.pth is a zip archive with 0 data.pkl"):
        xa.load(tmp_path / "z.pth")


def test_compressed_records_and_memory_bombs_are_refused(tmp_path):
    torch.save({"w": torch.ones(3)}, tmp_path / "good.pth")
    with zipfile.ZipFile(tmp_path / "good.pth") as z:
        name = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        pkl, raw = z.read(name), z.read(name.replace("data.pkl", "data/0"))
    path = _archive(tmp_path / "c.pth", pkl, {"0": raw}, compress=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="compressed or encrypted"):
        xa.load(path)
    # size (3,) -> (10**6, 10**6) with strides (0, 0): 4 TB from 12 bytes
    bomb = pkl.replace(b"K\x03\x85", b"J\x40\x42\x0f\x00J\x40\x42\x0f\x00\x86", 1)
    bomb = bomb.replace(b"K\x01\x85", b"K\x00K\x00\x86", 1)
    assert bomb.count(b"\x86") >= 2
    with pytest.raises(ValueError, match="would take more than 64 times the file's size"):
        xa.load(_archive(tmp_path / "b.pth", bomb, {"0": raw}))
    # a view reaching past the end of its storage
    past = pkl.replace(b"K\x03\x85", b"K\x04\x85", 1)
    with pytest.raises(ValueError, match=r"reads element 3 of storage 0, which holds 3"):
        xa.load(_archive(tmp_path / "p.pth", past, {"0": raw}))
    short = _archive(tmp_path / "s.pth", pkl, {"0": raw[:-1]})
    with pytest.raises(ValueError, match=r"storage '0' holds 11 bytes, 3 torch.FloatStorage "
                                         r"elements need 12"):
        xa.load(short)
