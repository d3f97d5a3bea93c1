"""`xarxa train --out DIR` that cannot be written: refused before the first epoch, naming
the directory; a full disk while saving names the file and keeps the previous checkpoint."""
import errno
import os
import tempfile

import pytest

import xarxa as xa
from xarxa import serialization
from xarxa.apps.cli import main
from xarxa.apps.train import run as run_module


def _creates(directory: str) -> bool:
    try:
        tempfile.NamedTemporaryFile(dir=directory).close()
    except OSError:
        return False
    return True


@pytest.fixture
def unwritable_dir(tmp_path):
    """An existing directory in which creating a file really fails. The tests run as root,
    whom permission bits do not stop: then a kernel file system's directory (/sys, /proc)."""
    mine = tmp_path / "read-only"
    mine.mkdir()
    mine.chmod(0o555)
    candidates = [str(mine), "/sys", "/proc"]
    found = next((d for d in candidates if os.path.isdir(d) and not _creates(d)), None)
    if found is None:
        pytest.skip("no directory here refuses to have a file created in it")
    yield found
    mine.chmod(0o755)


def test_an_unwritable_out_directory_is_refused_before_the_first_epoch(unwritable_dir, capsys,
                                                                        monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("fit ran: --out was not checked before training")
    monkeypatch.setattr(run_module, "fit", no_fit)
    assert main(["train", "--dataset", "xor", "--epochs", "2", "--no-progress", "--out",
                 unwritable_dir]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xarxa train: error: --out {unwritable_dir}: cannot write into "
                          "the directory (")
    assert len(err.splitlines()) == 1 and ".xarxa-tmp" not in err
    assert not os.path.exists(os.path.join(unwritable_dir, "checkpoint.npz"))


def test_a_full_disk_while_saving_names_the_file_and_keeps_the_last_checkpoint(
        tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    ckpt = out / "checkpoint.npz"
    real_format, saves = serialization._format, []

    def format_failing_after_the_first_save(path):
        fmt = real_format(path)
        saves.append(path)
        if len(saves) == 1:
            return fmt

        class Full:  # the disk fills up half way through the second checkpoint
            @staticmethod
            def writer(obj):
                def write(f):
                    f.write(b"half a checkpoint")
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return write
        return Full

    monkeypatch.setattr(serialization, "_format", format_failing_after_the_first_save)
    assert main(["train", "--dataset", "xor", "--epochs", "3", "--no-progress", "--out",
                 str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("xarxa train: error: ") and str(ckpt) in err
    assert "No space left on device" in err
    monkeypatch.setattr(serialization, "_format", real_format)
    assert xa.load(ckpt)["epoch"] == 1  # the first epoch's checkpoint, intact
    assert sorted(os.listdir(out)) == ["checkpoint.npz"]  # no temporary file left behind


def test_a_full_disk_while_writing_the_metrics_names_the_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    real_dump = run_module.json.dump

    def full(obj, f, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(run_module.json, "dump", full)
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--no-progress", "--out",
                 str(out)]) == 2
    monkeypatch.setattr(run_module.json, "dump", real_dump)
    err = capsys.readouterr().err
    assert str(out / "metrics.json") in err and "No space left on device" in err
    assert "checkpoint.npz" in os.listdir(out)
