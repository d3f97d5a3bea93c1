"""Layer parity with PyTorch: copy xarxa's weights into the torch layer, then compare the
forward values, the input gradient and every parameter gradient of (out * v).sum()."""
from __future__ import annotations

import numpy as np
import torch

import xarxa as xa


def copy_into_torch(layer, torch_layer) -> None:
    """Load xarxa's state_dict into the torch module (same architecture, same names)."""
    state = {k: torch.tensor(np.array(v.numpy())) for k, v in layer.state_dict().items()}
    torch_layer.load_state_dict(state, strict=True)


def check_layer(layer, torch_layer, x: np.ndarray, rtol: float = 1e-4, atol: float = 1e-5,
                seed: int = 0, call=None, torch_call=None) -> None:
    """Compare `layer(x)` with `torch_layer(x)` (float32) forward and backward."""
    copy_into_torch(layer, torch_layer)
    call = call or (lambda m, t: m(t))
    torch_call = torch_call or call
    xx = xa.tensor(x.astype(np.float32), requires_grad=True)
    tx = torch.tensor(x.astype(np.float32), requires_grad=True)
    out, tout = call(layer, xx), torch_call(torch_layer, tx)
    assert out.shape == tuple(tout.shape), f"shape {out.shape} vs torch {tuple(tout.shape)}"
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward differs from torch")
    v = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xx.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol,
                               err_msg="input gradient differs from torch")
    torch_params = dict(torch_layer.named_parameters())
    for name, p in layer.named_parameters():
        tp = torch_params[name]
        assert p.grad is not None, f"{name}: no gradient"
        assert p.grad.dtype == np.float32, f"{name}: gradient dtype {p.grad.dtype}"
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {name} differs from torch")
