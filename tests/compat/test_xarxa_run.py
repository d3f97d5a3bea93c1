"""`xarxa run`: a PyTorch program with no edit at all runs on xarxa, in an environment where
PyTorch is installed (the test extra's oracle): every ``torch…``/``torchvision…`` import of
the program is xarxa's (`xarxa.compat`). Checked by what the program prints: the module its
tensors come from, and the same numbers as its run under PyTorch (`_harness`), alone and
as two ranks under ``mpiexec``; PyTorch names xarxa lacks fail at once, naming the name.
The programs run in fresh processes: this one has the real torch imported."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compat._harness import SCRIPTS, assert_same_output, run_script
from distributed import _mpi
from xarxa import compat
from xarxa.apps import cli, run as run_app

BIN = Path(sys.executable).parent
SCRIPT = SCRIPTS / "unedited_train.py"


def _run(cmd, cwd, timeout=60):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                         timeout=timeout, env=env)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def _split_library(output: str) -> tuple[str, str]:
    first, _, rest = output.partition("\n")
    return first, rest


def test_an_unedited_script_runs_on_xarxa_and_prints_what_pytorch_prints(tmp_path,
                                                                        monkeypatch):
    assert "site-packages" in sys.modules["torch"].__file__  # the real PyTorch is installed
    args = ["--epochs", "3", "-b", "24"]  # options of the script's own, after its name
    (tmp_path / "torch").mkdir()
    monkeypatch.setattr(sys, "argv", [SCRIPT.name, *args])
    expected = run_script(SCRIPT.read_text(), SCRIPT.name, tmp_path / "torch", "torch")
    (tmp_path / "xarxa").mkdir()
    shutil.copy(tmp_path / "torch" / "initial_weights.pth", tmp_path / "xarxa")
    output = _run([BIN / "xarxa", "run", SCRIPT, *args], cwd=tmp_path / "xarxa")
    assert _split_library(expected.output)[0] == "library: torch"
    assert _split_library(output)[0] == "library: xarxa"
    assert output.count("epoch ") == 3
    assert_same_output(_split_library(expected.output)[1], _split_library(output)[1],
                       rtol=1e-4, atol=1e-6)


def test_under_mpiexec_every_rank_runs_the_script_on_xarxa(tmp_path):
    shutil.copy(SCRIPT, tmp_path)
    result = _mpi.check(_mpi.run([SCRIPT.name, "--epochs", "1"], n=2, cwd=tmp_path,
                                 program=[sys.executable, "-m", "xarxa.run"],
                                 env={"WORLD_SIZE": "2"}))
    out = result.stdout  # the ranks' lines may interleave
    assert out.count("library: xarxa") == 1 and len(re.findall(r"accuracy \d+/96", out)) == 1
    assert sorted(re.findall(r"rank (\d): 2 ranks, library xarxa", out)) == ["0", "1"]


CHECKS = '''
import json, sys
import xarxa.compat; xarxa.compat.install()     # the notebook line, before `import torch`
import torch
import torch.nn as nn
from torch.utils.data import DataLoader
import torchvision
import xarxa

found = {"modules": [m.__name__ for m in (torch, nn, torch.utils.data, torchvision)],
         "same_objects": [torch.Tensor is xarxa.Tensor, nn.Linear is xarxa.nn.Linear,
                          DataLoader is xarxa.utils.data.DataLoader,
                          torchvision.transforms.ToTensor is xarxa.vision.transforms.ToTensor],
         "tensor_module": type(torch.ones(2)).__module__, "argv": sys.argv[1:],
         "real_torch_loaded": any(getattr(m, "__file__", None) and "site-packages" in m.__file__
                                  for n, m in list(sys.modules.items())
                                  if n.split(".")[0] in ("torch", "torchvision"))}
torch.backends.cudnn.benchmark = True              # sets xarxa's
found["setattr_reaches_xarxa"] = xarxa.backends.cudnn.benchmark is True
found["hasattr_missing"] = hasattr(torch, "compile")
errors = {}
for code in ("torch.compile", "torch.nn.Transformer", "import torch.jit",
             "from torch import compile", "from torch.nn import Transformer",
             "import torchvision.ops", "import torch.apps"):
    try:
        exec(code) if code.split()[0] in ("import", "from") else eval(code)
        errors[code] = None
    except Exception as error:
        errors[code] = [type(error).__name__, str(error),
                        isinstance(error, xarxa.compat.NotInXarxa),
                        isinstance(error, (AttributeError, ModuleNotFoundError))]
found["errors"] = errors
print(json.dumps(found))
'''


def test_the_notebook_line_maps_every_import_and_names_what_is_missing(tmp_path):
    (tmp_path / "checks.py").write_text(CHECKS)
    found = json.loads(_run([sys.executable, "checks.py", "-x", "--y"], cwd=tmp_path))
    assert found["modules"] == ["torch", "torch.nn", "torch.utils.data", "torchvision"]
    assert all(found["same_objects"]) and found["tensor_module"] == "xarxa.tensor"
    assert found["argv"] == ["-x", "--y"] and not found["real_torch_loaded"]
    assert found["setattr_reaches_xarxa"] and found["hasattr_missing"] is False
    kinds = {"torch.compile": "MissingName", "torch.nn.Transformer": "MissingName"}
    for code, (kind, message, ours, standard) in found["errors"].items():
        name = code.split()[-1] if code.startswith("import") else \
            code.replace("from ", "").replace(" import ", ".")
        assert kind == kinds.get(code, "MissingModule"), code
        assert message.startswith(f"{name} is not implemented in xarxa"), (code, message)
        assert ours and standard, code


def test_xarxa_run_m_runs_a_module_such_as_pytest(tmp_path):
    (tmp_path / "test_it.py").write_text(textwrap.dedent('''
        import torch
        import torch.nn.functional as F

        def test_torch_is_xarxa():
            assert type(torch.tensor(1)).__module__ == "xarxa.tensor"
            assert F.relu(torch.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
        '''))
    output = _run([BIN / "xarxa", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "test_it.py"], cwd=tmp_path)
    assert "1 passed" in output


# -- in this process: the pieces that do not need a fresh interpreter -----------------------

def test_module_names_map_to_xarxa():
    assert compat.xarxa_module("torch") == "xarxa"
    assert compat.xarxa_module("torch.optim.lr_scheduler") == "xarxa.optim.lr_scheduler"
    assert compat.xarxa_module("torchvision.transforms") == "xarxa.vision.transforms"
    assert compat.xarxa_module("torchaudio") is None and compat.xarxa_module("numpy") is None


def test_install_refuses_once_pytorch_is_imported():
    with pytest.raises(RuntimeError, match="torch is already imported.*before any "
                                           "`import torch`"):
        compat.install()
    assert not compat.installed()


def test_every_argument_after_run_is_the_scripts():
    parser = cli._parser()
    for argv in (["s.py", "-h", "--epochs", "3", "--"], ["-m", "pytest", "-q", "-x"]):
        assert parser.parse_args(["run", *argv]).argv == argv


def test_usage_and_errors_of_xarxa_run(capsys, monkeypatch, tmp_path):
    assert run_app.main([]) == 2 and "usage: xarxa run script.py" in capsys.readouterr().err
    assert run_app.main(["--help"]) == 0 and "-m module" in capsys.readouterr().out
    assert run_app.main(["--epochs"]) == 2
    assert "unknown option '--epochs'" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run_app.main(["no-such-script"]) == 2
    assert "can't open file 'no-such-script'" in capsys.readouterr().err


def test_a_console_script_is_found_on_path(monkeypatch, tmp_path):
    (tmp_path / "tool").write_text("#!/bin/sh\necho not python\n")
    (tmp_path / "tool").chmod(0o755)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{tmp_path}")
    assert run_app._find_script("pytest") == str(BIN / "pytest")
    with pytest.raises(FileNotFoundError, match="no Python console script"):
        run_app._find_script("tool")  # on PATH, but not a Python program
