"""xa.load on hostile files: each is refused with a ValueError naming the file, before
any array is allocated. Every file is built here, byte by byte where needed."""
import io
import json
import re
import struct
import zipfile

import numpy as np
import pytest

from xarxa.serialization import MAX_DEPTH, load, save

HUGE = 2 ** 60  # elements: allocating them would raise MemoryError, not ValueError


def npy(a) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(a), allow_pickle=False)
    return buf.getvalue()


def npy_header(shape, descr="<f8", fortran=False) -> bytes:
    """A version 1.0 .npy header written by hand (any descr, any shape), no data."""
    text = repr({"descr": descr, "fortran_order": fortran, "shape": tuple(shape)})
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def write_zip(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def checkpoint(path, tree, arrays=None, meta=None):
    """A checkpoint with the given structure (or raw metadata bytes) and members."""
    if meta is None:
        meta = json.dumps({"format": "xarxa-checkpoint", "version": 1, "tree": tree}).encode()
    members = {"__xarxa__.npy": npy(np.frombuffer(meta, np.uint8))}
    members.update({k + ".npy": v for k, v in (arrays or {}).items()})
    return write_zip(path, members)


def refused(path, match):
    """load(path) raises a ValueError naming the file and matching `match`."""
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + match):
        load(path)


def test_a_text_file_is_not_a_checkpoint_rather_than_pickled_data(tmp_path):
    for name, content in [("notes.txt", b"epoch,loss\n1,0.5\n"), ("ckpt.npz", b"hello"),
                          ("empty.npz", b"")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match="not an xarxa checkpoint") as e:
            load(tmp_path / name)
        assert str(tmp_path / name) in str(e.value) and "pickle" not in str(e.value)
    np.save(tmp_path / "one.npy", np.ones(3))
    refused(tmp_path / "one.npy", "not an xarxa checkpoint.*single .npy array")


W = {"array": "w", "shape": [2], "dtype": "<f4"}


@pytest.mark.parametrize("tree, match", [
    ([1, 2], "malformed.*bare list"),
    ({"dict": 5}, "malformed.*'dict' entry must hold a list"),
    ({"list": {"a": 1}}, "malformed.*'list' entry must hold a list"),
    ({"dict": [[1.5, 2]]}, "malformed.*pair"),
    ({"dict": [["a"]]}, "malformed.*pair"),
    ({"dict": [[True, 1]]}, "malformed.*pair"),
    ({"dict": [["a", 1], ["a", 2]]}, "malformed.*'a' appears twice"),
    ({"foo": 1}, "malformed.*unknown entry"),
    ({"list": [], "tuple": []}, "malformed.*unknown entry"),
    ({"array": 5, "shape": [2], "dtype": "<f4"}, "malformed.*member name"),
    ({"array": "w", "shape": [2]}, "malformed.*member name"),
    ({"array": "w", "shape": "2", "dtype": "<f4"}, "malformed.*shape"),
    ({"array": "w", "shape": [-2], "dtype": "<f4"}, "malformed.*shape"),
    ({"array": "w", "shape": [2.0], "dtype": "<f4"}, "malformed.*shape"),
    ({"scalar": "w", "shape": [2], "dtype": "<f4"}, "malformed.*shape"),
    ({"list": [W, W]}, "malformed.*'w' is named twice"),
])
def test_malformed_structure(tmp_path, tree, match):
    path = checkpoint(tmp_path / "c.npz", tree, {"w": npy(np.zeros(2, np.float32))})
    refused(path, match)


@pytest.mark.parametrize("meta, match", [
    (b"{not json", "metadata is corrupt"),
    (b"\xff\xfe", "metadata is corrupt"),
    (b'{"format": "xarxa-checkpoint", "version": 1, "tree": 1' + b"9" * 5000 + b"}",
     "metadata is corrupt"),  # an integer longer than Python parses
    (b'{"format": "something else", "version": 1, "tree": null}',
     "not an xarxa checkpoint.*metadata"),
    (b"[1, 2]", "not an xarxa checkpoint.*metadata"),
    (b'{"format": "xarxa-checkpoint", "version": "1", "tree": null}', "metadata is corrupt"),
    (b'{"format": "xarxa-checkpoint", "version": 1}', "metadata is corrupt"),
    (b'{"format": "xarxa-checkpoint", "version": 9, "tree": null}', "newer xarxa"),
])
def test_malformed_metadata(tmp_path, meta, match):
    refused(checkpoint(tmp_path / "c.npz", None, meta=meta), match)


def test_metadata_that_is_not_bytes(tmp_path):
    path = write_zip(tmp_path / "c.npz", {"__xarxa__.npy": npy(np.zeros(3))})
    refused(path, "metadata is corrupt.*float64")


@pytest.mark.parametrize("dtype", ["garbage", "|O", "<M8[D]", "|V8", "[('a', '<f4')]", 7,
                                   "(1000000000000,1000000000000)f8"])
def test_unknown_dtype_in_the_metadata(tmp_path, dtype):
    tree = {"array": "w", "shape": [2], "dtype": dtype}
    refused(checkpoint(tmp_path / "c.npz", tree, {"w": npy(np.zeros(2, np.float32))}),
            "array 'w' has an unknown dtype")


