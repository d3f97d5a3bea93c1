"""A lecture in one command: the figures a teacher of the notes needs and the notes only
sketch, each drawn by xarxa and written as PNG and SVG.

    python experiments/figures.py --list                   # the names and what each shows
    python experiments/figures.py init-stats               # one figure, into docs/img/
    python experiments/figures.py all --out /tmp/lecture   # every figure (~1 min)
    python experiments/figures.py init-stats --quick       # tiny sizes (seconds): for tests

Each entry of ``FIGURES`` is a function ``draw(quick: bool) -> matplotlib Figure`` and the
file name it is written under (``NAME.png`` and ``NAME.svg``; the SVG is dropped when it is
over 300 KB). Figures other scripts already draw are reused, not redrawn here: the loss
functions and activations (``notes_figures.py``), the checkerboard (``upsampling.py``), the
optimizer paths (``xarxa landscape``'s surfaces and ``xarxa.plot.landscape``).
The pictures and what to say about them: docs/lecture-figures.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from typing import Callable, NamedTuple

import numpy as np

import xarxa as xa
import xarxa.nn.functional as F  # noqa: N812
from xarxa import nn, optim
from xarxa.nn import init
from xarxa.plot import _figure

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "docs", "img")
MAX_SVG_BYTES = 300_000


def _sibling(name: str):
    """Another script of experiments/ as a module (they are scripts, not a package)."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)      # their own `import _common`
    spec = importlib.util.spec_from_file_location(f"_lecture_{name}",
                                                  os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- 1. §1.4.7: per-layer statistics of a deep MLP under each initialisation -----------------
def _schemes(activation: str) -> dict[str, Callable]:
    """name -> fills a weight (out, in); biases are zero (the notes' advice)."""
    return {
        "zero": init.zeros_,
        "constant 0.1 (all units alike)": lambda w: init.constant_(w, 0.1),
        "small random N(0, 0.01²)": lambda w: init.normal_(w, 0.0, 0.01),
        "large random N(0, 1)": lambda w: init.normal_(w, 0.0, 1.0),
        "notes: randn/√n": init.notes_normal_,
        "Xavier N(0, 2/(n_in+n_out))": init.xavier_normal_,
        "He randn·√(2/n)": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
    }


STYLE = {"zero": ("0.35", "x", ":"), "constant 0.1 (all units alike)": ("tab:brown", "s", ":"),
         "small random N(0, 0.01²)": ("tab:purple", "v", "-"),
         "large random N(0, 1)": ("tab:red", "^", "-"),
         "notes: randn/√n": ("tab:blue", "o", "-"),
         "Xavier N(0, 2/(n_in+n_out))": ("tab:cyan", "+", "--"),
         "He randn·√(2/n)": ("tab:green", "D", "-")}


def layer_statistics(activation: str, scheme: Callable, depth: int = 8, width: int = 64,
                     samples: int = 512, seed: int = 0) -> dict[str, np.ndarray]:
    """Forward and backward once through ``depth`` Linear+activation layers of ``width``
    units (a 10-class linear head, cross-entropy against random labels), weights filled by
    ``scheme``, zero biases. Per hidden layer l = 1…depth: the standard deviation of its
    outputs h_l, of the gradient ∂L/∂h_l, and of the weight gradient ∂L/∂W_l."""
    xa.manual_seed(seed)
    rng = np.random.default_rng(seed)
    # float64: the vanishing values stay visible instead of underflowing to 0
    x = xa.tensor(rng.standard_normal((samples, width)), dtype=xa.float64)
    labels = xa.tensor(rng.integers(0, 10, samples))
    act = {"tanh": xa.tanh, "relu": F.relu, "sigmoid": F.sigmoid}[activation]
    layers = [nn.Linear(width, width) for _ in range(depth)] + [nn.Linear(width, 10)]
    for layer in layers:
        layer.double()
        scheme(layer.weight)
        init.zeros_(layer.bias)
    h, hidden = x, []
    for layer in layers[:-1]:
        h = act(layer(h))
        h.retain_grad()
        hidden.append(h)
    F.cross_entropy(layers[-1](h), labels).backward()
    return {"activation": np.array([float(t.detach().numpy().std()) for t in hidden]),
            "gradient": np.array([float(t.grad.numpy().std()) for t in hidden]),
            "weight gradient": np.array([float(layer.weight.grad.numpy().std())
                                         for layer in layers[:-1]]),
            # share of units whose local derivative is under 1 % of the activation's most
            "flat": np.array([float((_slope(activation, t.detach().numpy()) < 0.01).mean())
                              for t in hidden])}


def _slope(activation: str, h: np.ndarray) -> np.ndarray:
    """g'(z) / max g', from the output h = g(z)."""
    if activation == "sigmoid":
        return h * (1 - h) / 0.25
    if activation == "tanh":
        return 1 - h ** 2
    return (h > 0).astype(float)


def _log_with_zero(ax, layers, values: dict[str, np.ndarray], styles: dict):
    """Log-scale lines; values that are exactly 0 drawn on a floor a decade below the
    smallest positive one, with the legend saying so (a log axis has no 0)."""
    positive = np.concatenate([v[v > 0] for v in values.values()] or [np.ones(1)])
    floor = 10 ** math.floor(math.log10(positive.min()) - 1) if positive.size else 1e-12
    for name, v in values.items():
        colour, marker, line = styles[name]
        zero = not (v > 0).any()
        label = f"{name} (exactly 0: drawn at the bottom)" if zero else name
        ax.plot(layers, np.where(v > 0, v, floor), color=colour, marker=marker,
                linestyle=line, label=label, markersize=5)
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.grid(True, alpha=0.3, which="both")


def init_stats(quick: bool = False):
    """Activation and gradient spread, layer by layer, for tanh and ReLU MLPs."""
    depth, samples = (4, 64) if quick else (8, 512)
    fig = _figure(13, 8.5)
    axes = fig.subplots(2, 2)
    layers = np.arange(1, depth + 1)
    for row, activation in enumerate(("tanh", "relu")):
        stats = {name: layer_statistics(activation, fill, depth, 64, samples)
                 for name, fill in _schemes(activation).items()}
        for col, key in enumerate(("activation", "gradient")):
            ax = axes[row, col]
            _log_with_zero(ax, layers, {n: s[key] for n, s in stats.items()}, STYLE)
            what = "outputs h_l" if key == "activation" else "gradients ∂L/∂h_l"
            ax.set_title(f"{depth} × 64 {activation} layers: std of the {what}", fontsize=12)
            ax.set_xlabel("hidden layer l (1 = next to the input)")
            ax.set_ylabel(f"std of {what}")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", fontsize=10,
               title="weights (biases 0)")
    fig.suptitle("§1.4.7 Initialisation: where activations and gradients vanish or explode "
                 "(one forward + backward, 512 inputs)", fontsize=13)
    return fig


