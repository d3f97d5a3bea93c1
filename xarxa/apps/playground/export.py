"""The "export" button: a standalone Python script that rebuilds a run's data, network and
training with xarxa and prints the losses the playground showed, from the same seed.

The script is written from the same descriptions the run is built from (`build`'s
`*_call` functions: the names of xarxa's public callables and their arguments), so the two
cannot drift apart silently; `tests/playground` runs an exported script and compares.
"""
from __future__ import annotations

from .build import (ACTIVATION_MODULES, FEATURE_FUNCTIONS, data_call, loss_call,
                    optimizer_call, schedule_call)
from .config import LOGIT_LOSSES, Config

LOG_EVERY = 100


def _args(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def describe(c: Config) -> str:
    """One line: the data, the network and the training."""
    sizes = "-".join(str(s) for s in (len(c.features), *c.hidden, 1))
    batch = {None: "full batch", 1: "one sample per update"}.get(
        c.batch_len, f"mini-batches of {c.batch_len}")
    return (f"{c.dataset}, {c.points} points (noise {c.noise:g}), features "
            f"{', '.join(c.features)}; a {sizes} {c.activation} network ({c.init} init); "
            f"{c.loss} loss, {c.optimizer} (lr {c.lr:g}), {c.schedule} schedule, {batch}")


def _features(c: Config) -> str:
    lines = ["def features(X):", "    x1 = X[:, 0:1]"]
    if not c.regression:
        lines.append("    x2 = X[:, 1:2]")
    cols = ", ".join(FEATURE_FUNCTIONS[n][1] for n in c.features)
    lines.append(f"    return np.concatenate([{cols}], axis=1).astype(np.float32)")
    return "\n".join(lines)


def _model(c: Config) -> str:
    act = ACTIVATION_MODULES[c.activation]
    init = c.init if c.init in ("notes", "xavier", "he") else None
    arg = f', init="{init}"' if init else ""
    lines, width = [], len(c.features)
    for w in c.hidden:
        lines.append(f"    nn.Linear({width}, {w}{arg}), nn.{act}(),")
        width = w
    lines.append(f"    nn.Linear({width}, 1{arg}),")
    code = "xa.manual_seed(SEED)\nmodel = nn.Sequential(\n" + "\n".join(lines) + "\n)"
    if init is None:
        value = 0.0 if c.init == "zeros" else c.init_value
        code += ("\nfor layer in model:  # every weight the same: the notes' warning, seen\n"
                 "    if isinstance(layer, nn.Linear):\n"
                 f"        nn.init.constant_(layer.weight, {value!r})\n"
                 "        nn.init.zeros_(layer.bias)")
    return code


def _targets(c: Config) -> str:
    if c.regression or c.loss in LOGIT_LOSSES:
        what = "values" if c.regression else "class indices"
        return f"t_train, t_test = labels_train, labels_test  # {what}"
    return ("# targets ±1: the sign of the score s is the predicted class\n"
            "t_train = (2 * labels_train - 1).astype(np.float32)[:, None]\n"
            "t_test = (2 * labels_test - 1).astype(np.float32)[:, None]")


def _loss(c: Config) -> str:
    name, kwargs = loss_call(c)
    pre = ""
    if "weight" in kwargs:
        pre = "weight = F.class_weights(labels_train, 2)  # α_k = 1/f_k of the training labels\n"
        kwargs = dict(kwargs)
        del kwargs["weight"]
        extra = ", weight=weight" + (f", {_args(kwargs)}" if kwargs else "")
    else:
        extra = f", {_args(kwargs)}" if kwargs else ""
    if c.loss in LOGIT_LOSSES:
        return (pre + "\n\ndef loss_fn(s, t):\n"
                "    # s is class 1's logit against class 0's fixed 0: softmax([0, s]) = "
                "(1 − σ(s), σ(s))\n"
                f"    return F.{name}(F.pad(s, (1, 0)), t{extra})")
    return pre + f"\n\ndef loss_fn(s, t):\n    return F.{name}(s, t{extra})"


def _batches(c: Config) -> str:
    if c.batch_len is None:
        return ("def batches():  # the whole training set at every update\n"
                "    while True:\n        yield x_train, y_train")
    return (f"BATCH = {c.batch_len}\nrng = np.random.default_rng(SEED)\n\n\n"
            "def batches():  # a new shuffled order every epoch\n"
            "    while True:\n"
            "        order = rng.permutation(n_train)\n"
            "        for start in range(0, n_train, BATCH):\n"
            "            idx = order[start:start + BATCH]\n"
            "            yield xa.tensor(f_train[idx]), xa.tensor(t_train[idx])")


def _evaluate(c: Config) -> str:
    code = ("def evaluate(x, t, labels):\n"
            "    with xa.no_grad():\n"
            "        s = model(x)\n"
            "        loss = loss_fn(s, t).item()\n")
    if c.regression:
        return code + "    return f\"loss {loss:.7g}\""
    return code + ("    accuracy = ((s.numpy()[:, 0] > 0) == (labels == 1)).mean()\n"
                   "    return f\"loss {loss:.7g}, accuracy {accuracy:.4f}\"")


def script(c: Config, steps: int) -> str:
    """The script for `c`, training `steps` updates unless its command line says otherwise."""
    gen, kwargs = data_call(c)
    opt, opt_kwargs = optimizer_call(c)
    sched = schedule_call(c)
    sched_line = "" if sched is None else \
        f"\nscheduler = optim.lr_scheduler.{sched[0]}(optimizer, {_args(sched[1])})"
    sched_step = "" if sched is None else "\n    scheduler.step()  # the schedule counts updates"
    return f'''#!/usr/bin/env python3
"""A run of the xarxa playground, exported at update {steps}:
{describe(c)}.

    python this_script.py [updates]

rebuilds the same data, network and training with xarxa from seed {c.seed} and prints the
training and test losses every {LOG_EVERY} updates: the numbers the playground showed.
"""
import sys

import numpy as np

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data.datasets.synthetic import {gen}

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else {steps}
SEED = {c.seed}

# -- data: {c.points} points, the first {c.n_train} for training (the generator shuffles) --
X, labels = {gen}({_args(kwargs)})
n_train = {c.n_train}
mean, std = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
X = (X - mean) / std  # inputs standardised with the training set's statistics


{_features(c)}


f_train, f_test = features(X[:n_train]), features(X[n_train:])
labels_train, labels_test = labels[:n_train], labels[n_train:]
{_targets(c)}
x_train, y_train = xa.tensor(f_train), xa.tensor(t_train)
x_test, y_test = xa.tensor(f_test), xa.tensor(t_test)

# -- network: the score s = model(features) --------------------------------------------
{_model(c)}

# -- training ------------------------------------------------------------------------------
optimizer = optim.{opt}(model.parameters(), {_args(opt_kwargs)}){sched_line}
{_loss(c)}


{_batches(c)}


{_evaluate(c)}


batch = batches()
for step in range(1, STEPS + 1):
    xb, tb = next(batch)
    optimizer.zero_grad()
    loss = loss_fn(model(xb), tb)
    loss.backward()
    optimizer.step(){sched_step}
    if step % {LOG_EVERY} == 0 or step == STEPS:
        print(f"step {{step}}: train {{evaluate(x_train, y_train, labels_train)}}; "
              f"test {{evaluate(x_test, y_test, labels_test)}}")
'''
