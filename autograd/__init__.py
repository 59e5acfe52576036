"""autograd: a scalar reverse-mode automatic differentiation engine.

>>> from autograd import Value
>>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
>>> z = (x + y) ** 2
>>> z.backward()
>>> x.grad, y.grad
(6.0, 6.0)

The modules, lowest layer first; each imports only from the layers above it in
this list (a test in tests/test_layering.py reads every import and checks):

1. ``ops``        -- the primitive table: one ``define()`` per operation; ``language`` --
   the language of the texts for a learner (``set_language('ko')``);
2. ``value``      -- ``Value`` and node making; ``nary`` -- ``sum`` and ``linear``;
3. ``backward``   -- the chain rule run backward, ``grad``, the record of the latest pass;
4. ``learner_warnings``, ``gradcheck``, ``tape`` -- warnings for a learner, finite
   differences, tape replay over a batch;
5. ``notation``   -- how numbers, nodes, formulas, LaTeX and the chain rule are written;
6. ``check`` (``check_graph`` of a graph), ``graph`` (drawing, and ``check_graph(fn,
   inputs).draw()``), ``steps`` (the step table);
7. ``frames`` (the frame player) and ``explain``.

The core (layers 1-3) needs only the standard library and numpy.  Drawing
imports graphviz only when a drawing is made.
"""
from autograd import ops
from autograd.backward import (GraphError, backward, grad, last_backward, topological_order,
                               verify_graph, zero_grad)
from autograd.explain import explain
from autograd.frames import backward_frames
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, numeric_grad
from autograd.graph import check_graph, draw_check, draw_graph
from autograd.language import get_language, set_language
from autograd.learner_warnings import ChainruleWarning
from autograd.nary import linear, max, sum
from autograd.steps import backward_steps
from autograd.value import Value, enable_grad, is_grad_enabled, no_grad

__all__ = [
    "Value", "backward", "grad", "topological_order", "zero_grad", "no_grad", "enable_grad",
    "is_grad_enabled", "gradcheck", "gradgradcheck", "numeric_grad", "GradcheckError",
    "linear", "sum", "max", "ops", "draw_graph", "backward_steps", "backward_frames",
    "explain", "check_graph", "draw_check", "ChainruleWarning", "last_backward", "set_language",
    "get_language", "GraphError", "verify_graph",
]