# -- 2. §1.4.8: momentum vs gradient descent in a narrow valley ------------------------------
def momentum_valley(quick: bool = False):
    from xarxa.apps.landscape import paths, surface_plot
    from xarxa.apps.surfaces import SURFACES
    from xarxa import plot
    surface = SURFACES["ill-conditioned"]
    trajectories = paths(surface, ["gd", "momentum"], steps=20 if quick else surface.steps)
    plane = surface_plot(surface, trajectories, resolution=25 if quick else 121)
    return plot.landscape(plane, title="A narrow valley (curvature 50 across, 1 along): "
                                       "GD zig-zags and crawls, momentum runs down the floor")


# -- 3. §1.4.6: the learning rate too small, right, too large --------------------------------
RATE_STYLE = {"too small": "tab:blue", "right": "tab:green", "too large": "tab:red"}


def _digits(n: int):
    ds = xa.datasets.digits(train=True)
    x, y = ds.arrays[0], ds.arrays[1]
    x = x[:n].reshape(n, -1).astype(np.float32)
    return x / x.max(), y[:n].astype(np.int64)


def learning_rates(quick: bool = False):
    """Left: w ← w − α·2w on L(w) = w². Right: loss curves of one MLP on the digits."""
    fig = _figure(13, 4.8)
    left, right = fig.subplots(1, 2)
    w = np.linspace(-1.25, 1.25, 201)
    left.plot(w, w ** 2, color="0.6", linewidth=1.2, label="L(w) = w²")
    for (kind, colour), alpha in zip(RATE_STYLE.items(), (0.05, 0.3, 0.97)):
        ws = [-1.0]
        for _ in range(6):
            ws.append(ws[-1] - alpha * 2 * ws[-1])
        ws = np.array(ws)
        left.plot(ws, ws ** 2, "-o", color=colour, markersize=4, label=f"{kind}: α = {alpha}")
    left.set(xlabel="parameter w", ylabel="loss L(w)",
             title="6 steps of GD from w = −1 on L(w) = w²")
    left.legend(fontsize=10, loc="upper center")
    left.grid(True, alpha=0.3)
    n, epochs = (128, 8) if quick else (1000, 100)
    x, y = _digits(n)
    xt, yt = xa.tensor(x), xa.tensor(y)
    for (kind, colour), lr in zip(RATE_STYLE.items(), (0.05, 1.0, 5.0)):
        xa.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
        opt = optim.SGD(model.parameters(), lr=lr)
        curve = []
        for _ in range(epochs):      # one full-batch step an epoch: the curve is the notes'
            opt.zero_grad()
            loss = F.cross_entropy(model(xt), yt)
            curve.append(float(loss.item()))
            loss.backward()
            opt.step()
        right.plot(np.arange(epochs), curve, color=colour, label=f"{kind}: α = {lr}")
    right.set(xlabel="epoch (one full-batch step each)", ylabel="training loss (cross-entropy)",
              title=f"MLP 64-32-10 on {n} digits, plain GD")
    right.set_yscale("log")
    right.legend(fontsize=10)
    right.grid(True, alpha=0.3, which="both")
    fig.suptitle("§1.4.6 Learning rate: too small crawls, too large jumps around the minimum",
                 fontsize=13)
    return fig


