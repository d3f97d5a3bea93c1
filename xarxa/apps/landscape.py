"""``xarxa landscape``: optimizers walking on a two-parameter loss, drawn as a PNG.

    xarxa landscape --function ill-conditioned                          # GD vs momentum
    xarxa landscape --function ill-conditioned --momentum 0.9 --lr 0.038,0.01
    xarxa landscape --function quadratic --optimizers gd --lr 0.95      # oscillation
    xarxa landscape --function exam-l1 --optimizers gd --steps 8       # the exam's table
    xarxa landscape --function saddle --optimizers gd,adagrad,adam --betas 0.8,0.99

Each optimizer is a real ``xarxa.optim`` optimizer (made by the catalogue's
``make_optimizer``) on two float64 scalar tensors; the losses, their default optimizers
and settings are in ``xarxa.apps.surfaces``. The command prints each path's end and its
distance to the nearest minimum, and writes the contours, the paths and the loss per step
(``xa.plot.landscape``).
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from ..creation import tensor
from ..dtypes import float64
from ..inspect.landscape import Landscape, landscape, trajectory
from . import catalog
from .catalog import make_optimizer
from .surfaces import SURFACES, Surface

OPTIMIZERS = catalog.names("optimizers", "landscape")

__all__ = ["add_parser", "run", "paths"]


def _names(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"--optimizers expects a comma-separated list of "
                                         f"{', '.join(OPTIMIZERS)}; got {text!r}")
    return names


def _floats(flag: str, count: int | None = None):
    def parse(text: str) -> list[float]:
        try:
            values = [float(s) for s in text.split(",") if s.strip()]
        except ValueError:
            values = []
        if not values or (count and len(values) != count) or \
                not all(math.isfinite(v) for v in values):
            what = f"{count} comma-separated numbers" if count else "a number, or one per " \
                   "optimizer separated by commas"
            raise argparse.ArgumentTypeError(f"{flag} expects {what}, got {text!r}")
        return values
    return parse


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``landscape`` subcommand to an argparse subparsers object."""
    about = "\n".join(f"  {s.name:16s}{s.about}" for s in SURFACES.values())
    p = sub.add_parser("landscape", help="draw optimizer paths on a two-parameter loss (PNG)",
                       description="Run xarxa's optimizers on a two-parameter loss and draw "
                       "their paths on its contours, with the loss per step.\n\n" + about,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--function", choices=catalog.names("landscapes"), default="ill-conditioned")
    p.add_argument("--optimizers", type=_names,
                   help=f"comma-separated, among {','.join(OPTIMIZERS)} (default: each "
                   "function's own, e.g. gd,momentum on ill-conditioned)")
    p.add_argument("--lr", type=_floats("--lr"),
                   help="learning rate α for every optimizer, or one per optimizer "
                   "(default: each function's tuned rates)")
    p.add_argument("--momentum", type=_floats("--momentum", 1), metavar="LAMBDA",
                   help="momentum λ of momentum, nesterov and rmsprop (default: the "
                   "function's, else 0.9 for momentum/nesterov)")
    p.add_argument("--betas", type=_floats("--betas", 2), metavar="B1,B2",
                   help="Adam's β₁,β₂ (default 0.9,0.999)")
    p.add_argument("--rho", type=_floats("--rho", 1),
                   help="RMSprop's smoothing constant ρ (PyTorch's alpha; default 0.99)")
    p.add_argument("--weight-decay", type=_floats("--weight-decay", 1), metavar="WD",
                   help="L2 weight decay added to every optimizer's gradient")
    p.add_argument("--steps", type=_positive, help="updates per optimizer (default: the "
                   "function's)")
    p.add_argument("--start", type=_floats("--start", 2), metavar="X,Y",
                   help="the starting point (default: the function's)")
    p.add_argument("--resolution", type=_positive, default=81,
                   help="grid points per axis of the contour plot (default: 81)")
    p.add_argument("--out", help="PNG to write (default: landscape-<function>.png)")
    return p


# The command's flags for the optimizers' settings: flag -> make_optimizer's keyword.
SETTINGS = {"momentum": "momentum", "betas": "betas", "rho": "alpha",
            "weight_decay": "weight_decay"}


def _settings(name: str, surface: Surface, given: dict) -> dict:
    """The settings of optimizer ``name`` on ``surface``: the surface's own, then the given
    ones that the optimizer takes (``catalog.OPTIMIZERS[name].takes``)."""
    takes = catalog.OPTIMIZERS[name].takes
    out = dict(surface.settings.get(name, {}))
    out.update({k: v for k, v in given.items() if k in takes and v is not None})
    return out


def _label(name: str, optimizer) -> str:
    """``name (α=…, λ=…)``: the rate and the settings that shape the path."""
    group = optimizer.param_groups[0]
    parts = [f"α={group['lr']:g}"]
    if group.get("momentum"):
        parts.append(f"λ={group['momentum']:g}")
    if "betas" in group and tuple(group["betas"]) != (0.9, 0.999):
        parts.append("β=({:g}, {:g})".format(*group["betas"]))
    if name == "rmsprop" and group.get("alpha", 0.99) != 0.99:
        parts.append(f"ρ={group['alpha']:g}")
    if group.get("weight_decay"):
        parts.append(f"wd={group['weight_decay']:g}")
    return f"{name} ({', '.join(parts)})"


def paths(surface: Surface, optimizers: list[str] | None = None,
          lrs: list[float] | None = None, steps: int | None = None,
          start: tuple[float, float] | None = None, **settings):
    """One ``Trajectory`` per optimizer on ``surface`` (default: the surface's own list;
    rates: ``lrs``, one value for all or one per optimizer, default the surface's own).

    ``settings`` (``momentum=``, ``betas=``, ``alpha=``, ``weight_decay=``) go to every
    optimizer that takes them, over the surface's defaults; one that no chosen optimizer
    takes is an error."""
    optimizers = list(optimizers or surface.optimizers)
    if lrs is not None and len(lrs) not in (1, len(optimizers)):
        raise ValueError(f"--lr: give one rate, or one per optimizer ({len(optimizers)}), "
                         f"got {len(lrs)}")
    for key, value in settings.items():
        if value is not None and not any(key in catalog.OPTIMIZERS[n].takes
                                         for n in optimizers):
            flag = next((f for f, k in SETTINGS.items() if k == key), key)
            takers = [n for n in OPTIMIZERS if key in catalog.OPTIMIZERS[n].takes]
            raise ValueError(f"--{flag.replace('_', '-')} applies to {', '.join(takers)}; "
                             f"none of {', '.join(optimizers)} takes it")
    out = []
    for i, name in enumerate(optimizers):
        lr = surface.lrs[name] if lrs is None else lrs[i if len(lrs) > 1 else 0]
        if not lr > 0:
            raise ValueError(f"--lr must be positive, got {lr} for {name}")
        x0, y0 = start or surface.start
        x = tensor(x0, dtype=float64, requires_grad=True, name=surface.labels[0])
        y = tensor(y0, dtype=float64, requires_grad=True, name=surface.labels[1])
        optimizer = make_optimizer(name, [x, y], lr, **_settings(name, surface, settings))
        path = trajectory(lambda: surface.loss(x, y), [x, y], optimizer,
                          steps or surface.steps, name=_label(name, optimizer))
        out.append(path)
    return out


def distance_to_minimum(surface: Surface, point) -> float:
    """The distance from ``point`` (x, y) to the nearest of the surface's minima (nan
    when it has none listed)."""
    if not surface.minima:
        return math.nan
    return float(min(np.hypot(point[0] - mx, point[1] - my) for mx, my in surface.minima))


def _view(surface: Surface, trajectories) -> tuple[tuple, tuple]:
    """The function's window, widened to show the paths (within 3× its size: a
    diverging path is drawn leaving it, not allowed to shrink the picture to a dot)."""
    pts = np.concatenate([t.points for t in trajectories])
    pts = pts[np.isfinite(pts).all(axis=1)]
    limits = []
    for axis, (low, high) in enumerate((surface.xlim, surface.ylim)):
        size = high - low
        lo = max(min(low, pts[:, axis].min() - 0.05 * size), low - size)
        hi = min(max(high, pts[:, axis].max() + 0.05 * size), high + size)
        limits.append((lo, hi))
    return limits[0], limits[1]


def surface_plot(surface: Surface, trajectories, resolution: int = 81) -> Landscape:
    """The landscape of ``surface`` around its paths, with the paths attached."""
    xlim, ylim = _view(surface, trajectories)
    x = tensor(0.0, dtype=float64, requires_grad=True, name=surface.labels[0])
    y = tensor(0.0, dtype=float64, requires_grad=True, name=surface.labels[1])
    return landscape(lambda: surface.loss(x, y), [x, y], axes=[x, y], xlim=xlim, ylim=ylim,
                     resolution=resolution, trajectories=trajectories, minima=surface.minima)


def run(args) -> int:
    """The ``landscape`` subcommand: print each path's end, write the PNG."""
    surface = SURFACES[args.function]
    given = {"momentum": args.momentum[0] if args.momentum else None,
             "betas": tuple(args.betas) if args.betas else None,
             "alpha": args.rho[0] if args.rho else None,
             "weight_decay": args.weight_decay[0] if args.weight_decay else None}
    trajectories = paths(surface, args.optimizers, args.lr, args.steps, args.start, **given)
    out = args.out or f"landscape-{surface.name}.png"
    plane = surface_plot(surface, trajectories, args.resolution)
    plane.plot(out, title=f"{surface.name}: {surface.about}")
    print(f"{surface.name}: {surface.about}")
    width = max(22, max(len(t.name) for t in trajectories) + 2)
    print(f"{'optimizer':<{width}}{'steps':>6}  {'end (' + ', '.join(surface.labels) + ')':>24}"
          f"{'loss':>12}{'to minimum':>12}")
    for t in trajectories:
        end = ", ".join(f"{v:.4g}" for v in t.points[-1])
        note = "" if math.isfinite(t.losses[-1]) else "  (diverged)"
        away = distance_to_minimum(surface, t.points[-1])
        print(f"{t.name:<{width}}{len(t.losses) - 1:>6}  {'(' + end + ')':>24}"
              f"{t.losses[-1]:>12.4g}{away:>12.3g}{note}")
    print(f"wrote {out}")
    return 0
