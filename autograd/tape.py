"""Tape replay: record one sample's scalar graph once, replay it over a whole batch.

A scalar engine pays CPython's price for every node of every sample.  But the
graph of a network's loss has the same shape for every sample: only the numbers
differ.  So record the graph once (the *tape*: each node's primitive and the
positions of its parents), then run the tape forward and backward with a numpy
vector in place of each float: one numpy operation per node serves the whole
batch.  The chain rule is the same one ``backward()`` runs; the tests check that
replay and the scalar engine agree to 1e-12 on every primitive.

The vector rules are a second interpretation of the primitive table, in the
manner of JAX's batching rules: each entry of ``autograd/ops.py`` gives its
forward function on arrays (``array_forward``) and, where the scalar rule has a
branch (``1 if x > 0 else 0``), its derivative on arrays.  A primitive whose
scalar derivative is plain arithmetic reuses that rule unchanged.

A graph whose *shape* depends on the data (a Python ``if`` on a Value) cannot be
replayed: ``Tape.record`` traces two samples and checks their tapes match, and
checks the replayed values against the scalar engine on a few samples, raising
``ReplayError`` when they do not.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from autograd import ops
from autograd.backward import topological_order
from autograd.value import Value

__all__ = ["Tape", "ReplayError"]


class ReplayError(ValueError):
    """The graph cannot be replayed over a batch (its shape depends on the data)."""


_INPUT, _PARAMETER, _CONSTANT, _OP = range(4)


class _Structure:
    """What one recording saw: for each node its kind, op and parent positions."""

    def __init__(self, fn: Callable, sample: Sequence[float], parameters: Sequence[Value]):
        inputs = [Value(float(x)) for x in sample]
        result = fn(*inputs)
        outputs = [result] if isinstance(result, Value) else list(result)
        if not outputs or not all(isinstance(v, Value) for v in outputs):
            raise TypeError("Tape.record: fn must return a Value, or a list of Values whose first "
                            f"is differentiated, got {result!r}")
        self.order = topological_order(outputs[0])
        position = {node: i for i, node in enumerate(self.order)}
        try:
            # further outputs (say, a model's outputs beside its loss) are read, not differentiated
            self.extra_outputs = [position[v] for v in outputs[1:]]
        except KeyError:
            raise ValueError("Tape.record: every further output must be part of the first output's "
                             "graph") from None
        input_position = {v: k for k, v in enumerate(inputs)}
        param_position = {p: k for k, p in enumerate(parameters)}
        self.nodes = []
        for node in self.order:
            if node in input_position:
                self.nodes.append((_INPUT, input_position[node]))
            elif node in param_position:
                self.nodes.append((_PARAMETER, param_position[node]))
            elif not node.parents:
                self.nodes.append((_CONSTANT, node.data))
            else:
                self.nodes.append((_OP, node.op, tuple(position[p] for p in node.parents)))

    def signature(self):
        """The shape of the graph: constants' values left out."""
        nodes = [entry if entry[0] != _CONSTANT else (_CONSTANT,) for entry in self.nodes]
        return nodes, self.extra_outputs


