"""Function transforms (PyTorch's `torch.func`): derivatives as functions, not `.grad`s.

    from xarxa import func
    func.grad(f)(x)                   # ∇f at x (f returns a scalar)
    func.grad(func.grad(f))(x)        # f''(x): the transforms compose
    func.hessian(loss)(w)             # ∂²loss/∂w², shape w.shape + w.shape
    func.functional_call(model, params, (x,))   # the model with `params` as its weights

`grad`, `grad_and_value`, `vjp`, `jvp`, `jacrev`, `jacfwd`, `hessian` and
`functional_call` take PyTorch's arguments (`argnums`, an int or a tuple; `has_aux`) and
pytrees (a Tensor, or tuples/lists/dicts of them) as inputs and outputs. None of them reads
or writes a `.grad`; they differentiate inside `no_grad()` too (as PyTorch's do: a
transform is not recording for the caller), while a `no_grad()` inside the function still
stops its gradient. Underneath is `xa.autograd.grad` (`create_graph=True` where an
enclosing transform or the caller will differentiate the result; see `_transforms.py`).

Forward mode (`jvp`, `jacfwd`) is the double-VJP trick: two reverse passes, see `jvp`.
`hessian` is `jacrev(jacrev(f))` (PyTorch's is `jacfwd(jacrev(f))`; see `hessian`).

Not here: `vmap`. PyTorch runs a function once on a batch and every op knows how to carry
the batch dimension through (batching rules); xarxa's ops have no such rules, and a vmap
that looped in Python would only pretend. For per-sample gradients loop, or let the batch
do the work: `vjp` of the per-sample losses (a vector) against one-hot cotangents, or
`jacrev` of the vector of per-sample losses with respect to the parameters, gives one
gradient per sample — e.g. `jacrev(lambda p: per_sample_losses(functional_call(model, p,
(x,)), y))(params)`: a dict of (batch, *parameter shape) tensors.
"""
from ._call import functional_call
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "vjp"]