@pytest.mark.parametrize("descr, match", [
    ("garbage", "member 'w.npy' is corrupt or not a .npy array"),
    ("<M8[D]", "member 'w.npy' has dtype datetime64.*cannot hold"),
    ("|V8", "member 'w.npy' has dtype .*cannot hold"),
    ([("a", "<f4")], "member 'w.npy' has dtype .*cannot hold"),
    ("|O", "pickled data.*object array"),
])
def test_unknown_dtype_in_a_member(tmp_path, descr, match):
    # a plain archive (no metadata) and a checkpoint: the header is checked in both
    for meta in (False, True):
        members = {"w": npy_header((1,), descr) + b"\0" * 8}
        path = (checkpoint(tmp_path / "c.npz", W, members) if meta else
                write_zip(tmp_path / "p.npz", {"w.npy": members["w"]}))
        refused(path, match)


def test_deep_nesting(tmp_path):
    deep = b'{"list": [' * 100_000 + b"]}" * 100_000  # too deep for the JSON parser
    meta = b'{"format": "xarxa-checkpoint", "version": 1, "tree": ' + deep + b"}"
    refused(checkpoint(tmp_path / "a.npz", None, meta=meta), "nested too deeply")
    tree = 0
    for _ in range(MAX_DEPTH + 1):  # parses, but is deeper than any checkpoint
        tree = {"list": [tree]}
    refused(checkpoint(tmp_path / "b.npz", tree), f"nested deeper than {MAX_DEPTH} levels")
    # save refuses what load would refuse, a structure that contains itself included
    nested = 0
    for _ in range(MAX_DEPTH + 1):
        nested = [nested]
    loop = {"a": []}
    loop["a"].append(loop)
    for obj in (nested, loop):
        with pytest.raises(ValueError, match=f"save: .*nested deeper than {MAX_DEPTH}"):
            save(obj, tmp_path / "c.npz")
    nested = 0
    for _ in range(MAX_DEPTH):  # the deepest allowed round-trips
        nested = [nested]
    save(nested, tmp_path / "d.npz")
    assert load(tmp_path / "d.npz") == nested


def test_a_declared_shape_larger_than_the_file(tmp_path):
    member = npy_header((HUGE,), "<f8") + b"\0" * 16
    refused(write_zip(tmp_path / "plain.npz", {"w.npy": member}),
            rf"member 'w.npy' declares shape \({HUGE},\).* holds 16 bytes")
    refused(checkpoint(tmp_path / "c.npz", {"array": "w", "shape": [HUGE], "dtype": "<f8"},
                       {"w": member}), "declares shape")
    # fewer bytes than declared, but not absurdly so: still refused, not read short
    refused(write_zip(tmp_path / "short.npz", {"w.npy": npy(np.ones(4))[:-8]}),
            r"declares shape \(4,\) of float64 \(32 bytes\) but holds 24")


def test_a_member_whose_directory_entry_claims_more_bytes_than_the_file(tmp_path):
    # The zip directory's sizes are forged to 2 GiB, and the .npy header agrees with
    # them: only the file's own size shows the lie (reading would allocate 2 GiB).
    size = 2 ** 31 - 1
    header = npy_header((0,), "|u1")
    header = npy_header((size - len(header),), "|u1")
    path = write_zip(tmp_path / "forged.npz", {"w.npy": header + b"\0" * 8})
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 20:central + 28] = struct.pack("<II", size, size)
    path.write_bytes(bytes(raw))
    refused(path, f"members declare {size} bytes, more than the file's")


def test_compressed_members_are_refused_before_inflating(tmp_path):
    # a zip bomb in miniature: 8 MiB of zeros deflate to ~8 KiB
    np.savez_compressed(tmp_path / "bomb.npz", w=np.zeros(2 ** 20))
    assert (tmp_path / "bomb.npz").stat().st_size < 20_000
    refused(tmp_path / "bomb.npz", "member 'w.npy' is compressed.*zip bomb")
    # a declared shape too large to allocate, deflated: refused all the same
    member = npy_header((HUGE,), "<f8") + b"\0" * 64
    refused(write_zip(tmp_path / "d.npz", {"w.npy": member}, zipfile.ZIP_DEFLATED),
            "member 'w.npy' is compressed")


def test_duplicate_and_foreign_members(tmp_path):
    path = tmp_path / "dup.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(path, {"w.npy": npy(np.ones(2))}).unlink()
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("w.npy", npy(np.ones(2)))
            zf.writestr("w.npy", npy(np.zeros(2)))
    refused(path, "members appear twice: w.npy")
    refused(write_zip(tmp_path / "odd.npz", {"w.npy": npy(np.ones(2)), "readme.txt": b"hi"}),
            "not an xarxa checkpoint.*unexpected members readme.txt")


def test_a_corrupt_member_is_named(tmp_path):
    path = write_zip(tmp_path / "crc.npz", {"w.npy": npy(np.arange(4.0))})
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"PK\x01\x02") - 1] ^= 1  # a bit of the last value: the data ends there
    path.write_bytes(bytes(raw))
    refused(path, "member 'w.npy' is corrupt.*CRC")
