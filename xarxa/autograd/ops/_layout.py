"""Memory layouts of 4-D image tensors, for the CNN ops (conv, pool, batch norm).

A tensor's *logical* shape is always PyTorch's (N, C, H, W); its memory order may differ,
as PyTorch's channels_last is a memory format. The convolutions produce their output in
**(C, H, W, N)** memory order ("CHWN", batch innermost): the GEMM writes it that way, so
returning its (N, C, H, W) transposed view costs no copy, and in that order the next
im2col, col2im and pooling work on contiguous runs of W·N values instead of short image
rows (2–3× faster in NumPy). Elementwise ops keep the order (NumPy allocates results in
their inputs' order), batch norm and pooling are written for any order, and a reshape
(e.g. Flatten) makes the usual C-ordered copy. Only `.numpy()` shows the difference: such
a tensor's array is non-contiguous (`np.ascontiguousarray` gives a C-ordered copy).
"""
from __future__ import annotations

CHWN = (1, 2, 3, 0)   # memory order of the convolutions' outputs (outermost first)


def layout_of(a) -> tuple:
    """The axes of `a` from outermost to innermost in memory (ties keep axis order)."""
    return tuple(sorted(range(a.ndim), key=lambda i: (-abs(a.strides[i]), i)))


def inverse(perm) -> tuple:
    out = [0] * len(perm)
    for i, p in enumerate(perm):
        out[p] = i
    return tuple(out)


def empty_in_layout(xp, shape, order, dtype):
    """An uninitialised array of logical `shape` stored in memory `order`."""
    return xp.empty([shape[i] for i in order], dtype=dtype).transpose(inverse(order))


def zeros_in_layout(xp, shape, order, dtype):
    return xp.zeros([shape[i] for i in order], dtype=dtype).transpose(inverse(order))


def same_layout(xp, a, like):
    """`a` stored in `like`'s memory order (a copy only when the orders differ)."""
    order = layout_of(like)
    if layout_of(a) == order:
        return a
    out = empty_in_layout(xp, a.shape, order, a.dtype)
    out[...] = a
    return out


def to_chwn(xp, x, padding=(0, 0, 0, 0)):
    """x (N, C, H, W) zero-padded by (top, bottom, left, right), stored CHWN: x itself when
    it already is and needs no padding, else one copy (padding and reordering at once)."""
    pt, pb, pl, pr = padding
    padded = pt or pb or pl or pr
    if not padded and layout_of(x) == CHWN:
        return x
    n, c, h, w = x.shape
    shape = (n, c, h + pt + pb, w + pl + pr)
    out = (zeros_in_layout if padded else empty_in_layout)(xp, shape, CHWN, x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def chwn_matrix(a):
    """(N, C, H, W) -> the (C, H·W·N) matrix of its CHWN order (a view when stored CHWN)."""
    return a.transpose(CHWN).reshape(a.shape[1], -1)


def from_chwn(y, n, c, h, w):
    """Inverse of `chwn_matrix`: the (N, C, H, W) view of a (C, H·W·N) matrix."""
    return y.reshape(c, h, w, n).transpose(3, 0, 1, 2)


def channel_first(x):
    """A 3-D (C, A, B) view of x (N, C, …) for per-channel reductions, B the axes stored
    inside the channel axis (contiguous, long), A those outside it; plus the permutation
    that `restore` needs. NCHW gives (C, N, H·W), CHWN gives (C, 1, H·W·N)."""
    order = layout_of(x)
    at = order.index(1)
    outer, inner = order[:at], order[at + 1:]
    perm = (1,) + outer + inner
    a = 1
    for i in outer:
        a *= x.shape[i]
    return x.transpose(perm).reshape(x.shape[1], a, -1), perm


def channel_first_like(x, perm, shape3):
    """The (C, A, B) view of x for a permutation and 3-D shape found by `channel_first` on
    another array: the same logical element order, so the two combine elementwise."""
    return x.transpose(perm).reshape(shape3)


def restore(a3, perm, shape):
    """Inverse of `channel_first`: the logical-shape view of a (C, A, B) array."""
    return a3.reshape([shape[i] for i in perm]).transpose(inverse(perm))
