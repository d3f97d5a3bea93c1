"""Training: ``fit`` (the loop), ``History``, callbacks, checkpoints that resume a run.

    from xarxa.train import fit, EarlyStopping, ModelCheckpoint
    history = fit(model, F.cross_entropy, opt, train_loader, val_loader, epochs=20,
                  callbacks=[ModelCheckpoint("run/checkpoint.npz")])
"""
from .callbacks import Callback, EarlyStopping, ModelCheckpoint
from .history import History
from .loop import METRICS, FitState, evaluate, fit, predict

__all__ = ["fit", "evaluate", "predict", "History", "FitState", "Callback", "EarlyStopping",
           "ModelCheckpoint", "METRICS"]
