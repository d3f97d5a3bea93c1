"""An independent check of `xarxa.inspect`'s exact Hessians: central differences of the
engine's first-order gradients (what `inspect.hessian` computed before it had exact
Hessian-vector products), in whatever dtype the parameters have.

    H[:, j] ≈ (∇L(θ + hⱼeⱼ) − ∇L(θ − hⱼeⱼ)) / 2hⱼ,   hⱼ = h·max(1, |θⱼ|)

exact for a quadratic loss (its gradient is linear), otherwise off by O(h²): about 1e-10
of truncation against 1e-11 of rounding in float64 (h = 1e-5); float32 keeps only a few
digits (its rounding of ~1e-7 divided by 2h)."""
import numpy as np


def fd_hessian(loss_fn, params, h: float = 1e-5) -> np.ndarray:
    """The n×n Hessian of `loss_fn()` by central differences of gradients, symmetrised,
    float64. The parameters' arrays and `.grad` are restored afterwards."""
    params = list(params)
    saved = [(p._data, p._grad) for p in params]
    theta = np.concatenate([p._data.astype(np.float64).ravel() for p in params])
    sizes = [p.numel() for p in params]

    def grad(at):
        start = 0
        for p, size, (data, _) in zip(params, sizes, saved):
            p._data = np.array(at[start:start + size], dtype=data.dtype).reshape(p.shape)
            p._grad = None
            start += size
        loss_fn().backward()
        return np.concatenate([np.zeros(s) if p._grad is None else
                               p._grad._data.astype(np.float64).ravel()
                               for p, s in zip(params, sizes)])
    try:
        n = theta.size
        steps = h * np.maximum(1.0, np.abs(theta))
        matrix = np.empty((n, n))
        for j in range(n):
            e = np.zeros(n)
            e[j] = steps[j]
            matrix[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * steps[j])
    finally:
        for p, (data, g) in zip(params, saved):
            p._data, p._grad = data, g
    return 0.5 * (matrix + matrix.T)
