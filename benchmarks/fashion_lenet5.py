"""LeNet-5 on Fashion-MNIST, xarxa vs PyTorch: the same initial weights, the same batches,
the same optimizer; test accuracy and training time per epoch side by side.

    python benchmarks/fashion_lenet5.py [epochs]     # needs the dataset-fashion-mnist files

Epochs alternate between the libraries (xarxa, torch, torch, xarxa, …) so that a machine
that slows down mid-run penalises neither; the time ratio is the median of per-epoch ratios.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

BATCH, LR, MOMENTUM = 64, 0.05, 0.9


def torch_lenet5():
    import torch.nn as tnn
    return tnn.Sequential(  # the same layers, in the same order, as xarxa.models.LeNet5
        tnn.ZeroPad2d(2),
        tnn.Sequential(tnn.Conv2d(1, 6, 5), tnn.Tanh(), tnn.AvgPool2d(2), tnn.Tanh(),
                       tnn.Conv2d(6, 16, 5), tnn.Tanh(), tnn.AvgPool2d(2), tnn.Tanh()),
        tnn.Sequential(tnn.Flatten(), tnn.Linear(400, 120), tnn.Tanh(), tnn.Linear(120, 84),
                       tnn.Tanh(), tnn.Linear(84, 10)))


def main() -> None:
    import torch

    import xarxa as xa
    import xarxa.nn.functional as F
    from xarxa import optim
    from xarxa.models import LeNet5

    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    print(harness.environment())
    train, test = xa.datasets.fashion_mnist(train=True), xa.datasets.fashion_mnist(train=False)
    x_train, y_train = train.tensors[0].numpy(), train.tensors[1].numpy()
    x_test, y_test = test.tensors[0].numpy(), test.tensors[1].numpy()

    xa.manual_seed(0)
    ours = LeNet5()
    theirs = torch_lenet5()
    theirs[1].load_state_dict({k.removeprefix("features."): torch.tensor(v.numpy())
                               for k, v in ours.state_dict().items() if k.startswith("features")})
    theirs[2].load_state_dict({k.removeprefix("classifier."): torch.tensor(v.numpy())
                               for k, v in ours.state_dict().items()
                               if k.startswith("classifier")})
    opt_x = optim.SGD(ours.parameters(), lr=LR, momentum=MOMENTUM)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=LR, momentum=MOMENTUM)
    rng = np.random.default_rng(0)

    def epoch_xarxa(order):
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt_x.zero_grad()
            F.cross_entropy(ours(xa.tensor(x_train[idx])), xa.tensor(y_train[idx])).backward()
            opt_x.step()

    def epoch_torch(order):
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt_t.zero_grad()
            torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x_train[idx])),
                                              torch.from_numpy(y_train[idx])).backward()
            opt_t.step()

    def accuracy_xarxa():
        with xa.no_grad():
            return float(np.mean([(ours(xa.tensor(x_test[i:i + 1000])).numpy().argmax(1)
                                   == y_test[i:i + 1000]).mean()
                                  for i in range(0, len(x_test), 1000)]))

    def accuracy_torch():
        with torch.no_grad():
            return float(np.mean([(theirs(torch.from_numpy(x_test[i:i + 1000])).numpy()
                                   .argmax(1) == y_test[i:i + 1000]).mean()
                                  for i in range(0, len(x_test), 1000)]))

    ratios = []
    print(f"LeNet-5, Fashion-MNIST, batch {BATCH}, SGD lr {LR} momentum {MOMENTUM}")
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        runs = [("xarxa", epoch_xarxa), ("torch", epoch_torch)]
        if epoch % 2 == 0:
            runs.reverse()
        seconds = {}
        for name, run in runs:
            start = time.perf_counter()
            run(order)
            seconds[name] = time.perf_counter() - start
        ratios.append(seconds["xarxa"] / seconds["torch"])
        print(f"epoch {epoch}: xarxa {seconds['xarxa']:6.1f} s test acc {accuracy_xarxa():.4f}"
              f"   torch {seconds['torch']:6.1f} s test acc {accuracy_torch():.4f}")
    print(f"time ratio (xarxa / torch, median per epoch): {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
