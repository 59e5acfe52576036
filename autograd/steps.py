"""The backward pass, one step at a time: a table, chain-rule formulas, and frames.

Key idea: ``backward()`` is a loop over the graph in reverse topological order;
at each node it multiplies the node's gradient (the *upstream* gradient) by the
local derivative towards each parent and adds the product to that parent's
gradient.  ``backward_steps(root)`` runs that very loop and writes down every
number it uses, so a learner can read the chain rule instead of trusting it:

* ``str(steps)`` / ``steps.table()`` -- one row per (node, parent) edge, as
  text; a notebook shows it as an HTML table;
* ``steps.chain_rule(x)`` -- dz/dx written as the chain rule, with each local
  derivative's formula taken from the primitive table (``autograd/ops.py``):
  ``dz/dx = dz/dw · dw/dx = 2(x + y) · 1 = 6``; ``steps.latex(x)`` is the same
  in LaTeX;
* ``backward_frames(steps)`` (``autograd/frames.py``) -- the walk as pictures,
  one per node whose gradient becomes final, playable in a notebook or a page.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from autograd.backward import record_backward, topological_order
from autograd.notation import ChainRule, Notation, chain_rule, d_name, format_number
from autograd.value import Value, require_value

__all__ = ["backward_steps", "BackwardSteps", "Step", "Contribution"]

@dataclass(frozen=True)
class Contribution:
    """What one edge adds to a parent: ``upstream_grad * local_grad``."""

    parent: Value
    index: int            # the parent's position in ``node.parents``
    local_grad: float     # d(node)/d(parent)
    contribution: float   # upstream_grad * local_grad, added to parent.grad
    parent_grad: float    # the parent's grad once this contribution is added


@dataclass(frozen=True)
class Step:
    """One node visited by backward: its gradient, passed on to each parent."""

    node: Value
    upstream_grad: float
    contributions: tuple[Contribution, ...]


# -- the steps --------------------------------------------------------------------------

class BackwardSteps(Sequence[Step]):
    """Every step of one backward pass (a sequence of ``Step``), with ways to read it.

    >>> x = Value(3.0, label='x'); y = x * x; y.label = 'y'
    >>> steps = backward_steps(y)
    >>> [(c.parent.label, c.contribution) for c in steps[0].contributions]
    [('x', 3.0), ('x', 3.0)]
    """

    def __init__(self, root: Value, order: list[Value], steps: list[Step], gradient: float,
                 fmt: str = ".4g"):
        self.root = root
        self.order = order
        self.steps = steps
        self.gradient = gradient
        self.fmt = fmt
        self.names = Notation(order, fmt, expand=False, max_len=24)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def name(self, v: Value) -> str:
        """How the table and the frames call ``v``: its label, or its expression."""
        return self.names.exprs[v].plain

    def _number(self, x: float) -> str:
        return format_number(x, self.fmt)

    def _rows(self) -> list[list[str]]:
        rows = []
        for k, step in enumerate(self.steps, 1):
            for j, c in enumerate(step.contributions):
                formula = self.names.formula(step.node, c.index).plain
                local = self._number(c.local_grad)
                rows.append([str(k) if j == 0 else "", self.name(step.node) if j == 0 else "",
                             self._number(step.upstream_grad) if j == 0 else "",
                             self.name(c.parent), local if formula == local else f"{formula} = {local}",
                             self._number(c.contribution), self._number(c.parent_grad)])
        return rows

    _HEADER = ["step", "node", "upstream grad", "parent", "local grad", "contribution",
               "parent grad so far"]

    def _title(self) -> str:
        r = d_name(self.names.exprs[self.root])
        return f"backward from {self.name(self.root)}: seed d{r}/d{r} = {self._number(self.gradient)}"

    def table(self) -> str:
        """The steps as a text table: one row per edge, in the order backward takes them.

        >>> x = Value(2.0, label='x'); y = x ** 2; y.label = 'y'
        >>> print(backward_steps(y).table())
        backward from y: seed dy/dy = 1
        step  node  upstream grad  parent  local grad  contribution  parent grad so far
        1     y     1              x       2x = 4      4             4
        """
        rows = [self._HEADER, *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(self._HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self._title(), *lines])

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self._HEADER)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in self._rows())
        return (f'<table class="chainrule-steps"><caption>{esc(self._title())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def chain_rule(self, x: Value, *, expand: bool = True) -> ChainRule:
        """d(root)/dx as the chain rule: one factor per edge of each path, summed over paths.

        With ``expand=True`` each local derivative is written in terms of the
        inputs (``2(x + y)``); with ``expand=False`` labelled nodes keep their
        label (``2w``).  See ``ChainRule`` for an example.
        """
        return chain_rule(self.order, self.root, x, self.names, fmt=self.fmt, expand=expand)

    def latex(self, x: Value, *, expand: bool = True) -> str:
        r"""The chain rule for d(root)/dx in LaTeX (give it to ``IPython.display.Math``).

        >>> x = Value(2.0, label='x'); y = x.tanh(); y.label = 'y'
        >>> backward_steps(y).latex(x)
        '\\frac{\\partial y}{\\partial x} = 1 - \\tanh(x)^2 = 0.07065'
        """
        return self.chain_rule(x, expand=expand).latex


def backward_steps(root: Value, gradient: float = 1.0, *, fmt: str = ".4g") -> BackwardSteps:
    """Run backward from ``root`` and record every step.

    The walk is ``autograd.backward``'s: reverse topological order, each node
    adding ``upstream_grad * local_grad`` to each parent.  Every ``grad`` in the
    graph is first set to 0, so afterwards each one holds d(root)/d(node) --
    exactly what ``zero_grad`` then ``root.backward(gradient)`` leaves behind.

    >>> x, y = Value(1.0, label='x'), Value(2.0, label='y')
    >>> steps = backward_steps((x + y) ** 2)
    >>> len(steps), x.grad, y.grad
    (2, 6.0, 6.0)
    """
    require_value(root, "backward_steps")
    try:
        gradient = float(gradient)
    except (TypeError, ValueError):
        raise TypeError(f"backward_steps(): gradient must be a number, got {gradient!r}") from None
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.grad = gradient
    # Recorded as backward() records it: explain() finds children from this root,
    # and no gradient is added up here, so nothing is left for the optimizer to warn of.
    record_backward(root)
    steps = []
    for node in reversed(order):
        if not node.parents:
            continue
        upstream_grad = node.grad
        contributions = []
        for i, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            # Same arithmetic as backward(), which skips a zero upstream gradient.
            contribution = upstream_grad * local_grad if upstream_grad else 0.0
            if upstream_grad:
                parent.grad += contribution
            contributions.append(Contribution(parent, i, local_grad, contribution, parent.grad))
        steps.append(Step(node, upstream_grad, tuple(contributions)))
    return BackwardSteps(root, order, steps, gradient, fmt)
