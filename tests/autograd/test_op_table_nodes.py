"""The op table's completeness, node by node: every `Function` subclass written in
`xarxa/autograd/ops/` (the fused loss nodes included) is reached by some case of
tests/op_table.py, so that each one is gradchecked and compared with PyTorch."""
import importlib
import inspect
import pkgutil

import numpy as np

import xarxa as xa
import xarxa.autograd.ops as ops
from xarxa.autograd.function import Function

from op_table import OPS, sample


def _node_classes():
    found = set()
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"{ops.__name__}.{info.name}")
        found |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Function) and cls.__module__ == module.__name__}
    return found


def _graph_classes(out) -> set:
    """The classes of every node in the graph behind `out` (a tensor or a tuple of them)."""
    stack = list(out) if isinstance(out, (tuple, list)) else [out]
    seen, classes = set(), set()
    while stack:
        node = getattr(stack.pop(), "_ctx", None)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        classes.add(type(node))
        stack.extend(node.inputs)
    return classes


def test_the_walk_finds_the_fused_loss_node():
    # the checker itself must be able to fail: a loss node is found, and only through a loss
    from xarxa.autograd.ops.loss import CrossEntropy
    x = xa.tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    assert CrossEntropy in _graph_classes(xa.nn.functional.cross_entropy(x, xa.tensor([0, 1])))
    assert CrossEntropy not in _graph_classes((x * 2).sum())


def test_every_function_subclass_is_reached_by_the_op_table():
    """Through a case's graph or its first derivative's (create_graph=True)."""
    reached = set()
    rng = np.random.default_rng(0)
    for op in OPS:
        for shapes in op.shapes:
            args = [xa.tensor(sample(s, op.domain, rng), requires_grad=True) for s in shapes]
            out = op.xarxa(*args)
            reached |= _graph_classes(out)
            # the nodes a backward records under create_graph (LinearMap, conv's weight
            # gradient) are reached through the first derivative's graph (v requiring grad)
            outs = [o for o in (out if isinstance(out, (tuple, list)) else [out])
                    if o.requires_grad]
            firsts = xa.autograd.grad(outs, args, [xa.ones_like(o).requires_grad_() for o in outs],
                                      create_graph=True, allow_unused=True)
            reached |= _graph_classes([g for g in firsts if g is not None])
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in _node_classes() - reached)
    assert not missing, f"Function subclasses no case of tests/op_table.py reaches: {missing}"
