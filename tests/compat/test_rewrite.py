"""`to_xarxa`, the one edit the acceptance scenario allows: imports of torch and
torchvision pointed at xarxa, every other character of the script left alone."""
import pytest

import xarxa
import xarxa.nn.functional
import xarxa.vision
from compat._rewrite import to_xarxa, xarxa_module


@pytest.mark.parametrize("line, expected", [
    ("import torch", "import xarxa as torch"),
    ("import torch.nn as nn", "import xarxa.nn as nn"),
    ("import torch.nn.functional as F", "import xarxa.nn.functional as F"),
    ("import torch.optim as optim", "import xarxa.optim as optim"),
    ("from torch import nn", "from xarxa import nn"),
    ("from torch import nn, optim", "from xarxa import nn, optim"),
    ("from torch.utils.data import DataLoader, Dataset",
     "from xarxa.utils.data import DataLoader, Dataset"),
    ("from torch.optim.lr_scheduler import StepLR", "from xarxa.optim.lr_scheduler import StepLR"),
    ("from torchvision import datasets, transforms",
     "from xarxa.vision import datasets, transforms"),
    ("from torchvision.transforms import ToTensor", "from xarxa.vision.transforms import ToTensor"),
    ("import torchvision", "import xarxa.vision as torchvision"),
    ("import torchvision.transforms as T", "import xarxa.vision.transforms as T"),
    ("import torch.nn", "import xarxa.nn, xarxa as torch"),
    ("import torch.utils.data", "import xarxa.utils.data, xarxa as torch"),
    ("import torchvision.transforms",
     "import xarxa.vision.transforms, xarxa.vision as torchvision"),
    ("import math, torch", "import math, xarxa as torch"),
    ("import torch as th", "import xarxa as th"),
])
def test_each_import_form(line, expected):
    assert to_xarxa(line + "\n") == expected + "\n"


@pytest.mark.parametrize("line", [
    "import numpy as np", "import torchaudio", "from torchtext import data",
    "import mytorch", "from . import torch", "from .torch import nn",
    "x = torch.randn(3)  # import torch", "torch.nn.functional.relu(x)",
])
def test_other_lines_are_left_alone(line):
    assert to_xarxa(line + "\n") == line + "\n"


def test_only_import_statements_change():
    source = '''"""A script.

import torch   (a docstring line, not an import)
"""
import math
import torch  # the framework
import torch.nn.functional as F
from torch.utils.data import (
    DataLoader,
    TensorDataset,   # tensors in, tensors out
)

s = "import torch"
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def f():
    import torch.nn as nn
    return nn.Linear(2, 3)
'''
    expected = source.replace("import torch  #", "import xarxa as torch  #") \
        .replace("import torch.nn.functional as F", "import xarxa.nn.functional as F") \
        .replace("from torch.utils.data import (", "from xarxa.utils.data import (") \
        .replace("    import torch.nn as nn", "    import xarxa.nn as nn")
    assert to_xarxa(source) == expected
    changed = [a for a, b in zip(source.splitlines(), to_xarxa(source).splitlines()) if a != b]
    assert len(changed) == 4


def test_two_statements_on_a_line_and_unicode_before_them():
    source = "ñ = 'é'; import torch; import torch.nn as nn  # ü\n"
    assert to_xarxa(source) == "ñ = 'é'; import xarxa as torch; import xarxa.nn as nn  # ü\n"


def test_rewritten_imports_bind_xarxa():
    namespace = {}
    exec(to_xarxa("import torch\nimport torch.nn.functional as F\n"
                  "from torchvision import datasets\nimport torch.nn\n"), namespace)
    assert namespace["torch"] is xarxa and namespace["F"] is xarxa.nn.functional
    assert namespace["datasets"] is xarxa.vision.datasets
    assert namespace["torch"].nn is xarxa.nn


def test_module_mapping():
    assert xarxa_module("torch") == "xarxa"
    assert xarxa_module("torch.optim.lr_scheduler") == "xarxa.optim.lr_scheduler"
    assert xarxa_module("torchvision.models") == "xarxa.vision.models"
    assert xarxa_module("torchaudio") is None and xarxa_module("numpy") is None


def test_invalid_python_is_refused():
    with pytest.raises(SyntaxError):
        to_xarxa("import torch\nif True print(1)\n")
