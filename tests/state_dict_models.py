"""The same small models built with torch or xarxa (same layer names, so state dicts match),
for the weight-file tests in tests/io/. It sits in tests/ itself because a folder named io
cannot be imported as a package: the standard library's io is loaded before any test."""
import numpy as np


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))


def inputs(model_name: str) -> np.ndarray:
    shape = (4, 5) if model_name == "mlp" else (2, 3, 8, 8)
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def trained_torch(model_name: str):
    """A torch model whose batch-norm running statistics are not the initial ones."""
    import torch
    torch.manual_seed(0)
    model = {"mlp": mlp, "cnn": cnn}[model_name](torch)
    with torch.no_grad():
        for _ in range(3):  # train-mode forwards update the running statistics
            model(torch.randn(*inputs(model_name).shape) * 2 + 1)
    return model.eval()
