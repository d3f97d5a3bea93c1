"""xarxa's namespaces against PyTorch's (DESIGN principle 2): `xarxa` against `torch`,
`xarxa.nn` against `torch.nn`, `xarxa.nn.functional` against `torch.nn.functional` and
`xarxa.optim` against `torch.optim`. Every public name xarxa has that PyTorch lacks at that
place is listed in EXTRAS with one line saying why, so a new one fails here until it is
justified (or moved where PyTorch keeps it); names that moved away still resolve, with a
DeprecationWarning naming their new place; and every `__all__` entry exists."""
import ast
import importlib
import pkgutil
import types
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn
import torch.nn.functional
import torch.onnx  # noqa: F401  (torch loads it lazily: dir(torch) lists it once imported)
import torch.optim

import xarxa

PACKAGE = Path(xarxa.__file__).parent

# place -> {name PyTorch lacks there: why xarxa has it}
EXTRAS = {
    "xarxa": {
        "data": "torch.utils.data's names in one short package (also xa.utils.data)",
        "datasets": "the shipped and IDX datasets of DESIGN 'Data' (xa.datasets.digits())",
        "inspect": "the notes' forward/backward tables, graph drawings, receptive fields "
                   "(torch's `inspect` is the stdlib module)",
        "io": "the weight formats behind save/load: npz, pth allow-list, safetensors",
        "metric_learning": "the notes' metric learning: distances, miners, Siamese nets",
        "metrics": "classification and segmentation metrics used by the notes' exercises",
        "models": "the notes' architectures (perceptron, MLP, LeNet-5, U-Net, ...)",
        "plot": "the notes' figures: learning curves, landscapes, trajectories",
        "train": "the training loop and tasks behind the CLI (moves to apps/ later)",
    },
    "xarxa.nn": {
        "BedOfNailsUnpool": "the notes' bed-of-nails unpooling (§1.6)",
        "DenseBlock": "the notes' DenseNet block (skip connections by concatenation)",
        "ResidualBlock": "the notes' ResNet block (skip connections by addition)",
        "Step": "the perceptron's Heaviside step activation of the notes",
        "HingeLoss": "the notes' binary hinge loss max(0, 1 − y·ŷ)",
        "FocalLoss": "the notes' focal loss for class imbalance (softmax form)",
        "SigmoidFocalLoss": "the focal loss of binary logits (torchvision.ops' function)",
    },
    "xarxa.nn.functional": {
        "step": "the perceptron's Heaviside step of the notes (1 at 0, gradient 0)",
        "bed_of_nails_unpool": "the notes' bed-of-nails unpooling (§1.6)",
        "hinge_loss": "the notes' binary hinge loss max(0, 1 − y·ŷ)",
        "focal_loss": "the notes' focal loss for class imbalance (softmax form)",
        "sigmoid_focal_loss": "the focal loss of binary logits (torchvision.ops' function)",
        "class_weights": "the notes' class weights α_k = 1/f_k for the weighted losses",
    },
    "xarxa.optim": {},
}
TORCH = {"xarxa": torch, "xarxa.nn": torch.nn, "xarxa.nn.functional": torch.nn.functional,
         "xarxa.optim": torch.optim}
# the moved-names tables, old name -> new path or (new path, advice)
MOVED = {"xarxa": "xarxa._MOVED", "xarxa.nn": "xarxa.nn._MOVED",
         "xarxa.nn.functional": "xarxa.nn.functional._MOVED"}


def _public(module) -> set:
    return {name for name in dir(module) if not name.startswith("_")}


def _torch_public(module) -> set:
    """PyTorch's names at a place, less the stdlib modules it happens to import there."""
    return {name for name in _public(module)
            if not (isinstance(getattr(module, name), types.ModuleType)
                    and not getattr(module, name).__name__.startswith("torch"))}


def _moved(place: str) -> dict:
    module, _, table = MOVED[place].rpartition(".")
    return getattr(importlib.import_module(module), table)


@pytest.mark.parametrize("place", list(EXTRAS))
def test_every_name_pytorch_lacks_is_justified(place):
    ours = _public(importlib.import_module(place))
    extra = ours - _torch_public(TORCH[place])
    unjustified = sorted(extra - set(EXTRAS[place]))
    assert not unjustified, (f"{place} has names PyTorch lacks there: {unjustified}; move them "
                             "where PyTorch keeps them or justify them in EXTRAS")
    stale = sorted(set(EXTRAS[place]) - extra)
    assert not stale, f"EXTRAS[{place!r}] justifies names that are gone or PyTorch's: {stale}"
    assert all(why.strip() for why in EXTRAS[place].values())


