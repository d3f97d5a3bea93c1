"""Looking at a trained CNN (notes 1.2.4, 1.5): which input pixels move a class score
(input-gradient saliency, Simonyan et al. 2014) and what one layer computes for one input
(its feature maps). ``xa.plot.saliency`` / ``xa.plot.feature_maps`` / ``xa.plot.filters``
draw them; these functions return the arrays.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["saliency", "feature_maps", "eval_mode", "find_layer"]


@contextmanager
def eval_mode(model):
    """The model in eval mode (dropout off, BatchNorm on its running statistics) for the
    ``with`` block, each module's own mode restored afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, mode in modes:
            m.training = mode


def _images(x, fn: str, dtype) -> np.ndarray:
    a = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4:
        raise ValueError(f"{fn}: expected an image (C, H, W) or a batch (N, C, H, W), got "
                         f"shape {a.shape}")
    return np.array(a, dtype=dtype)  # a copy: the caller's array is never touched


def _dtype(model) -> np.dtype:
    first = next(iter(model.parameters()), None)
    return np.dtype(np.float32) if first is None else first.dtype


def saliency(model, x, target=None, *, smooth: int = 0, noise: float = 0.15,
             seed: int = 0) -> np.ndarray:
    """|∂ score / ∂ x|, the score being the output for ``target`` (default: the predicted
    class), and the maximum over the colour channels (Simonyan et al.).

    Args:
        model: a classifier returning (N, classes) scores (run in eval mode here).
        x: one image (C, H, W) or a batch (N, C, H, W) (Tensor or array).
        target: a class index, one per image, or None for each image's argmax.
        smooth: SmoothGrad (Smilkov et al. 2017): the mean of the map over this many
            copies of each image with Gaussian noise added, which averages away the
            pixel-to-pixel jitter of a single gradient (0: the plain gradient).
        noise: the noise's standard deviation, as a fraction of each image's range.
        seed: the noise's random seed.

    Returns:
        (N, H, W) float array (N = 1 for one image). The parameters' ``.grad`` are left
        as they were.
    """
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 0:
        raise ValueError(f"saliency: smooth must be an integer >= 0, got {smooth!r}")
    if not smooth:
        return _saliency(model, x, target)
    if not hasattr(model, "parameters"):
        raise TypeError(f"saliency: expected a Module, got {type(model).__name__}")
    images = _images(x, "saliency", _dtype(model))
    if target is None:  # every noisy copy explains the clean image's predicted class
        with no_grad(), eval_mode(model):
            target = model(Tensor(images)).numpy().argmax(axis=1)
    rng = np.random.default_rng(seed)
    scale = noise * (np.ptp(images.reshape(len(images), -1), axis=1) + 1e-12)
    total = 0.0
    for _ in range(smooth):
        jitter = rng.standard_normal(images.shape) * scale[:, None, None, None]
        total = total + _saliency(model, (images + jitter).astype(images.dtype), target)
    return total / smooth


def _saliency(model, x, target=None) -> np.ndarray:
    if not hasattr(model, "parameters"):
        raise TypeError(f"saliency: expected a Module, got {type(model).__name__}")
    images = Tensor(_images(x, "saliency", _dtype(model)), requires_grad=True)
    params = list(model.parameters())
    grads = [p._grad for p in params]
    try:
        with eval_mode(model):
            out = model(images)
        if out.ndim != 2 or out.shape[0] != images.shape[0]:
            raise ValueError(f"saliency: the model must return (N, classes) scores, got shape "
                             f"{out.shape} for {images.shape[0]} images")
        n, k = out.shape
        t = out.numpy().argmax(axis=1) if target is None else np.asarray(target)
        if t.dtype.kind not in "iu" or t.ndim > 1 or t.size not in (1, n) \
                or t.min() < 0 or t.max() >= k:
            raise ValueError(f"saliency: target must be a class index in [0, {k}) or one "
                             f"per image ({n}), got {target!r}")
        t = np.broadcast_to(t.reshape(-1), (n,))
        pick = np.zeros(out.shape, dtype=out.dtype)
        pick[np.arange(n), t] = 1.0
        out.backward(pick)  # ∂(Σₙ out[n, tₙ]) / ∂x: each image's own class score
    finally:
        for p, g in zip(params, grads):
            p._grad = g
    return np.abs(images.grad.numpy()).max(axis=1)


def find_layer(model, layer):
    """``layer`` itself if it is a module of ``model``, else the submodule with that
    dotted name (``"features.0"``) or index into a Sequential."""
    named = dict(model.named_modules())
    if isinstance(layer, int):
        layer = str(layer)
    if isinstance(layer, str):
        if layer not in named:
            raise ValueError(f"feature_maps: no layer {layer!r} in the model; its layers: "
                             f"{', '.join(repr(k) for k in named if k)}")
        return named[layer]
    if not any(m is layer for m in named.values()):
        raise ValueError(f"feature_maps: {type(layer).__name__} is not a layer of the model")
    return layer


def feature_maps(model, x, layer) -> np.ndarray:
    """The output of ``layer`` (a module of ``model``, or its dotted name) when the model
    runs on one image ``x`` (C, H, W) (in eval mode, without a graph): (channels, H', W')."""
    images = _images(x, "feature_maps", _dtype(model))
    if images.shape[0] != 1:
        raise ValueError(f"feature_maps: expected one image, got a batch of {images.shape[0]}")
    module = find_layer(model, layer)
    seen = []
    forward = module.forward

    def recorded(*args, **kwargs):
        out = forward(*args, **kwargs)
        seen.append(out)
        return out
    object.__setattr__(module, "forward", recorded)
    try:
        with no_grad(), eval_mode(model):
            model(Tensor(images))
    finally:
        module.__dict__.pop("forward", None)
    if not seen:
        raise ValueError("feature_maps: the layer was not called by the model's forward")
    out = seen[0].numpy()[0]
    if out.ndim != 3:
        raise ValueError(f"feature_maps: the layer's output for one image has shape "
                         f"{out.shape}; feature maps need (channels, H, W) — pick a "
                         "convolution, pooling or activation layer")
    return out
