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

A graph that depends on the data (a Python ``if`` on a Value's ``data``, or a
number copied out of a sample) cannot be replayed: the tape keeps the branch and
the numbers of the sample it recorded.  ``Tape.record`` traces two samples and
checks their tapes match, and checks the replayed values against the scalar
engine on a few samples; ``check_sample`` runs the same check on one sample of
the latest batch, which is how training checks every batch it replays.  Each
raises ``ReplayError`` when the numbers differ.

Speed comes from the layout, not from changing the arithmetic: each group of
nodes owns a block of consecutive rows of one array, so most reads are views
(no copies); a layer whose weights sit in the parameter vector neuron by neuron
(w..., b, as ``Module.parameters()`` lists them) reads them as a view too; the
work arrays are kept from one batch to the next; and no gradient is computed
for a node that no parameter flows into (the data, the targets).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from autograd import ops
from autograd.backward import topological_order
from autograd.value import Value, numbers_of

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
            raise ReplayError(
                "Tape.record: every further output must be part of the first output's graph; for "
                "the recorded sample it is not: the first output (the loss) does not depend on "
                "it, as when a Python min(), max() or if chose a constant instead of the model's "
                "output. Write the choice in the graph (relu, abs), or train without "
                "replay") from None
        input_position = {v: k for k, v in enumerate(inputs)}
        param_position = {p: k for k, p in enumerate(parameters)}
        self.fn = fn
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
        self._fn = structure.fn
        nodes = structure.nodes
        self.size = len(nodes)
        param_of_node = {i: e[1] for i, e in enumerate(nodes) if e[0] == _PARAMETER}

        # Which nodes a parameter flows into: only those need a gradient.
        needs_grad = [False] * len(nodes)
        depth = [0] * len(nodes)
        groups: dict[tuple, list[int]] = {}
        for i, entry in enumerate(nodes):
            if entry[0] == _PARAMETER:
                needs_grad[i] = True
            if entry[0] != _OP:
                continue
            op, parents = entry[1], entry[2]
            needs_grad[i] = any(needs_grad[p] for p in parents)
            depth[i] = 1 + max(depth[p] for p in parents)
            prim = op.primitive
            if prim is ops.LINEAR:
                weights, inputs, bias = ops.linear_parts(parents)
                fast = all(p in param_of_node for p in (*weights, bias))
                key = (depth[i], "linear", inputs) if fast else (depth[i], "node", i)
            elif prim.arity is None:
                key = (depth[i], "node", i)
            else:
                key = (depth[i], "elementwise", prim.name, op.params, len(parents))
            groups.setdefault(key, []).append(i)
        ordered = [(key[1], groups[key]) for key in sorted(groups, key=lambda k: k[0])]

        # A parameter needs a row of its own only where a node reads it as a row (a
        # layer's fast path reads the parameter vector instead) or where it is an output.
        outputs = {len(nodes) - 1, *structure.extra_outputs}
        read_as_row = set(outputs)
        for kind, rows in ordered:
            for i in rows:
                parents = nodes[i][2]
                read_as_row.update(parents if kind != "linear" else ops.linear_parts(parents)[1])
        input_nodes = sorted((i for i, e in enumerate(nodes) if e[0] == _INPUT),
                             key=lambda i: nodes[i][1])
        constant_nodes = [i for i, e in enumerate(nodes) if e[0] == _CONSTANT]
        param_nodes = [i for i in param_of_node if i in read_as_row]

        # The rows: inputs (by column), constants, parameters read as rows, then each
        # group's nodes, one block after another.
        layout = [*input_nodes, *constant_nodes, *param_nodes]
        first_grad_row = len(input_nodes) + len(constant_nodes)
        blocks = []
        for kind, rows in ordered:
            blocks.append((kind, len(layout), rows))
            layout.extend(rows)
        row_of = np.empty(len(nodes), dtype=int)
        row_of[layout] = np.arange(len(layout))
        self._rows = len(layout)

        self._input_rows = slice(0, len(input_nodes))
        self._input_cols = [nodes[i][1] for i in input_nodes]
        if self._input_cols == list(range(n_inputs)):
            self._input_cols = None                      # every column, in order: no gather
        self._constant_rows = slice(len(input_nodes), first_grad_row)
        self._constant_values = np.array([nodes[i][1] for i in constant_nodes])[:, None]
        self._param_rows = row_of[param_nodes]
        self._param_cols = np.array([param_of_node[i] for i in param_nodes], dtype=int)
        self._first_grad_row = first_grad_row
        self._output_row = int(row_of[len(nodes) - 1])
        self._extra_rows = row_of[structure.extra_outputs]

        grad_rows = {int(row_of[i]) for i in range(len(nodes)) if needs_grad[i]}
        # The parameters' values and gradients, kept from one batch to the next, so that
        # each layer can hold views of its part of them (see _ParameterBlock).
        self._param_values = np.zeros(len(self.parameters))
        self._param_grads = np.zeros(len(self.parameters))
        self._groups = []
        for kind, start, rows in blocks:
            block = slice(start, start + len(rows))
            if kind == "linear":
                self._groups.append(_LinearGroup(block, rows, nodes, row_of, param_of_node,
                                                 grad_rows, self._param_values,
                                                 self._param_grads))
            elif kind == "elementwise":
                self._groups.append(_ElementwiseGroup(block, rows, nodes, row_of, grad_rows))
            else:
                self._groups.append(_NaryNode(start, rows[0], nodes, row_of, grad_rows))
        self._work: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._values = self._grads = self._inputs = None

    @classmethod
    def record(cls, fn: Callable[..., Value], sample: Sequence[float], parameters: Sequence[Value],
               second_sample: Sequence[float] | None = None,
               check_samples: np.ndarray | None = None) -> "Tape":
        """Trace ``fn(*inputs)`` for one sample and compile it into a tape.

        ``parameters`` are the leaves whose gradients ``backward`` returns; their
        current ``.data`` is read at every ``forward`` (unless it is given the
        values).  Every other leaf is a constant.  With ``second_sample``, the
        graph is traced again and must have the same shape; with
        ``check_samples`` (rows of inputs), the replayed outputs must equal the
        scalar engine's on each row.
        """
        sample = list(sample)
        structure = _Structure(fn, sample, parameters)
        if second_sample is not None:
            other = _Structure(fn, list(second_sample), parameters)
            if other.signature() != structure.signature():
                raise ReplayError(
                    "Tape.record: the graph's shape depends on the data (two samples gave different "
                    f"graphs: {len(structure.nodes)} vs {len(other.nodes)} nodes), so one recording "
                    "cannot be replayed for every sample.")
        for node, entry in zip(structure.order, structure.nodes):
            if entry[0] == _OP:
                prim = ops.primitive_of(node)
                if prim is None or not prim.replayable:
                    raise ReplayError(f"Tape.record: no array rule for the operation {str(node.op)!r}; "
                                      "give its autograd.ops.define() an array_forward, or train "
                                      "without replay")
        tape = cls(structure, len(sample), parameters)
        if check_samples is not None:
            rows = np.asarray(check_samples, dtype=float)
            tape.forward(rows)
            for column in range(len(rows)):
                tape.check_sample(column)
        return tape

    def check_sample(self, column: int) -> None:
        """Check sample ``column`` of the latest ``forward`` against the scalar engine.

        The recorded function runs again on that sample's inputs, as ordinary
        Values; its output and further outputs must equal the replayed ones
        (to 1e-9 relative), or ``ReplayError`` says the graph depends on the
        data.  The parameters' ``.data`` must hold the values that forward used.
        Costs one scalar forward pass of one sample.

        >>> from autograd import Value
        >>> w = Value(1.0)
        >>> branchy = lambda x: w * x if x.data > 0 else w * x * x   # a Python branch
        >>> tape = Tape.record(branchy, [1.0], [w])
        >>> _ = tape.forward(np.array([[2.0], [-3.0]]))
        >>> tape.check_sample(0)                          # 2 > 0: the recorded branch
        >>> tape.check_sample(1)
        Traceback (most recent call last):
        ...
        autograd.tape.ReplayError: Tape.check_sample: replaying gives -3.0 where the scalar ...
        """
        if self._values is None:
            raise RuntimeError("Tape.check_sample: call forward first")
        row = self._inputs[column]
        result = self._fn(*[Value(x) for x in row.tolist()])
        outputs = [result] if isinstance(result, Value) else list(result)
        replayed = [float(self._values[self._output_row, column]),
                    *self._values[self._extra_rows, column].tolist()]
        if len(outputs) != len(replayed):
            raise ReplayError(f"Tape.check_sample: the function gave {len(outputs)} outputs for "
                              f"the sample {row.tolist()}, but {len(replayed)} when recorded")
        for value, out in zip(replayed, outputs):
            scalar = out.data if isinstance(out, Value) else float(out)
            if not abs(scalar - value) <= 1e-9 * max(1.0, abs(scalar)):
                raise ReplayError(
                    f"Tape.check_sample: replaying gives {value!r} where the scalar engine gives "
                    f"{scalar!r} for the sample {row.tolist()}: the graph depends on the data (a "
                    "Python branch on a Value's data, or a number taken from the recorded sample), "
                    "so one recording cannot be replayed for every sample.")

    def forward(self, inputs, parameter_values: np.ndarray | None = None) -> np.ndarray:
        """The output for each row of ``inputs`` (shape (batch, n_inputs)).

        ``parameter_values`` (one per parameter, in order) replaces reading each
        parameter's ``.data``: training by replay keeps them in an array.  The
        tape copies them, for ``backward``.
        """
        inputs = np.asarray(inputs, dtype=float)
        if inputs.ndim != 2 or inputs.shape[1] != self.n_inputs:
            raise ValueError(f"Tape.forward: expected inputs of shape (batch, {self.n_inputs}), "
                             f"got {inputs.shape}")
        param_values = self._param_values
        if parameter_values is None:
            param_values[:] = numbers_of(self.parameters)
        else:
            if np.shape(parameter_values) != param_values.shape:
                raise ValueError(f"Tape.forward: expected {len(self.parameters)} parameter values, "
                                 f"got shape {np.shape(parameter_values)}")
            param_values[:] = parameter_values
        values, grads = self._work_arrays(inputs.shape[0])
        values[self._input_rows] = (inputs if self._input_cols is None
                                    else inputs[:, self._input_cols]).T
        if len(self._param_rows):
            values[self._param_rows] = param_values[self._param_cols][:, None]
        # an overflow is reported below, as an error naming the samples, not as a warning
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                for group in self._groups:
                    group.forward(values)
            self._values, self._grads, self._inputs = values, grads, inputs
            out = values[self._output_row]
            if not np.all(np.isfinite(out)):
                raise FloatingPointError("Tape.forward: the output is not finite for some samples "
                                         f"(rows {np.flatnonzero(~np.isfinite(out))[:5].tolist()})")
        except (ArithmeticError, ValueError) as error:
            self._refuse_if_the_scalar_engine_computes(inputs, error)
            raise
        return out.copy()

    def _refuse_if_the_scalar_engine_computes(self, inputs: np.ndarray, error: Exception) -> None:
        """After replay failed on a batch: ReplayError if the scalar engine computes every sample.

        Then replay is what is wrong, not the numbers: the graph depends on the data (a
        Python ``max``, ``min`` or ``if`` choosing a node, or a shift taken from the
        recorded sample), and an overflow would otherwise be blamed on the learning rate.
        """
        for row in inputs.tolist():
            try:
                result = self._fn(*[Value(x) for x in row])
            except (ArithmeticError, ValueError):
                return  # the scalar engine fails too: the error is the numbers' own
            outputs = [result] if isinstance(result, Value) else list(result)
            if not all(isinstance(v, Value) and math.isfinite(v.data) for v in outputs):
                return
        raise ReplayError(
            f"Tape.forward: replaying fails on this batch ({error}) where the scalar engine "
            f"computes every one of its {len(inputs)} samples: the graph depends on the data (a "
            "Python max(), min() or if choosing a node, or a number taken from the recorded "
            "sample, such as a softmax shift), so one recording cannot be replayed for every "
            "sample.") from error

    def _work_arrays(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """The values and gradients arrays for a batch of this size, kept between calls.

        A new array of this size costs more than the whole replay of a small
        network (the memory comes fresh from the system and is paged in), so the
        arrays of the latest few batch sizes are kept and reused.
        """
        work = self._work.get(batch)
        if work is None:
            if len(self._work) >= 4:
                self._work.pop(next(iter(self._work)))
            values = np.empty((self._rows, batch))
            values[self._constant_rows] = self._constant_values   # constants never change
            work = self._work[batch] = (values, np.zeros_like(values))
        return work

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
        values, grads = self._values, self._grads
        grads[self._first_grad_row:] = 0.0   # the rows no parameter flows into are never read
        grads[self._output_row] = scale
        param_grads = self._param_grads
        param_grads[:] = 0.0
        # a gradient that overflows is the optimizer's to refuse, by name (step and array_step)
        with np.errstate(over="ignore", invalid="ignore"):
            for group in reversed(self._groups):
                group.backward(values, grads)
        if len(self._param_rows):
            np.add.at(param_grads, self._param_cols, grads[self._param_rows].sum(axis=1))
        return param_grads.copy()

    def accumulate_grads(self, scale: float = 1.0) -> None:
        """Run ``backward`` and add the result to each parameter's ``.grad``."""
        for p, g in zip(self.parameters, self.backward(scale).tolist()):
            p.grad += g


def _index(rows) -> slice | np.ndarray:
    """Rows as a slice when they are consecutive (a view, no copy), else an index array."""
    rows = np.asarray(rows, dtype=int)
    if len(rows) and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _is_unique(index) -> bool:
    return isinstance(index, slice) or len(np.unique(index)) == index.size


def _scatter_add(grads: np.ndarray, index, contribution, unique: bool) -> None:
    """grads[index] += contribution, adding twice where an index repeats."""
    if unique:
        grads[index] += contribution
    else:
        np.add.at(grads, index, contribution)


class _ElementwiseGroup:
    """Nodes of one depth with the same unary or binary primitive: one array op."""

    def __init__(self, block: slice, rows: list[int], nodes, row_of, grad_rows: set):
        op = nodes[rows[0]][1]
        self.rows = block
        self.params = op.params
        arity = len(nodes[rows[0]][2])
        self.parents = [_index([row_of[nodes[r][2][j]] for r in rows]) for j in range(arity)]
        # only the parents a parameter flows into get a gradient
        self.grad_parents = [(j, index, _is_unique(index)) for j, index in enumerate(self.parents)
                             if any(int(row_of[nodes[r][2][j]]) in grad_rows for r in rows)]
        self.forward_rule = op.primitive.array_forward
        self.derivative_rule = op.primitive.derivative_on_arrays

    def forward(self, values) -> None:
        values[self.rows] = self.forward_rule(*(values[p] for p in self.parents), *self.params)

    def backward(self, values, grads) -> None:
        if not self.grad_parents:
            return
        upstream = grads[self.rows]
        local = self.derivative_rule(values[self.rows], *(values[p] for p in self.parents),
                                     *self.params)
        for j, index, unique in self.grad_parents:
            _scatter_add(grads, index, upstream * local[j], unique)


class _LinearGroup:
    """``linear`` nodes of one depth over the same inputs, whose weights and biases
    are parameters: together they are one layer, W @ X + b."""

    def __init__(self, block: slice, rows: list[int], nodes, row_of, param_of_node: dict,
                 grad_rows: set, param_values: np.ndarray, param_grads: np.ndarray):
        parts = [ops.linear_parts(nodes[r][2]) for r in rows]
        self.rows = block
        inputs = [row_of[i] for i in parts[0][1]]
        self.inputs = _index(inputs)
        self.inputs_unique = _is_unique(self.inputs)
        self.inputs_need_grad = any(int(i) in grad_rows for i in inputs)
        weight_cols = np.array([[param_of_node[p] for p in weights] for weights, _, _ in parts])
        bias_cols = np.array([param_of_node[bias] for _, _, bias in parts])
        self.params_unique = _is_unique(np.concatenate([weight_cols.ravel(), bias_cols]))
        self.weights = _ParameterBlock(weight_cols, param_values, param_grads)
        self.biases = _ParameterBlock(bias_cols, param_values, param_grads)
        self._cache = None

    def forward(self, values) -> None:
        weights = self.weights.read()
        x = values[self.inputs]
        out = values[self.rows]
        np.matmul(weights, x, out=out)
        out += self.biases.read()[:, None]
        self._cache = weights, x

    def backward(self, values, grads) -> None:
        weights, x = self._cache
        upstream = grads[self.rows]
        self.weights.add(upstream @ x.T, self.params_unique)
        self.biases.add(upstream.sum(axis=1), self.params_unique)
        if self.inputs_need_grad:
            _scatter_add(grads, self.inputs, weights.T @ upstream, self.inputs_unique)


class _ParameterBlock:
    """Where a layer's weights (a (neurons, inputs) table of columns) or biases (one
    column per neuron) sit in the tape's parameter values and gradients.

    When they are laid out evenly -- neuron j's entries ``stride`` apart, as
    ``Module.parameters()`` lists a layer: w..., b, w..., b -- they are read and
    written through views of those two arrays, made once; otherwise through an
    index array.
    """

    def __init__(self, cols: np.ndarray, values: np.ndarray, grads: np.ndarray):
        self.cols, self.values, self.grads = cols, values, grads
        self.values_view = self.grads_view = None
        first = int(cols.flat[0])
        width = cols.shape[1] if cols.ndim == 2 else 1
        stride = int(cols[1].flat[0]) - first if len(cols) > 1 else width
        evenly = stride >= width and first + len(cols) * stride <= len(values)
        if evenly:
            expected = first + stride * np.arange(len(cols))
            if cols.ndim == 2:
                expected = expected[:, None] + np.arange(width)
            evenly = np.array_equal(cols, expected)
        if evenly:
            def view(vector):
                table = vector[first:first + len(cols) * stride].reshape(len(cols), stride)
                return table[:, :width] if cols.ndim == 2 else table[:, 0]
            self.values_view, self.grads_view = view(values), view(grads)

    def read(self) -> np.ndarray:
        return self.values_view if self.values_view is not None else self.values[self.cols]

    def add(self, contribution: np.ndarray, unique: bool) -> None:
        if self.grads_view is not None and unique:
            self.grads_view += contribution
        else:
            _scatter_add(self.grads, self.cols, contribution, unique)


class _NaryNode:
    """One n-ary node (a ``sum``, a ``max``, or a ``linear`` node whose weights are not all
    parameters), run by its entry's array rules over all its parents' rows at once."""

    def __init__(self, row: int, node: int, nodes, row_of, grad_rows: set):
        op, parents = nodes[node][1], nodes[node][2]
        self.row = row
        self.primitive = op.primitive
        self.index = _index([row_of[p] for p in parents])
        self.unique = _is_unique(self.index)
        self.needs_grad = any(int(row_of[p]) in grad_rows for p in parents)

    def forward(self, values) -> None:
        values[self.row] = self.primitive.array_forward(values[self.index])

    def backward(self, values, grads) -> None:
        if not self.needs_grad:
            return
        local = self.primitive.array_derivative(values[self.row], values[self.index])
        _scatter_add(grads, self.index, local * grads[self.row], self.unique)