# -- 4, 5. Fig. 1.12 and §1.1.2: reused from notes_figures.py --------------------------------
def losses(quick: bool = False):
    return _sibling("notes_figures").plot_losses(None, points=101 if quick else 601)


def activations(quick: bool = False):
    return _sibling("notes_figures").plot_activations(None, points=101 if quick else 801)


# -- 6. saturation: the gradient through depth, sigmoid / tanh / ReLU ------------------------
def saturation(quick: bool = False):
    """∂L/∂W_l per layer of a 20-layer MLP for each activation, with its usual initialisation
    and with large weights (the units saturate)."""
    depth, samples = (5, 64) if quick else (20, 256)
    fig = _figure(12, 4.8)
    left, right = fig.subplots(1, 2)
    layers = np.arange(1, depth + 1)
    colours = {"sigmoid": "tab:orange", "tanh": "tab:blue", "relu": "tab:green"}
    good = {"sigmoid": init.xavier_normal_, "tanh": init.xavier_normal_,
            "relu": lambda w: init.kaiming_normal_(w, nonlinearity="relu")}
    values, flat = {}, {}
    for name, fill in good.items():
        values[name] = layer_statistics(name, fill, depth, 64, samples)["weight gradient"]
        flat[name] = layer_statistics(name, lambda w: init.normal_(w, 0.0, 1.0), depth, 64,
                                      samples)["flat"]
    _log_with_zero(left, layers, values, {n: (colours[n], "o", "-") for n in good})
    left.set(xlabel="layer l (1 = next to the input)", ylabel="std of ∂L/∂W_l",
             title="gradient per layer, usual initialisation (Xavier; He for ReLU)")
    left.legend(fontsize=10)
    for name, v in flat.items():
        right.plot(layers, 100 * v, "-o", color=colours[name],
                   label=f"{name}: g′ < 1 % of its maximum" if name != "relu"
                   else "relu: g′ = 0 (inactive, not saturated)")
    right.set(xlabel="layer l (1 = next to the input)", ylabel="units in the flat part (%)",
              title="large weights N(0, 1): sigmoid and tanh saturate", ylim=(-3, 103))
    right.legend(fontsize=10)
    right.grid(True, alpha=0.3)
    for ax in (left, right):
        ax.set_xticks(layers[::max(1, depth // 10)])
    fig.suptitle(f"Saturation: the gradient reaching each of {depth} layers (64 units each); "
                 "σ′ ≤ 1/4 shrinks it every layer", fontsize=13)
    return fig


# -- 7. §1.6.1: the receptive field growing through LeNet-5 ----------------------------------
def receptive_field(quick: bool = False):
    from matplotlib.patches import Rectangle
    from xarxa.inspect import receptive_field as field
    from xarxa.models import LeNet5
    rows = [r for r in field(LeNet5(), (1, 32, 32)) if r.jump is not None]
    grown = [r for i, r in enumerate(rows)
             if i == 0 or r.receptive_field != rows[i - 1].receptive_field]
    digits = xa.datasets.digits(train=True).arrays[0]
    image = np.kron(np.asarray(digits[0]).reshape(8, 8), np.ones((4, 4)))   # 8×8 → 32×32
    fig = _figure(12, 5.4)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.15])
    left.imshow(image, cmap="gray_r", extent=(-0.5, 31.5, 31.5, -0.5))
    colours = ["tab:orange", "tab:green", "tab:blue", "tab:red", "tab:purple", "tab:brown"]
    centre = 15.5
    for row, colour in zip(grown, colours):
        r = row.receptive_field[0]
        left.add_patch(Rectangle((centre - r / 2, centre - r / 2), r, r, fill=False,
                                 edgecolor=colour, linewidth=2.5,
                                 label=f"{row.name} ({row.kind}): {r}×{r}"))
    left.set(title="What one unit of each layer sees of the 32×32 input",
             xlabel="input column (pixel)", ylabel="input row (pixel)")
    left.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    rows = grown      # activations change neither r nor j: the layers that do
    names = [f"{r.name}\n{r.kind}" for r in rows]
    sizes = [r.receptive_field[0] for r in rows]
    jumps = [r.jump[0] for r in rows]
    right.plot(range(len(rows)), sizes, "-o", color="tab:blue", label="receptive field r")
    right.plot(range(len(rows)), jumps, "-s", color="tab:orange",
               label="jump j (input pixels between units)")
    right.set_xticks(range(len(rows)), names, fontsize=10)
    right.set(xlabel="layer", ylabel="input pixels",
              title="r grows by (F − 1)·j at each layer; pooling doubles j")
    right.legend(fontsize=10)
    right.grid(True, alpha=0.3)
    fig.suptitle("§1.6.1 The receptive field through LeNet-5", fontsize=13)
    return fig


# -- 8. §1.7: plain vs residual ---------------------------------------------------------------
class _Deep(nn.Module):
    def __init__(self, depth: int, residual: bool):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(16, 16) for _ in range(depth))
        self.head = nn.Linear(16, 1)
        self.residual = residual

    def forward(self, h):
        for layer in self.layers:
            h = h + xa.tanh(layer(h)) if self.residual else xa.tanh(layer(h))
        return self.head(h)


