"""The ``xarxa`` command line: ``train``, ``evaluate``, ``summary``, ``landscape``,
``solve``, ``playground``, ``run``, ``view``.

    xarxa train                              # an MLP on the shipped digits, ~96 % test
    xarxa train --model lenet5 --dataset fashion-mnist --epochs 3
    xarxa evaluate --checkpoint runs/<run>/checkpoint.npz
    xarxa summary lenet5
    xarxa solve "relu(w*x + b)" --set w=2 b=0 x=1 --target 1 --loss l1 --lr 0.1
    xarxa landscape --function ill-conditioned --optimizers gd,momentum
    xarxa playground
    xarxa run train.py --epochs 3            # a PyTorch script, unedited, on xarxa
    xarxa view runs/<run>/model.onnx         # the network in Netron (train --export-onnx)

Each of the last five keeps its options in its own module (`xarxa.apps.solve.cli`,
`xarxa.apps.landscape`, `xarxa.apps.playground.cli`, `xarxa.apps.run`, `xarxa.apps.view`)
and registers here.

The work is done in ``xarxa.apps.train.run`` and ``xarxa.models``; this file only parses
arguments and prints. The choices of --model, --dataset, --loss and --optimizer are the
keys of the registries in ``xarxa.apps.train.tasks``. Every expected failure (bad option,
missing or corrupt file, diverging loss) is one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

import numpy as np

from . import landscape as landscape_cli
from .playground import cli as playground_cli
from . import run as run_cli
from . import view as view_cli
from .solve import cli as solve_cli
from . import catalog
from .train.tasks import MINERS


def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects comma-separated integers such as "
                                         f"256,128, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"--val-split expects a fraction in [0, 1) such as "
                                         f"0.1, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xarxa", description="Train and inspect neural "
                                     "networks written from scratch on NumPy.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("train", help="train a model and write metrics, curves, checkpoint",
                       description="Unset options take per-dataset defaults (see "
                       "xarxa.apps.train.tasks); with none at all, an MLP learns the digits.")
    # No argparse defaults for --model/--dataset/--seed: --resume must tell a given option
    # from a default one; xarxa.apps.train.run.resolve_config fills them in.
    t.add_argument("--model", type=catalog.spelling("models"), choices=catalog.names("models"),
                   help=f"default: {catalog.DEFAULT_MODEL}")
    t.add_argument("--dataset", type=catalog.spelling("datasets"),
                   choices=catalog.names("datasets", "train"), help="default: digits")
    t.add_argument("--loss", type=catalog.spelling("losses"),
                   choices=catalog.names("losses", "train"))
    t.add_argument("--optimizer", type=catalog.spelling("optimizers"),
                   choices=catalog.names("optimizers", "train"))
    t.add_argument("--lr", type=float, help="learning rate α")
    t.add_argument("--momentum", type=float, help="momentum λ (sgd, rmsprop)")
    t.add_argument("--nesterov", action="store_true", default=None,
                   help="Nesterov momentum (sgd)")
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--batch-size", type=int,
                   help="1 = stochastic GD; the training-set size = batch GD")
    t.add_argument("--epochs", type=int)
    t.add_argument("--hidden", type=_hidden, help="MLP hidden sizes, e.g. 256,128")
    t.add_argument("--activation", choices=catalog.names("activations", "train"))
    t.add_argument("--val-split", type=_fraction, metavar="FRACTION",
                   help="fraction of the training set held out (drawn by --seed) to "
                   "validate on each epoch; the test set is scored only at the end "
                   "(default: 0.1; 0 for xor/and/or)")
    t.add_argument("--seed", type=int, help="weights, batch order and validation split "
                   "(default: 0)")
    t.add_argument("--out", help="output directory (default: runs/<model>-<dataset>-<time>)")
    t.add_argument("--overwrite", action="store_true",
                   help="replace the checkpoint and results already in --out")
    t.add_argument("--data-root", help="directory holding the MNIST-family IDX files")
    t.add_argument("--resume", metavar="CHECKPOINT",
                   help="continue the run saved in CHECKPOINT (model, data, seed and "
                   "optimizer options come from it; --epochs sets the new total)")
    t.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    t.add_argument("--subset", type=int, metavar="N", help="train on the first N training "
                   "samples and test on the first N test samples (quick runs)")
    t.add_argument("--miner", choices=MINERS, help="siamese: how triplets are picked "
                   "(default: semi-hard)")
    t.add_argument("--margin", type=float, help="siamese: the loss's margin m (default: 0.2 "
                   "triplet, 1.0 contrastive)")
    t.add_argument("--decoder", choices=catalog.option_choices("decoder"),
                   help="unet: the decoder's ×2 upsampling (notes 1.6.2): a learned "
                   "transposed convolution, or nearest-neighbour / bed-of-nails unpooling "
                   "then a 3×3 convolution (default: transpose)")
    t.add_argument("--export-onnx", action="store_true", help="also write the trained model "
                   "as model.onnx beside the checkpoint (xarxa view opens it in Netron)")
    e = sub.add_parser("evaluate", help="score a checkpoint on its test set")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--data-root")
    s = sub.add_parser("summary", help="print a model's layers and parameter counts")
    s.add_argument("model", type=catalog.spelling("models"), choices=catalog.names("models"))
    s.add_argument("--dataset", type=catalog.spelling("datasets"),
                   choices=catalog.names("datasets", "train"), default=None,
                   help="shape the model for this dataset (default: 28×28 for lenet5/cnn, "
                   "digits for mlp, and for perceptron)")
    s.add_argument("--hidden", type=_hidden, default=None)
    landscape_cli.add_parser(sub)  # xarxa landscape: its options live in its module
    solve_cli.add_parser(sub)  # xarxa solve: its options live in its module
    playground_cli.add_parser(sub)  # xarxa playground: its options live in its module
    run_cli.add_parser(sub)  # xarxa run script.py …: every argument after it is the script's
    view_cli.add_parser(sub)  # xarxa view model.onnx: its options live in its module
    return parser


def _train(args) -> int:
    from ..distributed import init_process_group
    init_process_group()  # first: under mpiexec, a rank that fails later can stop them all
    from .train.run import (BOUNDARY, CHECKPOINT, CURVES, METRICS_FILE, ONNX_FILE,
                            format_report, resume_config, train_run)
    given = {k: getattr(args, k) for k in ("model", "dataset", "loss", "optimizer", "lr",
                                           "momentum", "nesterov", "weight_decay",
                                           "batch_size", "epochs", "hidden", "activation",
                                           "val_split", "seed", "out", "data_root",
                                           "subset", "miner", "margin", "decoder")}
    if args.resume:
        given = resume_config(args.resume, given)
    progress = False if args.no_progress else None
    results = train_run(given, progress=progress, overwrite=args.overwrite)
    if results.get("rank"):  # under mpiexec only rank 0 reports
        return 130 if results["interrupted"] else 0
    config = results["config"]
    ranks = f" on {results['ranks']} ranks" if "ranks" in results else ""
    print(f"\n{config['model']} on {config['dataset']}: {results['parameters']:,} parameters, "
          f"{_epochs(results['epochs_completed'])}{ranks} in {results['train_seconds']:.1f} s"
          + (" (interrupted)" if results["interrupted"] else ""))
    print(format_report(results))
    # With no complete epoch there are no curves and no checkpoint: list what exists.
    if args.export_onnx and os.path.exists(os.path.join(config["out"], CHECKPOINT)):
        from .train.run import export_onnx
        export_onnx(os.path.join(config["out"], CHECKPOINT))
    written = [f for f in (METRICS_FILE, CURVES, BOUNDARY, CHECKPOINT, ONNX_FILE)
               if os.path.exists(os.path.join(config["out"], f))]
    print(f"\nwrote {config['out']}/: {', '.join(written)}")
    return 130 if results["interrupted"] else 0


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"


def _evaluate(args) -> int:
    from .train.run import evaluate_checkpoint, format_report
    results = evaluate_checkpoint(args.checkpoint, args.data_root)
    config = results["config"]
    print(f"{config['model']} on {config['dataset']} after "
          f"{_epochs(results['epochs_completed'])} ({args.checkpoint})")
    print(format_report(results))
    return 0


def _summary(args) -> int:
    from ..models import build
    from .train.tasks import default_dataset, defaults, image_spec, model_class, model_config
    cls = model_class(args.model)
    dataset = args.dataset or cls.summary_dataset or default_dataset(args.model)
    shape, classes = image_spec(dataset, args.model)
    d = defaults(dataset, args.model)
    model = build(args.model, **model_config(args.model, shape, classes,
                                             args.hidden or d["hidden"], d["activation"],
                                             dataset))
    if cls.input_size:  # LeNet-5's own input (a 28×28 image is padded to it)
        shape = (shape[0], cls.input_size, cls.input_size)
    print(f"{args.model} for {dataset}, input {shape}")
    from ..inspect import summary
    print(summary(model, shape))  # summary returns the table, printing nothing
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xarxa`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handlers = {"train": _train, "evaluate": _evaluate, "summary": _summary}
    handlers["landscape"] = landscape_cli.run
    handlers["solve"] = solve_cli.run
    handlers["playground"] = playground_cli.run
    handlers["run"] = run_cli.run
    handlers["view"] = view_cli.run
    try:
        # A diverging run overflows inside the ops; fit's finite-loss check reports it in
        # one line, so NumPy's per-op RuntimeWarnings would only add noise before it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return handlers[args.command](args)
    # Expected failures: a wrong option or file (ValueError, TypeError, OSError) or a loss
    # that diverged (FloatingPointError, from fit's finite-loss check). Bugs still trace.
    except (ValueError, TypeError, OSError, FloatingPointError) as error:
        print(f"xarxa {args.command}: error: {error}", file=sys.stderr)
        from ..distributed import abort
        abort(2)  # under mpiexec: stop every rank (they would wait for this one forever)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
