"""autograd: a scalar reverse-mode automatic differentiation engine.

>>> from autograd import Value
>>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
>>> z = (x + y) ** 2
>>> z.backward()
>>> x.grad, y.grad
(6.0, 6.0)

The core (``Value``, ``backward``, ``grad``, ``gradcheck``) needs only the standard
library.  Drawing (``draw_graph``) imports graphviz only when it is called.
"""
from autograd import ops
from autograd.backward import backward, grad, topological_order, zero_grad
from autograd.diagnostics import ChainruleWarning, check_graph
from autograd.explain import explain
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numeric_grad
from autograd.graph import draw_graph
from autograd.nary import linear, sum
from autograd.steps import backward_frames, backward_steps
from autograd.value import Value, enable_grad, is_grad_enabled, no_grad

__all__ = [
    "Value", "backward", "grad", "topological_order", "zero_grad", "no_grad", "enable_grad",
    "is_grad_enabled", "gradcheck", "gradgradcheck", "numeric_grad", "GradcheckError",
    "linear", "sum", "ops", "draw_graph", "backward_steps", "backward_frames",
    "explain", "check_graph", "ChainruleWarning",
]