def plain_vs_residual(quick: bool = False):
    """docs/skip-connections.md's experiment: 30 tanh layers with and without skips against
    2, on one small regression, SGD with momentum."""
    steps, deep = (20, 8) if quick else (150, 30)
    xa.manual_seed(0)
    x = xa.randn(64, 16)
    y = xa.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3]
    fig = _figure(7.5, 4.8)
    ax = fig.add_subplot()
    for depth, residual, colour in ((2, False, "tab:blue"), (deep, False, "tab:red"),
                                    (deep, True, "tab:green")):
        xa.manual_seed(1)
        net = _Deep(depth, residual)
        opt = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        curve = []
        for _ in range(steps):
            opt.zero_grad()
            loss = F.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            curve.append(float(loss.item()))
        ax.plot(curve, color=colour, linestyle="-" if residual or depth == 2 else "--",
                label=f"{depth} layers, {'residual' if residual else 'plain'}")
    ax.set_yscale("log")
    ax.set(xlabel="training step (SGD, α = 0.01, momentum 0.9)",
           ylabel="training loss (MSE)",
           title=f"§1.7 Degradation: {deep} plain layers train worse than 2; "
                 "with skips they train best")
    ax.legend(fontsize=10)
    ax.grid(True, alpha=0.3, which="both")
    return fig


