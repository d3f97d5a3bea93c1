"""The arrows point one way (DESIGN "Layout", principle 7): the core imports NumPy only,
`tensor`/`autograd` know nothing of `nn`, `nn` nothing of `optim`/`data`/`train`, and the
applications (`xarxa/apps/`) sit on top of everything: no library module imports them, and
`import xarxa` loads none. Checked statically on every module's imports."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xarxa"
THIRD_PARTY_ALLOWED = {"numpy"}
# lazily imported (inside functions): by the layers on top, and CuPy by the backend
LAZY_ALLOWED = {"tqdm", "matplotlib", "torch", "mpi4py", "PIL", "onnx", "onnxruntime", "netron",
                "threadpoolctl"}
LAZY_ALLOWED_CORE = {"cupy"}
CORE = ("tensor", "creation", "dtypes", "random", "backend", "_tensor_ops", "autograd", "nn",
        "optim", "metric_learning", "metrics", "data")
# part -> the parts of xarxa it must never import
FORBIDDEN = {
    "tensor": {"nn", "optim", "data", "train", "cli", "models", "inspect"},
    "autograd": {"nn", "optim", "data", "train", "cli", "models", "inspect"},
    "nn": {"optim", "data", "train", "cli", "models"},
    "optim": {"data", "train", "cli", "models"},
    "metric_learning": {"optim", "data", "train", "cli"},
    "data": {"nn", "optim", "train", "cli", "models"},
    "models": {"train", "cli"},
    "train": {"cli"},
    "distributed": {"nn", "optim", "data", "train", "cli", "models", "inspect"},
}
# The applications, and the entry points that only hand over to them: `python -m xarxa`,
# `python -m xarxa.run` and the old `python -m xarxa.cli` (kept working, with a deprecation).
APPLICATIONS = {"apps", "__main__", "cli", "run"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _imports(path: Path, parts: tuple):
    """(absolute module name, imported at module level?) for every import in `path`."""
    tree = ast.parse(path.read_text())
    package = ["xarxa", *parts[:-1]] if parts[-1] != "__init__" else ["xarxa", *parts[:-1]]
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            yield name, id(node) in top_level


def _part(parts: tuple) -> str:
    return parts[0]


@pytest.mark.parametrize("path, parts", list(_modules()),
                         ids=lambda p: "/".join(p) if isinstance(p, tuple) else "")
def test_imports_point_one_way(path, parts):
    part = _part(parts)
    for name, top_level in _imports(path, parts):
        root = name.split(".")[0]
        if root == "xarxa":
            target = name.split(".")[1] if name.count(".") else ""
            forbidden = FORBIDDEN.get(part, set())
            if part not in APPLICATIONS:
                forbidden = forbidden | APPLICATIONS
            assert target not in forbidden, \
                f"xarxa/{'/'.join(parts)}.py imports {name}: {part} must not depend on {target}"
        elif root in sys.stdlib_module_names or root == "__future__":
            continue
        elif part in CORE:
            assert root in THIRD_PARTY_ALLOWED or (root in LAZY_ALLOWED_CORE and not top_level), \
                f"xarxa/{'/'.join(parts)}.py imports {name}: the core imports NumPy only"
        else:
            assert root in THIRD_PARTY_ALLOWED or (root in LAZY_ALLOWED and not top_level), \
                f"xarxa/{'/'.join(parts)}.py imports {name} at module level"


def test_every_package_is_checked():
    """Each folder of xarxa/ is a library part with its rules, or an application."""
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders - APPLICATIONS, "no library packages found"
    for folder in folders - APPLICATIONS:
        assert any(parts[0] == folder for _, parts in _modules())


def test_import_xarxa_loads_no_application():
    code = "import sys, xarxa; print(sorted(m for m in sys.modules if m.startswith('xarxa.apps')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_old_import_paths_still_work_with_a_deprecation():
    code = ("import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
            "import xarxa\n"
            "try:\n    import xarxa.train.tasks\nexcept DeprecationWarning as w:\n"
            "    print(w)\n"
            "warnings.simplefilter('ignore')\n"
            "from xarxa.solve import solve\nimport xarxa.apps.solve as new\n"
            "print(solve is new.solve)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    moved, same = out.stdout.strip().splitlines()
    assert moved == "xarxa.train.tasks moved to xarxa.apps.train.tasks; import it from there"
    assert same == "True"


def test_python_m_xarxa_cli_still_runs():
    for module in ("xarxa", "xarxa.cli"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0 and "train" in out.stdout, out.stderr


def test_import_xarxa_loads_no_heavy_dependency():
    code = ("import sys, xarxa; "
            "print(sorted(m for m in ('torch', 'matplotlib', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