@pytest.mark.parametrize("place", list(EXTRAS))
def test_dir_is_all_and_nothing_else_leaks(place):
    module = importlib.import_module(place)
    assert _public(module) == set(module.__all__)
    assert len(module.__all__) == len(set(module.__all__)), "a name listed twice"
    leaked = sorted(name for name, value in vars(module).items()
                    if not name.startswith("_") and name not in module.__all__
                    and not isinstance(value, types.ModuleType))
    assert not leaked, f"{place} binds public names outside __all__: {leaked}"


@pytest.mark.parametrize("place", list(EXTRAS))
def test_star_import_gives_all_without_warnings(place):
    scope = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(f"from {place} import *", scope)
    assert set(scope) - {"__builtins__"} == set(importlib.import_module(place).__all__)


def test_a_function_in_both_xa_and_f_is_in_both_in_pytorch():
    import xarxa.nn.functional as F
    both = {name for name in set(xarxa.__all__) & set(F.__all__)
            if callable(getattr(xarxa, name))}
    for name in both:
        assert getattr(xarxa, name) is getattr(F, name), name
    one_place = sorted(name for name in both if not (hasattr(torch, name)
                                                      and hasattr(torch.nn.functional, name)))
    assert not one_place, f"in xa and F though PyTorch has them at one place: {one_place}"


@pytest.mark.parametrize("place", list(MOVED))
def test_moved_names_warn_with_their_new_path_and_stay_out_of_dir(place):
    module = importlib.import_module(place)
    for name, target in _moved(place).items():
        path = target[0] if isinstance(target, tuple) else target
        assert name not in module.__all__ and name not in dir(module), name
        with pytest.warns(DeprecationWarning, match=rf"{place}\.{name} is deprecated.*"
                                                    rf"{path.replace('.', '[.]')}"):
            value = getattr(module, name)
        owner, _, attr = path.rpartition(".")
        assert value is getattr(importlib.import_module(owner), attr), name
    with pytest.raises(AttributeError, match=f"module '{place}' has no attribute 'nope'"):
        getattr(module, "nope")


def test_moved_names_keep_working_from_imports():
    with pytest.warns(DeprecationWarning, match="use xarxa.nn.functional.gelu"):
        from xarxa import gelu
    import xarxa.nn.functional as F
    assert gelu is F.gelu
    with pytest.warns(DeprecationWarning, match="use Tensor.view"):
        view = xarxa.view
    assert view(xarxa.ones(2, 3), 3, 2).shape == (3, 2)


def test_bool_is_pytorchs_dtype_name():
    assert xarxa.tensor([True]).dtype == xarxa.bool == torch.tensor([True]).numpy().dtype
    assert (xarxa.ones(2) == 1.0).dtype == xarxa.bool
    assert xarxa.ones(2, dtype=xarxa.bool).dtype == xarxa.bool


def _modules():
    for info in pkgutil.walk_packages(xarxa.__path__, "xarxa."):
        yield importlib.import_module(info.name)


def test_every_all_entry_exists():
    missing = [f"{m.__name__}.{name}" for m in _modules() for name in getattr(m, "__all__", ())
               if name not in vars(m)]
    assert not missing, f"__all__ lists names that are not defined: {missing}"


def _star_imported_modules():
    """(importer, module) for every `from X import *` inside the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["xarxa", *path.relative_to(PACKAGE).with_suffix("").parts]
        package = parts[:-1]    # the package a relative import starts from
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                base = package[:len(package) - node.level + 1] if node.level else []
                yield path, ".".join(base + ([node.module] if node.module else []))


def test_star_imported_modules_spell_out_all():
    for importer, name in _star_imported_modules():
        source = Path(importlib.import_module(name).__file__)
        lists = [node for node in ast.parse(source.read_text()).body
                 if isinstance(node, ast.Assign)
                 and any(getattr(t, "id", None) == "__all__" for t in node.targets)]
        assert lists, f"{importer} star-imports {name}, which has no __all__"
    for namespace in ("__init__.py", "nn/functional.py"):
        assert not any(p == PACKAGE / namespace for p, _ in _star_imported_modules()), \
            f"xarxa/{namespace} star-imports: import its names explicitly"
