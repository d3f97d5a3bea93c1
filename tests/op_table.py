"""The op table: every public differentiable op of the core, with the same function written
in xarxa and in torch and the input shapes to try (scalars, size-1 dims, broadcasting).

Each entry drives a float64 gradcheck and a float32 PyTorch-parity check
(tests/autograd/test_op_table.py). Inputs avoid kinks and ties: `domain` says how.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F


@dataclass
class OpCase:
    name: str
    xarxa: Callable
    torch: Callable
    shapes: list                      # a list of input-shape tuples, one per case
    domain: str = "any"               # any | positive | nonzero | unit
    extra: list = field(default_factory=list)  # non-float inputs appended to each case


def sample(shape, domain: str, rng: np.random.Generator) -> np.ndarray:
    """Inputs away from kinks (|x| ≥ 0.1) and ties (distinct values)."""
    n = int(np.prod(shape)) if shape else 1
    # distinct magnitudes in [0.1, 2.1) with random signs: no ties, no values near 0
    values = (0.1 + 2.0 * (rng.permutation(n) + rng.random(n) * 0.5) / n)
    if domain == "any" or domain == "nonzero":
        values = values * rng.choice([-1.0, 1.0], n)
    elif domain == "unit":
        values = values / 2.2
    return values.reshape(shape)


UNARY = [(), (1,), (3,), (2, 3), (1, 4, 1), (2, 3, 4)]
BINARY = [((), ()), ((3,), ()), ((), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)),
          ((2, 1), (1, 3)), ((4, 1, 3), (2, 1)), ((1,), (2, 3))]
REDUCE = [(3,), (2, 3), (2, 1, 4)]

OPS: list[OpCase] = [
    # elementwise
    OpCase("add", lambda a, b: a + b, lambda a, b: a + b, BINARY),
    OpCase("sub", lambda a, b: a - b, lambda a, b: a - b, BINARY),
    OpCase("mul", lambda a, b: a * b, lambda a, b: a * b, BINARY),
    OpCase("div", lambda a, b: a / b, lambda a, b: a / b, BINARY, "nonzero"),
    OpCase("neg", lambda a: -a, lambda a: -a, [(s,) for s in UNARY]),
    OpCase("pow", lambda a: a ** 3, lambda a: a ** 3, [(s,) for s in UNARY]),
    OpCase("pow_tensor", lambda a, b: a ** b, lambda a, b: a ** b,
           [((3,), (3,)), ((2, 3), (3,)), ((), (2,))], "positive"),
    OpCase("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [((2, 3),)]),
    OpCase("exp", xa.exp, torch.exp, [(s,) for s in UNARY]),
    OpCase("log", xa.log, torch.log, [(s,) for s in UNARY], "positive"),
    OpCase("sqrt", xa.sqrt, torch.sqrt, [(s,) for s in UNARY], "positive"),
    OpCase("abs", xa.abs, torch.abs, [(s,) for s in UNARY]),
    OpCase("clamp", lambda a: xa.clamp(a, -0.75, 0.95), lambda a: torch.clamp(a, -0.75, 0.95),
           [(s,) for s in UNARY[2:]]),
    OpCase("maximum", xa.maximum, torch.maximum, BINARY),
    OpCase("minimum", xa.minimum, torch.minimum, BINARY),
    OpCase("where", lambda a, b: xa.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b),
           BINARY[3:]),
    OpCase("cast", lambda a: a.double() * 2, lambda a: a.double() * 2, [((2, 3),)]),
    # reductions
    OpCase("sum", lambda a: a.sum(), lambda a: a.sum(), [(s,) for s in UNARY]),
    OpCase("sum_dim", lambda a: a.sum(dim=-1, keepdim=True),
           lambda a: a.sum(dim=-1, keepdim=True), [(s,) for s in REDUCE]),
    OpCase("sum_dims", lambda a: a.sum(dim=(0, 2)), lambda a: a.sum(dim=(0, 2)), [((2, 3, 4),)]),
    OpCase("mean", lambda a: a.mean(0), lambda a: a.mean(0), [(s,) for s in REDUCE]),
    OpCase("max", lambda a: a.max(), lambda a: a.max(), [(s,) for s in UNARY]),
    OpCase("max_dim", lambda a: a.max(dim=1).values, lambda a: a.max(dim=1).values,
           [((2, 3),), ((2, 1, 4),)]),
    OpCase("min", lambda a: a.min(dim=0, keepdim=True).values,
           lambda a: a.min(dim=0, keepdim=True).values, [(s,) for s in REDUCE]),
    OpCase("var", lambda a: a.var(dim=-1), lambda a: a.var(dim=-1), [(s,) for s in REDUCE]),
    OpCase("std", lambda a: a.std(), lambda a: a.std(), [((2, 3),)]),
    # shape
    OpCase("reshape", lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), [((2, 3),)]),
    OpCase("view", lambda a: a.view(-1), lambda a: a.view(-1), [((2, 3),)]),
    OpCase("flatten", lambda a: a.flatten(1), lambda a: a.flatten(1), [((2, 3, 4),)]),
    OpCase("squeeze", lambda a: a.squeeze(), lambda a: a.squeeze(), [((1, 4, 1),)]),
    OpCase("unsqueeze", lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1), [((2, 3),)]),
    OpCase("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2),
           [((2, 3, 4),)]),
    OpCase("permute", lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1),
           [((2, 3, 4),)]),
    OpCase("T", lambda a: a.T, lambda a: a.T, [((2, 3),)]),
    OpCase("expand", lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4),
           [((3, 1),), ((4,),)]),
    OpCase("cat", lambda a, b: xa.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1),
           [((2, 3), (2, 1))]),
    OpCase("stack", lambda a, b: xa.stack([a, b], dim=1), lambda a, b: torch.stack([a, b], 1),
           [((2, 3), (2, 3))]),
    OpCase("pad", lambda a: F.pad(a, (1, 2, 0, 1), value=0.5),
           lambda a: TF.pad(a, (1, 2, 0, 1), value=0.5), [((2, 3),), ((1, 2, 3),)]),
    OpCase("getitem_slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [((3, 4),)]),
    OpCase("getitem_int", lambda a: a[1], lambda a: a[1], [((3, 4),)]),
    OpCase("getitem_array", lambda a: a[xa.tensor([0, 2, 0])],
           lambda a: a[torch.tensor([0, 2, 0])], [((3, 2),)]),
    OpCase("getitem_pairs", lambda a: a[xa.tensor([0, 1, 1]), xa.tensor([2, 0, 0])],
           lambda a: a[torch.tensor([0, 1, 1]), torch.tensor([2, 0, 0])], [((3, 4),)]),
    OpCase("getitem_mask", lambda a: a[a > 0], lambda a: a[a > 0], [((3, 4),)]),
    # linear algebra
    OpCase("matmul", lambda a, b: a @ b, lambda a, b: a @ b,
           [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
            ((2, 2, 3), (3, 4)), ((2, 3), (4, 3, 2))]),
    OpCase("linear", F.linear, TF.linear, [((4, 3), (2, 3), (2,)), ((2, 5, 3), (2, 3), (2,)),
                                            ((3,), (2, 3), (2,))]),
    OpCase("linear_nobias", lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w),
           [((4, 3), (2, 3))]),
    # activations
    OpCase("relu", xa.relu, torch.relu, [(s,) for s in UNARY]),
    OpCase("sigmoid", xa.sigmoid, torch.sigmoid, [(s,) for s in UNARY]),
    OpCase("tanh", xa.tanh, torch.tanh, [(s,) for s in UNARY]),
    OpCase("step", lambda a: F.step(a) * a, lambda a: (a >= 0).to(a.dtype) * a,
           [(s,) for s in UNARY]),
    OpCase("hardtanh", lambda a: F.hardtanh(a, -0.75, 0.95),
           lambda a: TF.hardtanh(a, -0.75, 0.95), [(s,) for s in UNARY[2:]]),
    OpCase("relu6", lambda a: F.relu6(a * 4), lambda a: TF.relu6(a * 4),
           [(s,) for s in UNARY[2:]]),
    OpCase("softmax", lambda a: xa.softmax(a, dim=-1), lambda a: torch.softmax(a, -1),
           [((3,),), ((2, 3),), ((2, 3, 4),)]),
    OpCase("softmax_temperature", lambda a: xa.softmax(a, dim=0, temperature=2.5),
           lambda a: torch.softmax(a / 2.5, 0), [((3, 2),)]),
    OpCase("log_softmax", lambda a: xa.log_softmax(a, dim=1), lambda a: torch.log_softmax(a, 1),
           [((2, 3),), ((2, 4, 3),)]),
]


def _bn_train(x, w, b):
    return xa.batch_norm(x, None, None, w, b, training=True)


def _maxpool_unpool(x):
    out, idx = xa.max_pool2d(x, 2, return_indices=True)
    return F.max_unpool2d(out * 2.0, idx, 2)


def _torch_maxpool_unpool(x):
    out, idx = TF.max_pool2d(x, 2, return_indices=True)
    return TF.max_unpool2d(out * 2.0, idx, 2)


def _conv_case(name, kw, shapes, transposed=False):
    """conv2d (or conv_transpose2d) with keyword arguments `kw`, in both libraries."""
    ours, theirs = (xa.conv_transpose2d, TF.conv_transpose2d) if transposed else \
        (xa.conv2d, TF.conv2d)
    return OpCase(name, lambda x, w, b: ours(x, w, b, **kw),
                  lambda x, w, b: theirs(x, w, b, **kw), shapes)


def _interp_case(name, kw, shapes):
    return OpCase(name, lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw),
                  shapes)


def _torch_bed_of_nails(x):  # plain torch ops: value at (0, 0) of each 2×2 block
    n, c, h, w = x.shape
    out = torch.zeros(n, c, h, 2, w, 2, dtype=x.dtype)
    out[:, :, :, 0, :, 0] = x
    return out.reshape(n, c, 2 * h, 2 * w)


OPS += [
    # CNN ops (layers are tested against torch.nn in tests/nn; these are the raw ops)
    OpCase("conv2d", lambda x, w, b: xa.conv2d(x, w, b, stride=2, padding=1),
           lambda x, w, b: TF.conv2d(x, w, b, stride=2, padding=1),
           [((2, 3, 5, 5), (4, 3, 3, 3), (4,))]),
    OpCase("conv2d_1x1", lambda x, w: xa.conv2d(x, w), lambda x, w: TF.conv2d(x, w),
           [((1, 3, 4, 4), (2, 3, 1, 1))]),
    OpCase("conv_transpose2d",
           lambda x, w, b: xa.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           [((2, 3, 3, 3), (3, 2, 3, 3), (2,))]),
    # grouped, depthwise (groups = C, also with a channel multiplier) and dilated
    # convolutions: batch 1, odd sizes, stride/padding combinations
    _conv_case("conv2d_groups", dict(groups=2, padding=1),
               [((1, 4, 5, 5), (6, 2, 3, 3), (6,))]),
    _conv_case("conv2d_depthwise", dict(groups=3, stride=2, padding=1),
               [((1, 3, 5, 5), (3, 1, 3, 3), (3,)), ((2, 3, 6, 5), (6, 1, 3, 3), (6,))]),
    _conv_case("conv2d_dilation", dict(dilation=2, padding=2),
               [((1, 2, 7, 7), (3, 2, 3, 3), (3,))]),
    _conv_case("conv2d_dilation_groups", dict(dilation=(2, 1), stride=2, padding=(1, 0),
                                              groups=2), [((2, 4, 9, 7), (4, 2, 3, 2), (4,))]),
    _conv_case("conv_transpose2d_groups", dict(groups=2, stride=2, padding=1,
                                               output_padding=1),
               [((1, 4, 3, 3), (4, 3, 3, 3), (6,))], transposed=True),
    _conv_case("conv_transpose2d_depthwise", dict(groups=3, stride=2, output_padding=1),
               [((1, 3, 3, 4), (3, 1, 3, 3), (3,))], transposed=True),
    _conv_case("conv_transpose2d_dilation", dict(dilation=2, padding=1, output_padding=1),
               [((2, 2, 3, 3), (2, 3, 3, 3), (3,))], transposed=True),
    OpCase("max_pool2d", lambda x: xa.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
           [((2, 2, 4, 4),), ((1, 1, 5, 5),)]),
    OpCase("max_unpool2d", _maxpool_unpool, _torch_maxpool_unpool, [((1, 2, 4, 4),)]),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
           lambda x: TF.avg_pool2d(x, 3, stride=2, padding=1), [((2, 2, 5, 5),)]),
    OpCase("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, 1),
           lambda x: TF.adaptive_avg_pool2d(x, 1), [((2, 3, 4, 5),)]),
    OpCase("adaptive_avg_pool2d_cells", lambda x: F.adaptive_avg_pool2d(x, (3, 7)),
           lambda x: TF.adaptive_avg_pool2d(x, (3, 7)), [((1, 2, 5, 3),), ((2, 1, 3, 7),)]),
    OpCase("upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=2),
           lambda x: TF.interpolate(x, scale_factor=2, mode="nearest"), [((1, 2, 3, 3),)]),
    OpCase("interpolate", lambda x: F.interpolate(x, size=(5, 7)),
           lambda x: TF.interpolate(x, size=(5, 7), mode="nearest"), [((1, 1, 3, 3),)]),
    _interp_case("interpolate_bilinear", dict(size=(5, 4), mode="bilinear"),
                 [((1, 2, 3, 3),), ((2, 1, 6, 5),)]),
    _interp_case("interpolate_bilinear_corners", dict(scale_factor=1.5, mode="bilinear",
                                                      align_corners=True), [((1, 2, 3, 5),)]),
    _interp_case("interpolate_bicubic", dict(size=(7, 3), mode="bicubic"),
                 [((1, 2, 4, 5),), ((1, 1, 1, 3),)]),
    _interp_case("interpolate_bicubic_corners", dict(scale_factor=(2.5, 0.6), mode="bicubic",
                                                     align_corners=True), [((2, 1, 3, 5),)]),
    _interp_case("interpolate_bicubic_antialias", dict(size=(3, 4), mode="bicubic",
                                                       antialias=True), [((1, 2, 7, 5),)]),
    _interp_case("interpolate_area", dict(size=(2, 3), mode="area"), [((1, 2, 5, 7),)]),
    OpCase("bed_of_nails_unpool", lambda x: F.bed_of_nails_unpool(x, 2), _torch_bed_of_nails,
           [((1, 2, 3, 3),)]),
    OpCase("batch_norm", _bn_train,
           lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
           [((4, 3, 2, 2), (3,), (3,)), ((5, 3), (3,), (3,))]),
    OpCase("batch_norm_relu",
           lambda x, w, b: xa.batch_norm(x, None, None, w, b, training=True,
                                         activation="relu"),
           lambda x, w, b: torch.relu(TF.batch_norm(x, None, None, w, b, training=True)),
           [((4, 3, 2, 2), (3,), (3,)), ((5, 3), (3,), (3,))]),
]

# the fused loss nodes of xarxa/autograd/ops/loss.py, through their checked functions (the
# composed losses are tested against torch in tests/nn/test_losses.py)
F = xa.nn.functional
_T = [0, 2, 1, 2]                       # class indices for (4, 3) logits
_T_PIXELS = [[[0, 2], [1, 1]], [[2, 0], [0, 1]]]  # for (2, 3, 2, 2) logits
_W = [0.5, 2.0, 1.0]                    # class weights


def _ce(reduction="mean", **kw):
    return OpCase(f"cross_entropy_{reduction}" + "".join(f"_{k}" for k in kw),
                  lambda x: F.cross_entropy(x, xa.tensor(_T), reduction=reduction, **kw),
                  lambda x: TF.cross_entropy(x, torch.tensor(_T), reduction=reduction,
                                             **{k: torch.tensor(v) if k == "weight" else v
                                                for k, v in kw.items()}),
                  [((4, 3),)])


OPS += [
    OpCase("mse_loss", F.mse_loss, TF.mse_loss, [((3,), (3,)), ((2, 3), (2, 3))]),
    OpCase("mse_loss_sum", lambda x, t: F.mse_loss(x, t, reduction="sum"),
           lambda x, t: TF.mse_loss(x, t, reduction="sum"), [((2, 3), (2, 3))]),
    OpCase("mse_loss_none", lambda x, t: F.mse_loss(x, t, reduction="none"),
           lambda x, t: TF.mse_loss(x, t, reduction="none"), [((2, 3), (2, 3))]),
    _ce(), _ce("sum"), _ce("none"), _ce(weight=_W), _ce(label_smoothing=0.2),
    _ce(weight=_W, label_smoothing=0.1, ignore_index=1),
    OpCase("cross_entropy_pixels", lambda x: F.cross_entropy(x, xa.tensor(_T_PIXELS)),
           lambda x: TF.cross_entropy(x, torch.tensor(_T_PIXELS)), [((2, 3, 2, 2),)]),
    OpCase("cross_entropy_probabilities",   # probability targets get a gradient too
           lambda x, t: F.cross_entropy(x, t, weight=_W, label_smoothing=0.1),
           lambda x, t: TF.cross_entropy(x, t, weight=torch.tensor(_W, dtype=x.dtype),
                                         label_smoothing=0.1),
           [((4, 3), (4, 3))], "unit"),
    OpCase("binary_cross_entropy", F.binary_cross_entropy, TF.binary_cross_entropy,
           [((3,), (3,)), ((2, 3), (2, 3))], "unit"),
    OpCase("binary_cross_entropy_weight",
           lambda x, t: F.binary_cross_entropy(x, t, weight=xa.tensor([0.5, 2.0, 1.0]),
                                               reduction="sum"),
           lambda x, t: TF.binary_cross_entropy(x, t, weight=torch.tensor([0.5, 2.0, 1.0],
                                                dtype=x.dtype), reduction="sum"),
           [((2, 3), (2, 3))], "unit"),
    OpCase("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
           TF.binary_cross_entropy_with_logits, [((3,), (3,)), ((2, 3), (2, 3))]),
    OpCase("binary_cross_entropy_with_logits_pos_weight",
           lambda x, t: F.binary_cross_entropy_with_logits(
               x, t.abs(), weight=xa.tensor([0.5, 2.0, 1.0]), reduction="none",
               pos_weight=xa.tensor([3.0, 1.0, 0.5])),
           lambda x, t: TF.binary_cross_entropy_with_logits(
               x, t.abs(), weight=torch.tensor([0.5, 2.0, 1.0], dtype=x.dtype),
               reduction="none", pos_weight=torch.tensor([3.0, 1.0, 0.5], dtype=x.dtype)),
           [((2, 3), (2, 3))]),
]

# the one reduction node of every composed loss (`Reduce`, through xarxa.nn.losses.reduce):
# a mean, a sum and a weighted mean (nll_loss divides by the targets' total weight)
OPS += [
    OpCase("l1_loss", F.l1_loss, TF.l1_loss, [((3,), (3,)), ((2, 3), (2, 3))]),
    OpCase("huber_loss_sum", lambda x, t: F.huber_loss(x, t, reduction="sum", delta=0.5),
           lambda x, t: TF.huber_loss(x, t, reduction="sum", delta=0.5), [((2, 3), (2, 3))]),
    OpCase("nll_loss_weight", lambda x: F.nll_loss(x, xa.tensor(_T), weight=xa.tensor(_W)),
           lambda x: TF.nll_loss(x, torch.tensor(_T), weight=torch.tensor(_W, dtype=x.dtype)),
           [((4, 3),)]),
]

# ops exported by xarxa.autograd.ops that are not differentiable (or are aliases)
NOT_DIFFERENTIABLE = {"argmax", "argmin", "heaviside"}   # heaviside: no gradient in PyTorch
ALIASES = {"concatenate": "cat", "broadcast_to": "expand",
           "getitem": "getitem_slice"}

# elementary functions, norms, mm/bmm, meshgrid (xarxa/autograd/ops/math.py and vector.py);
# floor/ceil/round/sign: gradient 0 as in PyTorch (inputs stay away from the jumps)
_U = [(s,) for s in UNARY]
_INF = float("inf")


def _norm_case(name, shapes, **kw):
    return OpCase(name, lambda a: xa.norm(a, **kw), lambda a: torch.norm(a, **kw), shapes)


OPS += [
    OpCase("sin", xa.sin, torch.sin, _U),
    OpCase("cos", xa.cos, torch.cos, _U),
    OpCase("tan", lambda a: xa.tan(0.6 * a), lambda a: torch.tan(0.6 * a), _U),
    OpCase("asin", lambda a: xa.asin(2 * a - 1), lambda a: torch.asin(2 * a - 1), _U, "unit"),
    OpCase("acos", lambda a: xa.acos(2 * a - 1), lambda a: torch.acos(2 * a - 1), _U, "unit"),
    OpCase("atan", xa.atan, torch.atan, _U),
    OpCase("atan2", xa.atan2, torch.atan2, BINARY),
    OpCase("sinh", xa.sinh, torch.sinh, _U),
    OpCase("cosh", xa.cosh, torch.cosh, _U),
    OpCase("erf", xa.erf, torch.erf, _U),
    OpCase("log1p", xa.log1p, torch.log1p, _U, "positive"),
    OpCase("expm1", xa.expm1, torch.expm1, _U),
    OpCase("log2", xa.log2, torch.log2, _U, "positive"),
    OpCase("log10", xa.log10, torch.log10, _U, "positive"),
    OpCase("reciprocal", xa.reciprocal, torch.reciprocal, _U, "nonzero"),
    OpCase("rsqrt", xa.rsqrt, torch.rsqrt, _U, "positive"),
    OpCase("square", xa.square, torch.square, _U),
    OpCase("floor", lambda a: xa.floor(3 * a) * a, lambda a: torch.floor(3 * a) * a, _U),
    OpCase("ceil", lambda a: xa.ceil(3 * a) * a, lambda a: torch.ceil(3 * a) * a, _U),
    OpCase("round", lambda a: xa.round(3 * a) * a, lambda a: torch.round(3 * a) * a, _U),
    OpCase("round_decimals", lambda a: a.round(decimals=1), lambda a: a.round(decimals=1),
           [((2, 3),)]),
    OpCase("sign", lambda a: xa.sign(a) * a, lambda a: torch.sign(a) * a, _U),
    OpCase("mm", xa.mm, torch.mm, [((2, 3), (3, 4)), ((1, 1), (1, 3))]),
    OpCase("bmm", xa.bmm, torch.bmm, [((2, 2, 3), (2, 3, 4)), ((1, 1, 2), (1, 2, 1))]),
    _norm_case("norm", _U),
    _norm_case("norm_fro_dims", [((2, 3, 4),)], p="fro", dim=(0, 2)),
    _norm_case("norm_p3_dim", [((2, 3),), ((2, 1, 4),)], p=3, dim=1, keepdim=True),
    _norm_case("norm_p1", [((2, 3),), ((),)], p=1, dim=-1),
    _norm_case("norm_p1_5", [((2, 3),)], p=1.5, dim=0),
    _norm_case("norm_p0_5", [((2, 3),)], p=0.5),
    _norm_case("norm_p0", [((2, 3),)], p=0, dim=1),
    _norm_case("norm_inf", [((2, 3),), ((1,),)], p=_INF, dim=0),
    _norm_case("norm_neg_inf", [((2, 3),)], p=-_INF),
    OpCase("meshgrid", lambda a, b: xa.stack(xa.meshgrid(a, b, indexing="xy")),
           lambda a, b: torch.stack(torch.meshgrid(a, b, indexing="xy")),
           [((3,), (2,)), ((), (2,)), ((1,), (4,))]),
    # clone is the Cast node with a copy (`.double()` of a float64 input is the input itself,
    # as in PyTorch, so the float64 checks reach Cast through clone)
    OpCase("clone", lambda a: a.clone() * 2, lambda a: a.clone() * 2, _U),
    OpCase("meshgrid_ij", lambda a, b, c: xa.stack(xa.meshgrid([a, b, c], indexing="ij")),
           lambda a, b, c: torch.stack(torch.meshgrid([a, b, c], indexing="ij")),
           [((2,), (3,), (1,))]),
]
NOT_DIFFERENTIABLE |= {"eq", "ne", "lt", "le", "gt", "ge"}   # bool results

# activations, layer norm and embedding of nn (xarxa/autograd/ops/activation.py, norm.py,
# embedding.py); softplus with a low threshold so that both of its branches are reached
_IDX = [[0, 2, 1], [2, 1, 2]]       # rows of a (5, 3) or (3, 1) table, row 2 three times
OPS += [
    OpCase("leaky_relu", lambda a: F.leaky_relu(a, 0.2), lambda a: TF.leaky_relu(a, 0.2), _U),
    OpCase("elu", lambda a: F.elu(a, alpha=0.7), lambda a: TF.elu(a, alpha=0.7), _U),
    OpCase("gelu", F.gelu, TF.gelu, _U),
    OpCase("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"),
           lambda a: TF.gelu(a, approximate="tanh"), _U),
    OpCase("silu", F.silu, TF.silu, _U),
    OpCase("softplus", F.softplus, TF.softplus, _U),
    OpCase("softplus_beta_threshold", lambda a: F.softplus(a, beta=2.0, threshold=1.5),
           lambda a: TF.softplus(a, beta=2.0, threshold=1.5), [((2, 3),), ((4,),)]),
    OpCase("layer_norm", lambda x, w, b: xa.layer_norm(x, w.shape, w, b, eps=1e-3),
           lambda x, w, b: TF.layer_norm(x, w.shape, w, b, eps=1e-3),
           [((4, 3), (3,), (3,)), ((2, 3, 4), (3, 4), (3, 4)), ((3,), (3,), (3,))]),
    OpCase("layer_norm_plain", lambda x: xa.layer_norm(x, x.shape[-1:]),
           lambda x: TF.layer_norm(x, x.shape[-1:]), [((2, 5),), ((1, 2, 3),)]),
    OpCase("embedding", lambda w: xa.embedding(xa.tensor(_IDX), w),
           lambda w: TF.embedding(torch.tensor(_IDX), w), [((5, 3),)]),
    OpCase("embedding_int32",
           lambda w: xa.embedding(xa.tensor(np.array(_IDX, np.int32)), w),
           lambda w: TF.embedding(torch.tensor(_IDX, dtype=torch.int32), w), [((3, 1),)]),
]   # padding_idx and scale_grad_by_freq change the gradient on purpose:
    # tests/nn/test_layer_norm_embedding.py

# indexing ops of PyTorch (xarxa/autograd/ops/indexing.py); indices fixed per case, with a
# repeated index (gather's and index_select's gradients add up there)
_GI = [[0, 2, 1, 0], [2, 2, 0, 1]]          # a (2, 4) index into dim 0 of a (3, 4) input
_SI = [[0, 1, 2, 0], [2, 0, 1, 1]]          # scatter: distinct targets per column
_MASK = [[True, False, True, False], [False, False, True, True], [True, True, False, False]]
OPS += [
    OpCase("gather", lambda a: xa.gather(a, 0, xa.tensor(_GI)),
           lambda a: torch.gather(a, 0, torch.tensor(_GI)), [((3, 4),)]),
    OpCase("gather_dim1", lambda a: a.gather(1, xa.tensor([[0, 0], [1, 0], [1, 1]])),
           lambda a: a.gather(1, torch.tensor([[0, 0], [1, 0], [1, 1]])), [((3, 2),)]),
    OpCase("scatter", lambda a, s: xa.scatter(a, 0, xa.tensor(_SI), s),
           lambda a, s: torch.scatter(a, 0, torch.tensor(_SI), s), [((3, 4), (2, 4))]),
    OpCase("scatter_value", lambda a: a.scatter(1, xa.tensor([[1], [0], [3]]), 0.5),
           lambda a: a.scatter(1, torch.tensor([[1], [0], [3]]), 0.5), [((3, 4),)]),
    OpCase("index_select", lambda a: a.index_select(1, xa.tensor([3, 0, 3])),
           lambda a: a.index_select(1, torch.tensor([3, 0, 3])), [((2, 4),), ((3, 4),)]),
    OpCase("masked_fill", lambda a: a.masked_fill(xa.tensor(_MASK), -1.5),
           lambda a: a.masked_fill(torch.tensor(_MASK), -1.5), [((3, 4),)]),
    OpCase("masked_fill_broadcast", lambda a: a.masked_fill(xa.tensor(_MASK[0]), 2.0),
           lambda a: a.masked_fill(torch.tensor(_MASK[0]), 2.0), [((3, 4),), ((2, 1, 4),)]),
    OpCase("flip", lambda a: xa.flip(a, (0, 2)), lambda a: torch.flip(a, (0, 2)),
           [((2, 3, 4),), ((1, 2, 1),)]),
    OpCase("repeat", lambda a: a.repeat(2, 1, 3), lambda a: a.repeat(2, 1, 3),
           [((2, 3),), ((3,),), ((1, 2, 1),)]),
    OpCase("split", lambda a: xa.stack([p.sum() for p in xa.split(a, [1, 3], dim=1)]) +
           a.split(2)[-1].sum(), lambda a: torch.stack([p.sum() for p in torch.split(
               a, [1, 3], dim=1)]) + a.split(2)[-1].sum(), [((3, 4),)]),
    OpCase("chunk", lambda a: xa.cat([p * (i + 1) for i, p in enumerate(xa.chunk(a, 3, 1))], 1),
           lambda a: torch.cat([p * (i + 1) for i, p in enumerate(torch.chunk(a, 3, 1))], 1),
           [((2, 5),), ((1, 3),)]),
    OpCase("sort", lambda a: xa.sort(a, dim=0).values, lambda a: torch.sort(a, dim=0).values,
           [((4, 3),), ((5,),)]),
    OpCase("sort_descending", lambda a: a.sort(descending=True)[0] * xa.arange(4.0),
           lambda a: a.sort(descending=True)[0] * torch.arange(4.0), [((2, 4),)]),
    OpCase("topk", lambda a: xa.topk(a, 2, dim=1).values, lambda a: torch.topk(a, 2, 1).values,
           [((3, 4),)]),
    OpCase("topk_smallest", lambda a: a.topk(3, dim=0, largest=False)[0],
           lambda a: a.topk(3, dim=0, largest=False)[0], [((4, 2),), ((3,),)]),
    OpCase("t", xa.t, torch.t, [((2, 3),), ((3,),)]),
    # a transposed (strided) input makes contiguous() copy: its Contiguous node is reached
    OpCase("contiguous", lambda a: a.T.contiguous() * 2, lambda a: a.T.contiguous() * 2,
           [((2, 3),)]),
]


def cases() -> list:
    """One pytest parameter per (op, input shapes) of the table, named `op-shapes`."""
    import pytest
    return [pytest.param(op, shapes, id=f"{op.name}-{'x'.join(map(str, shapes))}")
            for op in OPS for shapes in op.shapes]


def inputs(op: OpCase, shapes, seed: int = 0) -> list:
    """A case's input arrays (away from kinks and ties, see `sample`)."""
    rng = np.random.default_rng(seed)
    return [sample(s, op.domain, rng) for s in shapes]
