"""Reference answers to the exercises of lesson 14, "Write your own engine".

Try each exercise yourself first: the lesson checks your code against chainrule
and gives a hint when it differs.  Each answer below is one block that starts
with the same marker comment as its exercise cell (``# EXERCISE 3: ...``); the
lesson lends a block to you (runs it in the notebook) only while your own
version does not pass its check, and ``tests/test_engine_lesson.py`` runs the
lesson with every block pasted into its cell.

The blocks use the lesson's own ``Value`` class (data, grad, parents,
local_grads, op), so they only define functions here.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

__all__ = ["answer", "EXERCISES"]

# EXERCISE 1: add and multiply
def add(a, b):
    """a + b as a new Value: its data, its parents (a, b) and its local gradients."""
    # d(a + b)/da = 1 and d(a + b)/db = 1
    return Value(a.data + b.data, (a, b), (1.0, 1.0), "+")


def mul(a, b):
    """a * b as a new Value."""
    # d(ab)/da = b and d(ab)/db = a
    return Value(a.data * b.data, (a, b), (b.data, a.data), "*")
# END EXERCISE

# EXERCISE 2: tanh
def tanh(a):
    """tanh(a) as a new Value; its local gradient is 1 - tanh(a)²."""
    t = math.tanh(a.data)  # math.tanh, not (e^2x - 1)/(e^2x + 1), which overflows
    return Value(t, (a,), (1.0 - t * t,), "tanh")
# END EXERCISE

# EXERCISE 3: a topological order, written recursively
def topological_order_recursive(root):
    """Every Value that root depends on, each after all of its parents."""
    order, seen = [], set()

    def visit(v):
        if v in seen:
            return
        seen.add(v)
        for p in v.parents:
            visit(p)  # one Python frame per level: a long chain runs out of them
        order.append(v)

    visit(root)
    return order
# END EXERCISE

# EXERCISE 4: backward
def backward(root):
    """Fill in d(root)/d(v) in v.grad for every v that root depends on."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += node.grad * local_grad  # add: a Value used twice gets both
# END EXERCISE

# EXERCISE 5: a topological order without recursion
def topological_order(root):
    """The same order as exercise 3, with a stack of our own instead of Python's."""
    order, seen = [], {root}
    stack = [(root, iter(root.parents))]  # a node and the parents not looked at yet
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:  # every parent is in the order: so is the node
            stack.pop()
            order.append(node)
    return order
# END EXERCISE

_BLOCK = re.compile(r"^(# EXERCISE (\d+):[^\n]*\n)(.*?)^# END EXERCISE$", re.S | re.M)
_SOURCE = Path(__file__).read_text(encoding="utf-8")
EXERCISES = {int(m.group(2)): m.group(1) + m.group(3) for m in _BLOCK.finditer(_SOURCE)}


def answer(n: int) -> str:
    """The answer block of exercise ``n``, marker line first, as the cell would hold it.

    >>> answer(2).splitlines()[0]
    '# EXERCISE 2: tanh'
    """
    if n not in EXERCISES:
        raise KeyError(f"answer({n!r}): lesson 14 has exercises {sorted(EXERCISES)}")
    return EXERCISES[n]