class Tape:
    """A recorded scalar graph, replayable forward and backward over a batch.

    >>> from autograd import Value
    >>> w = Value(2.0)
    >>> tape = Tape.record(lambda x, t: (w * x - t) ** 2, [1.0, 0.0], [w],
    ...                    second_sample=[3.0, 1.0])
    >>> tape.forward(np.array([[1.0, 0.0], [3.0, 1.0]])).tolist()
    [4.0, 25.0]
    >>> tape.backward().tolist()      # d/dw summed over the batch: 2*2*1 + 2*5*3
    [34.0]

    Nodes at the same depth of the graph do not depend on each other, so the
    replay runs the graph level by level and treats all the nodes of one level
    that share a primitive as one array operation: the sixteen ``linear`` nodes
    of a layer become one matrix product.  The arithmetic per node is unchanged.
    """

    def __init__(self, structure: _Structure, n_inputs: int, parameters: Sequence[Value]):
        self.parameters = list(parameters)
        self.n_inputs = n_inputs
        self.size = len(structure.nodes)
        self._extra_rows = structure.extra_outputs
        nodes = structure.nodes
        self._input_rows = [i for i, e in enumerate(nodes) if e[0] == _INPUT]
        self._input_cols = [e[1] for e in nodes if e[0] == _INPUT]
        self._param_rows = [i for i, e in enumerate(nodes) if e[0] == _PARAMETER]
        self._param_cols = [e[1] for e in nodes if e[0] == _PARAMETER]
        self._constant_rows = [i for i, e in enumerate(nodes) if e[0] == _CONSTANT]
        self._constant_values = np.array([e[1] for e in nodes if e[0] == _CONSTANT])
        param_of_row = {row: col for row, col in zip(self._param_rows, self._param_cols)}

        depth = [0] * len(nodes)
        groups: dict[tuple, list[int]] = {}
        for i, entry in enumerate(nodes):
            if entry[0] != _OP:
                continue
            op, parents = entry[1], entry[2]
            depth[i] = 1 + max(depth[p] for p in parents)
            prim = op.primitive
            if prim is ops.LINEAR:
                weights, inputs, bias = ops.linear_parts(parents)
                fast = all(p in param_of_row for p in (*weights, bias))
                key = (depth[i], "linear", inputs) if fast else (depth[i], "node", i)
            elif prim.arity is None:
                key = (depth[i], "node", i)
            else:
                key = (depth[i], "elementwise", prim.name, op.params, len(parents))
            groups.setdefault(key, []).append(i)

        self._groups = []
        for key in sorted(groups, key=lambda k: k[0]):
            rows = groups[key]
            kind = key[1]
            if kind == "linear":
                self._groups.append(_LinearGroup(rows, nodes, param_of_row))
            elif kind == "elementwise":
                self._groups.append(_ElementwiseGroup(rows, nodes))
            else:
                self._groups.append(_NaryNode(rows[0], nodes))
        self._values = self._param_values = None

    @classmethod
    def record(cls, fn: Callable[..., Value], sample: Sequence[float], parameters: Sequence[Value],
               second_sample: Sequence[float] | None = None,
               check_samples: np.ndarray | None = None) -> "Tape":
        """Trace ``fn(*inputs)`` for one sample and compile it into a tape.

        ``parameters`` are the leaves whose gradients ``backward`` returns; their
        current ``.data`` is read at every ``forward``.  Every other leaf is a
        constant.  With ``second_sample``, the graph is traced again and must have
        the same shape; with ``check_samples`` (rows of inputs), the replayed
        output must equal the scalar engine's on each row.
        """
        sample = list(sample)
        structure = _Structure(fn, sample, parameters)
        if second_sample is not None:
            other = _Structure(fn, list(second_sample), parameters)
            if other.signature() != structure.signature():
                raise ReplayError(
                    "Tape.record: the graph's shape depends on the data (two samples gave different "
                    f"graphs: {len(structure.nodes)} vs {len(other.nodes)} nodes), so one recording "
                    "cannot be replayed for every sample; train without replay.")
        for node, entry in zip(structure.order, structure.nodes):
            if entry[0] == _OP:
                prim = ops.primitive_of(node)
                if prim is None or not prim.replayable:
                    raise ReplayError(f"Tape.record: no array rule for the operation {str(node.op)!r}; "
                                      "give its autograd.ops.define() an array_forward, or train "
                                      "without replay")
        tape = cls(structure, len(sample), parameters)
        if check_samples is not None:
            tape._check_against_scalar(fn, np.asarray(check_samples, dtype=float))
        return tape

    def _check_against_scalar(self, fn, rows: np.ndarray) -> None:
        replayed = self.forward(rows)
        for row, value in zip(rows, replayed):
            result = fn(*[Value(float(x)) for x in row])
            scalar = (result if isinstance(result, Value) else result[0]).data
            if not abs(scalar - value) <= 1e-9 * max(1.0, abs(scalar)):
                raise ReplayError(
                    f"Tape.record: replaying the recorded graph gives {value!r} where the scalar engine "
                    f"gives {scalar!r} for the sample {row.tolist()}: the graph depends on the data "
                    "(a constant or a branch taken from the first sample); train without replay.")

    def forward(self, inputs) -> np.ndarray:
        """The output for each row of ``inputs`` (shape (batch, n_inputs))."""
        inputs = np.asarray(inputs, dtype=float)
        if inputs.ndim != 2 or inputs.shape[1] != self.n_inputs:
            raise ValueError(f"Tape.forward: expected inputs of shape (batch, {self.n_inputs}), "
                             f"got {inputs.shape}")
        values = np.empty((self.size, inputs.shape[0]))
        values[self._input_rows] = inputs[:, self._input_cols].T
        param_values = np.array([p.data for p in self.parameters])
        values[self._param_rows] = param_values[self._param_cols][:, None]
        values[self._constant_rows] = self._constant_values[:, None]
        for group in self._groups:
            group.forward(values, param_values)
        self._values, self._param_values = values, param_values
        out = values[-1]
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("Tape.forward: the output is not finite for some samples "
                                     f"(rows {np.flatnonzero(~np.isfinite(out))[:5].tolist()})")
        return out.copy()

    def extra_outputs(self) -> np.ndarray:
        """The values of fn's further outputs at the last ``forward``, shape (batch, k)."""
        if self._values is None:
            raise RuntimeError("Tape.extra_outputs: call forward first")
        return self._values[self._extra_rows].T.copy()

    def backward(self, scale: float = 1.0) -> np.ndarray:
        """d(output)/d(parameter), summed over the batch and multiplied by ``scale``.

        ``scale=1/batch`` gives the gradient of the batch mean.  The result is in
        the order of ``parameters``; ``accumulate_grads`` adds it to their ``.grad``.
        """
        if self._values is None:
            raise RuntimeError("Tape.backward: call forward first")
        values = self._values
        grads = np.zeros_like(values)
        grads[-1] = scale
        param_grads = np.zeros(len(self.parameters))
        for group in reversed(self._groups):
            group.backward(values, grads, self._param_values, param_grads)
        np.add.at(param_grads, self._param_cols, grads[self._param_rows].sum(axis=1))
        return param_grads

    def accumulate_grads(self, scale: float = 1.0) -> None:
        """Run ``backward`` and add the result to each parameter's ``.grad``."""
        for p, g in zip(self.parameters, self.backward(scale).tolist()):
            p.grad += g


