"""Tools for seeing what a network does: `summary` (per-layer table, depth and width) and
`receptive_field` (each layer's field, jump and start), `record` (keep every
intermediate tensor's value and gradient of a forward/backward pass) and `trace` (the
notes' forward/backward table of a recorded pass, also as Markdown and LaTeX), `to_dot` and
`draw` (the graph as Graphviz DOT text or an SVG/PNG picture), both at the notes' granularity
(a loss is one node; `call_scope` makes a function of your own one node too)."""
from ..autograd.record import Tape, call_scope, record  # noqa: F401
from .trace import Trace, TraceRow, trace  # noqa: F401
from .dot import Drawing, draw, to_dot  # noqa: F401
from .receptive_field import FieldRow, FieldTable, receptive_field  # noqa: F401
from .summary import Row, Summary, summary  # noqa: F401
from .hessian import Hessian, hessian, top_eigenvalues  # noqa: F401
from .curvature import Density, TraceEstimate, eigenvalue_density, hessian_trace  # noqa: F401
from .landscape import Landscape, Trajectory, landscape, random_directions, trajectory  # noqa
from .lr_find import LRFind, lr_find  # noqa: F401
from .saliency import feature_maps, saliency  # noqa: F401

__all__ = ["Drawing", "FieldRow", "FieldTable", "Row", "Summary", "Tape", "Trace", "TraceRow",
           "call_scope", "draw", "receptive_field", "record", "summary", "to_dot", "trace"]
__all__ += ["Density", "Hessian", "LRFind", "Landscape", "Trajectory", "TraceEstimate",
            "eigenvalue_density", "feature_maps", "hessian", "hessian_trace", "landscape",
            "lr_find", "random_directions", "saliency", "top_eigenvalues", "trajectory"]