# -- 9. §1.6: the transposed-convolution checkerboard (upsampling.py's) -----------------------
def checkerboard(quick: bool = False):
    return _sibling("upsampling").checkerboard_figure()


class Lecture(NamedTuple):
    draw: Callable
    about: str


FIGURES: dict[str, Lecture] = {
    "init-stats": Lecture(init_stats, "§1.4.7 per-layer activation/gradient spread of deep "
                          "tanh and ReLU MLPs under 7 initialisations"),
    "momentum-valley": Lecture(momentum_valley, "§1.4.8 GD vs momentum on an ill-conditioned "
                               "quadratic"),
    "learning-rate": Lecture(learning_rates, "§1.4.6 learning rate too small / right / too "
                             "large"),
    "losses": Lecture(losses, "Fig. 1.12 L1, L2, Huber, hinge, cross-entropy against f"),
    "activations": Lecture(activations, "§1.1.2 step, sigmoid, tanh, ReLU and derivatives"),
    "saturation": Lecture(saturation, "the gradient through 20 sigmoid / tanh / ReLU layers"),
    "receptive-field": Lecture(receptive_field, "§1.6.1 the receptive field through LeNet-5"),
    "plain-vs-residual": Lecture(plain_vs_residual, "§1.7 degradation: plain vs residual"),
    "checkerboard": Lecture(checkerboard, "§1.6 transposed-convolution checkerboard"),
}


def file_stem(name: str) -> str:
    """The file a figure is written under: ``lecture_`` + its name with underscores."""
    return "lecture_" + name.replace("-", "_")


def write(name: str, out: str, quick: bool = False, dpi: int = 80) -> list[str]:
    """Draw figure ``name`` and write it to ``out`` as PNG and (when under 300 KB) SVG;
    returns the paths written."""
    fig = FIGURES[name].draw(quick)
    os.makedirs(out, exist_ok=True)
    stem = os.path.join(out, file_stem(name))
    fig.savefig(stem + ".png", dpi=dpi)
    fig.savefig(stem + ".svg")
    written = [stem + ".png"]
    if os.path.getsize(stem + ".svg") > MAX_SVG_BYTES:
        os.remove(stem + ".svg")
    else:
        written.append(stem + ".svg")
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help=f"figures to draw, or 'all': {', '.join(FIGURES)}")
    p.add_argument("--out", default=DEFAULT_OUT, help="directory (default: docs/img/)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (seconds): for tests")
    p.add_argument("--dpi", type=int, default=80, help="PNG resolution (default 80)")
    p.add_argument("--list", action="store_true", help="list the figures and exit")
    args = p.parse_args(argv)
    if args.list or not args.names:
        for name, lecture in FIGURES.items():
            print(f"{name:<20}{lecture.about}")
        return 0
    names = list(FIGURES) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        p.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    for name in names:
        for path in write(name, args.out, args.quick, args.dpi):
            print(f"wrote {path} ({os.path.getsize(path) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