def _scatter_add(grads: np.ndarray, index: np.ndarray, contribution, unique: bool) -> None:
    """grads[index] += contribution, adding twice where an index repeats."""
    if unique:
        grads[index] += contribution
    else:
        np.add.at(grads, index, contribution)


def _is_unique(index: np.ndarray) -> bool:
    return len(np.unique(index)) == index.size


class _ElementwiseGroup:
    """Nodes of one depth with the same unary or binary primitive: one array op."""

    def __init__(self, rows: list[int], nodes):
        op = nodes[rows[0]][1]
        self.rows = np.array(rows)
        self.params = op.params
        arity = len(nodes[rows[0]][2])
        self.parents = [np.array([nodes[r][2][j] for r in rows]) for j in range(arity)]
        self.unique = [_is_unique(p) for p in self.parents]
        self.forward_rule = op.primitive.array_forward
        self.derivative_rule = op.primitive.derivative_on_arrays

    def forward(self, values, param_values) -> None:
        values[self.rows] = self.forward_rule(*(values[p] for p in self.parents), *self.params)

    def backward(self, values, grads, param_values, param_grads) -> None:
        upstream = grads[self.rows]
        local = self.derivative_rule(values[self.rows], *(values[p] for p in self.parents),
                                     *self.params)
        for parents, unique, local_grad in zip(self.parents, self.unique, local):
            _scatter_add(grads, parents, upstream * local_grad, unique)


class _LinearGroup:
    """``linear`` nodes of one depth over the same inputs, whose weights and biases
    are parameters: together they are one layer, W @ X + b."""

    def __init__(self, rows: list[int], nodes, param_of_row: dict[int, int]):
        parts = [ops.linear_parts(nodes[r][2]) for r in rows]
        self.rows = np.array(rows)
        self.inputs = np.array(parts[0][1])
        self.weight_cols = np.array([[param_of_row[p] for p in weights] for weights, _, _ in parts])
        self.bias_cols = np.array([param_of_row[bias] for _, _, bias in parts])
        self.inputs_unique = _is_unique(self.inputs)
        self.params_unique = _is_unique(np.concatenate([self.weight_cols.ravel(), self.bias_cols]))
        self._cache = None

    def forward(self, values, param_values) -> None:
        weights = param_values[self.weight_cols]
        x = values[self.inputs]
        values[self.rows] = weights @ x + param_values[self.bias_cols][:, None]
        self._cache = weights, x

    def backward(self, values, grads, param_values, param_grads) -> None:
        weights, x = self._cache
        upstream = grads[self.rows]
        _scatter_add(param_grads, self.weight_cols, upstream @ x.T, self.params_unique)
        _scatter_add(param_grads, self.bias_cols, upstream.sum(axis=1), self.params_unique)
        _scatter_add(grads, self.inputs, weights.T @ upstream, self.inputs_unique)


class _NaryNode:
    """One n-ary node (a ``sum``, a ``max``, or a ``linear`` node whose weights are not all
    parameters), run by its entry's array rules over all its parents' rows at once."""

    def __init__(self, row: int, nodes):
        op, parents = nodes[row][1], nodes[row][2]
        self.row = row
        self.primitive = op.primitive
        self.index = np.array(parents)
        self.unique = _is_unique(self.index)

    def forward(self, values, param_values) -> None:
        values[self.row] = self.primitive.array_forward(values[self.index])

    def backward(self, values, grads, param_values, param_grads) -> None:
        local = self.primitive.array_derivative(values[self.row], values[self.index])
        _scatter_add(grads, self.index, local * grads[self.row], self.unique)
