"""The harness of the compat scripts can fail: differing losses, text or numbers are
caught, the xarxa run cannot reach PyTorch, both runs read the same images."""
import numpy as np
import pytest
import torch

import xarxa as xa
from compat import _harness, _torchvision
from compat._harness import (Run, assert_same_output, assert_same_run, prepare_data,
                             run_script)
from xarxa.vision import datasets, transforms


def test_printed_numbers_within_tolerance_or_last_digit():
    assert_same_output("loss 0.12345 at 3\n", "loss 0.12346 at 3\n", rtol=1e-4, atol=0)
    assert_same_output("loss 0.1235\n", "loss 0.1234\n", rtol=0, atol=0)  # rounding
    assert_same_output("c = 1.2e-10\n", "c = -3.1e-10\n", rtol=1e-4, atol=1e-6)
    with pytest.raises(AssertionError, match="printed 0.1237 where PyTorch printed 0.1235"):
        assert_same_output("loss 0.1235\n", "loss 0.1237\n", rtol=1e-4, atol=0)
    with pytest.raises(AssertionError, match="printed text differs"):
        assert_same_output("loss 0.1235\n", "Loss 0.1235\n", rtol=1e-4, atol=0)
    with pytest.raises(AssertionError, match="printed text differs"):
        assert_same_output("BatchNorm2d(8, bias=True)\n", "BatchNorm2d(8)\n", 1e-4, 0)


def test_losses_are_compared_step_by_step(tmp_path):
    def run(losses):
        return Run({"losses": losses}, "", tmp_path)
    assert_same_run(run([1.0, 0.5]), run([1.00005, 0.49999]))
    with pytest.raises(AssertionError):
        assert_same_run(run([1.0, 0.5]), run([1.0, 0.5002]))
    with pytest.raises(AssertionError):
        assert_same_run(run([1.0, 0.5]), run([1.0]))
    with pytest.raises(AssertionError):
        assert_same_run(run([]), run([]))


def test_saved_weights_are_read_back_with_torch(tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "xarxa").mkdir()
    torch.save({"w": torch.ones(2)}, tmp_path / "torch" / "model.pth")
    expected = Run({"losses": [1.0]}, "", tmp_path / "torch")
    actual = Run({"losses": [1.0]}, "", tmp_path / "xarxa")
    with pytest.raises(AssertionError, match="did not save model.pth"):
        assert_same_run(expected, actual)
    xa.save({"w": xa.ones(2) * 1.1}, tmp_path / "xarxa" / "model.pth")
    with pytest.raises(AssertionError, match="model.pth"):
        assert_same_run(expected, actual)
    xa.save({"w": xa.ones(2)}, tmp_path / "xarxa" / "model.pth")
    assert_same_run(expected, actual)


def test_the_xarxa_run_cannot_import_torch(tmp_path):
    with pytest.raises(ImportError):
        run_script("import torch\n", "s.py", tmp_path, "xarxa")
    with pytest.raises(ImportError):
        run_script("from torchvision import datasets\n", "s.py", tmp_path, "xarxa")
    assert torch.nn.Linear(2, 3).weight.shape == (3, 2)   # torch is back afterwards
    run = run_script("import xarxa as torch\nlosses = [torch.ones(()).item()]\nprint(1)\n",
                     "s.py", tmp_path, "xarxa")
    assert run.losses == [1.0] and run.output == "1\n"


@pytest.mark.parametrize("real", [True, False])
def test_both_runs_read_the_same_images(tmp_path, monkeypatch, real):
    if not real:   # the made-up files used where Fashion-MNIST is not installed
        monkeypatch.setattr(_harness, "FASHION_DIR", tmp_path / "absent")
    elif not _harness.FASHION_DIR.is_dir():
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    prepare_data(tmp_path)
    root = str(tmp_path / "data")
    tv = _torchvision.modules()["torchvision"]
    normalize = (0.1307,), (0.3081,)
    for train in (True, False):
        ours = datasets.FashionMNIST(root, train=train, transform=transforms.Compose(
            [transforms.ToTensor(), transforms.Normalize(*normalize)]))
        theirs = tv.datasets.FashionMNIST(root, train=train, transform=tv.transforms.Compose(
            [tv.transforms.ToTensor(), tv.transforms.Normalize(*normalize)]))
        assert len(ours) == len(theirs) > 0
        np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
        np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
        for i in (0, len(ours) - 1):
            (x, y), (tx, ty) = ours[i], theirs[i]
            assert x.dtype == xa.float32 and x.shape == (1, 28, 28) and y == ty
            np.testing.assert_array_equal(x.numpy(), tx.numpy())
    if real:
        assert theirs[0][1] == 9      # the first test image is an ankle boot


def test_shapes_and_dtypes_print_as_pytorch_prints_them():
    x, y = xa.zeros(64, 1, 28, 28), xa.zeros(64, dtype=xa.int64)
    assert f"{x.shape} {y.shape} {y.dtype} {xa.zeros(()).shape}" == \
        f"{torch.zeros(64, 1, 28, 28).shape} {torch.zeros(64).shape} {torch.int64} " \
        f"{torch.zeros(()).shape}"
    assert_same_output("torch.Size([3, 2])\n", "torch.Size([3, 2])\n", 1e-4, 1e-6)
    with pytest.raises(AssertionError, match="printed 2 where PyTorch printed 3"):
        assert_same_output("torch.Size([3, 2])\n", "torch.Size([2, 3])\n", 1e-4, 1e-6)
    with pytest.raises(AssertionError, match="the printed text differs"):
        assert_same_output("torch.Size([3, 2])\n", "(3, 2)\n", 1e-4, 1e-6)
    with pytest.raises(AssertionError, match="printed 61 where PyTorch printed 60"):
        assert_same_output("Accuracy: 60/128\n", "Accuracy: 61/128\n", 1e-4, 1e-6)


def test_global_switches_a_script_flips_are_restored(tmp_path):
    script = ("import torch\ntorch.use_deterministic_algorithms(True)\n"
              "torch.set_default_dtype(torch.float64)\nlosses = [1.0]\n")
    run_script(script, "s.py", tmp_path, "torch")
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.get_default_dtype() == torch.float32
    from compat._rewrite import to_xarxa
    run_script(to_xarxa(script), "s.py", tmp_path, "xarxa")
    assert not xa.are_deterministic_algorithms_enabled()
    assert xa.get_default_dtype() == xa.float32
