"""``Module``: the base class of every model -- finds its parameters, names, saves them.

The key idea: a model is an ordinary Python object whose attributes are Values
(its parameters), lists of Values, other Modules, or lists of Modules.
``named_parameters()`` walks those attributes in the order they were assigned and
gives each parameter a dotted name that says where it lives::

    layers.0.neurons.3.w.1   the 2nd weight of the 4th neuron of the 1st layer
    layers.0.neurons.3.b     that neuron's bias

Nothing has to be registered by hand.  Attributes whose name starts with ``_``
are private and never searched, so a model can keep caches there.

The walk runs once: ``parameters()`` and ``named_parameters()`` keep its result
and hand out copies of it, which costs next to nothing however often an
optimizer, ``fit`` or a learner asks.  The kept list is thrown away when the
structure may have changed: whenever a public attribute of any Module is set or
deleted, and whenever a list the walk went through (``layers``, ``w``, ...) no
longer holds the same objects (``model.layers.append(...)``, ``neuron.w[0] = v``).

When a Module's constructor returns, each parameter's ``label`` is set to its
dotted name (so graph drawings read ``w.0`` or ``layers.1.neurons.0.b``).  A
model built inside a bigger one is relabelled when the bigger one's constructor
returns: a standalone ``Neuron`` has ``w.0 .. b``; the same neuron inside an MLP
ends up ``layers.0.neurons.0.w.0``.

Saving writes JSON (never pickle): a format marker, the class name and
constructor arguments (``get_config()``), and every weight by name.
``nn.load(path)`` rebuilds a new model from those and checks every name; to
put saved weights into a model you already have, use
``model.load_state_dict(nn.load(path).state_dict())``.

>>> from autograd import Value
>>> class Line(Module):
...     def __init__(self):
...         self.slope, self.intercept = Value(2.0), Value(1.0)
...     def forward(self, x):
...         return self.slope * x + self.intercept
>>> line = Line()
>>> line(3.0).data, [name for name, _ in line.named_parameters()], line.slope.label
(7.0, ['slope', 'intercept'], 'slope')
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import numbers
import operator
import os
import reprlib
import tempfile
import threading
from collections import OrderedDict
from typing import Any, Iterator, Mapping

import numpy as np

from autograd import Value, no_grad
from autograd.language import say
from autograd.notation import pad, text_width
from autograd.value import set_data, to_float
from nn.activations import activation_name
from nn.arguments import as_flag, brief

# The model summary's texts in Korean, by their English template (autograd/language.py; the
# words are docs/glossary.md's).
KOREAN = {
    "Name": "이름", "Type": "종류", "Inputs -> Outputs": "입력 -> 출력", "Activation": "활성화 함수",
    "Params": "파라미터", "(self)": "(자신)", "(own)": "(직접 가진 것)",
    "Total parameters: {n}": "전체 파라미터: {n}개",
}

__all__ = ["Module", "load", "FORMAT", "VERSION", "require_finite_parameters", "BIAS_NAMES"]

#: The ``"format"`` marker of a chainrule model file, and the file version this code writes.
FORMAT = "chainrule-model"
VERSION = 1

# Every Module subclass by class name, filled in as classes are defined: this is
# how ``load`` turns the ``"class"`` written in a file back into a class.
_CLASSES: dict[str, type] = {}

#: The attribute names that hold biases: penalties (``fit``'s ``l1``, ``l2``) leave these out.
BIAS_NAMES = ("b", "bias", "biases", "intercept")

# A new number each time a public attribute of any Module is set or deleted; a kept
# parameter list remembers the number it was made at.  (A count, not a flag per
# module: a change inside a child must reach every model that contains it.)
_structure_changes = itertools.count()
_structure_version = next(_structure_changes)


class _LoadBudget(threading.local):
    """While ``load`` rebuilds a model in this thread: the parameters it may still attach."""

    limit: int | None = None      # the number of weights in the file; None: no load running
    attached: set = set()         # ids of the Values attached so far (a shared one counts once)


_load_budget = _LoadBudget()


class _TooManyParameters(Exception):
    """Raised inside a constructor when the model outgrows the weights of the file being loaded."""


class Module:
    """Base class of models: parameters, names, ``zero_grad``, state, summary, save.

    A subclass sets its parameters as attributes in ``__init__`` and defines
    ``forward``; ``model(x)`` calls ``forward(x)``.  To be saveable it also
    defines ``get_config()`` returning its constructor arguments.

    >>> from autograd import Value
    >>> class Scale(Module):
    ...     def __init__(self, factor: float = 2.0):
    ...         self.factor = Value(factor)
    ...     def forward(self, x):
    ...         return self.factor * x
    ...     def get_config(self):
    ...         return {'factor': self.factor.data}
    >>> Scale()(4.0).data, dict(Scale().state_dict())
    (8.0, {'factor': 2.0})
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _CLASSES[cls.__name__] = cls
        init = cls.__dict__.get("__init__")
        if init is not None:
            # Label the parameters when the constructor returns.  Wrapping the
            # constructor (rather than asking every subclass to remember a call)
            # means a learner's own Module gets named parameters for free.
            @functools.wraps(init)
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                init(self, *args, **kwargs)
                self.label_parameters()
            cls.__init__ = __init__

    # -- calling ---------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The model's computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward(); "
                                  "a Module subclass must say how it computes its output")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if not name.startswith("_"):
            _structure_changed(value)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if not name.startswith("_"):
            _structure_changed(None)

    # -- parameters --------------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, in the order the attributes were set.

        A Value shared by two attributes is listed once, under its first name.

        >>> from nn import Neuron
        >>> [name for name, _ in Neuron(2).named_parameters()]
        ['w.0', 'w.1', 'b']
        """
        return list(self._parameter_walk().named)

    def parameters(self) -> list[Value]:
        """Every parameter (a Value the optimizer changes), in a stable order.

        >>> from nn import Neuron
        >>> len(Neuron(3).parameters())
        4
        """
        return list(self._parameter_walk().parameters)

    def weight_parameters(self) -> list[Value]:
        """The parameters a weight penalty shrinks (``fit``'s ``l1`` and ``l2``): all but biases.

        A bias is held by an attribute named ``b``, ``bias``, ``biases`` or
        ``intercept`` (``BIAS_NAMES``).  A bias only shifts a unit's output, it
        does not scale an input, so shrinking it toward 0 makes the model no
        smoother -- only worse at fitting an offset.  A Module that names its
        biases otherwise can define this method.

        >>> from nn import Neuron
        >>> [p.label for p in Neuron(2).weight_parameters()]
        ['w.0', 'w.1']
        """
        return [p for name, p in self.named_parameters() if not _is_bias(name)]

    def _parameter_walk(self) -> _ParameterWalk:
        """The kept result of walking the attributes, walked again if the structure changed."""
        walk = self.__dict__.get("_parameter_cache")
        if walk is None or not walk.is_current():
            walk = self._parameter_cache = _ParameterWalk(self)
        return walk

    def num_parameters(self) -> int:
        """How many numbers training adjusts.

        >>> from nn import MLP
        >>> MLP(2, [3, 1]).num_parameters()  # (2*3 + 3) + (3*1 + 1)
        13
        """
        return len(self.named_parameters())

    @classmethod
    def num_parameters_for(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters ``cls(**config)`` would have, without building it; None if unknown.

        ``load`` compares it with the weights in the file before building
        anything.  A class that can count from its constructor arguments defines
        it; the default None means "build and see" (``load`` then stops building
        as soon as the model outgrows the file).

        >>> Module.num_parameters_for({'nin': 2}) is None
        True
        """
        return None

    def named_children(self) -> list[tuple[str, Module]]:
        """The Modules directly inside this one, with their names (``layers.0``, ...).

        >>> from nn import MLP
        >>> [name for name, _ in MLP(2, [3, 1]).named_children()]
        ['layers.0', 'layers.1']
        """
        result = []
        for name, value in _public_attributes(self):
            if isinstance(value, Module):
                result.append((name, value))
            elif isinstance(value, (list, tuple)):
                result.extend((f"{name}.{i}", item) for i, item in enumerate(value)
                              if isinstance(item, Module))
        return result

    def label_parameters(self) -> None:
        """Set each parameter's ``label`` to its dotted name (done after construction).

        >>> from nn import Neuron
        >>> Neuron(2).b.label
        'b'
        """
        for name, p in self.named_parameters():
            p.label = name

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients add up across ``backward`` calls).

        >>> from nn import Neuron
        >>> n = Neuron(2); n([1.0, 2.0]).backward(); n.zero_grad()
        >>> [p.grad for p in n.parameters()]
        [0.0, 0.0, 0.0]
        """
        for p in self.parameters():
            p.grad = 0.0

    # -- state -------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, float]:
        """Every parameter's value by dotted name, as plain floats (a snapshot).

        >>> from nn import Neuron
        >>> list(Neuron(2, seed=0).state_dict())
        ['w.0', 'w.1', 'b']
        """
        return OrderedDict((name, p.data) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict: Mapping[str, float], strict: bool = True) -> None:
        """Set the parameters from a ``{name: number}`` mapping, all or nothing.

        Everything is checked before anything is changed: with ``strict=True``
        (the default) a missing or unexpected name is a ValueError naming it, and
        so is a value that is not a finite real number.  On any error the model
        is left exactly as it was.  With ``strict=False`` names that do not match
        are skipped.

        >>> from nn import Neuron
        >>> n = Neuron(2)
        >>> n.load_state_dict({'w.0': 1.0, 'w.1': -1.0, 'b': 0.5})
        >>> n([3.0, 1.0]).data  # tanh(3 - 1 + 0.5)
        0.9866142981514303
        """
        where = f"load_state_dict of {type(self).__name__}"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: expected a mapping of parameter name -> number, "
                            f"got {type(state_dict).__name__}")
        strict = as_flag(strict, "strict", where)
        named = self.named_parameters()
        names = {name for name, _ in named}
        if strict:
            missing = [name for name, _ in named if name not in state_dict]
            if missing:
                raise ValueError(f"{where}: missing {_plural(missing, 'key')} {_listing(missing)}; "
                                 f"the model has {len(named)} parameters")
            unexpected = [key for key in state_dict if key not in names]
            if unexpected:
                raise ValueError(f"{where}: unexpected {_plural(unexpected, 'key')} "
                                 f"{_listing(unexpected)}; the model has no such parameter")
        new_values = []
        for name, p in named:
            if name in state_dict:
                new_values.append((p, _finite_number(state_dict[name], where, name)))
        set_data([p for p, _ in new_values], [x for _, x in new_values], where)

    # -- description ---------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside ``ClassName(...)`` in ``repr``; '' lists the children instead.

        >>> from nn import Layer
        >>> Layer(2, 3, activation='relu').extra_repr()
        "2 -> 3, activation='relu'"
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        if extra:
            return f"{type(self).__name__}({extra})"
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}()"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        lines.append(")")
        return "\n".join(lines)

    def summary(self) -> str:
        """A table of the model's parts: inputs -> outputs, activation, parameter count.

        ``print(model.summary())`` shows it.  Each row is one child Module (each
        layer of an MLP); a Module without children is one row.

        >>> from nn import MLP
        >>> print(MLP(2, [4, 1], activation='relu').summary())
        MLP(2 -> 4 -> 1, activation='relu')
        ======================================================
        Name      Type   Inputs -> Outputs  Activation  Params
        ------------------------------------------------------
        layers.0  Layer        2 -> 4       relu            12
        layers.1  Layer        4 -> 1       identity         5
        ======================================================
        Total parameters: 17
        """
        children = self.named_children()
        parts = children or [("", self)]
        shapes = [(getattr(m, "nin", None), getattr(m, "nout", None)) for _, m in parts]
        # Line the arrows up: inputs right-aligned before it, outputs left-aligned after.
        in_width = max((len(str(i)) for i, o in shapes if i is not None), default=0)
        out_width = max((len(str(o)) for i, o in shapes if o is not None), default=0)
        header = (say("Name", KOREAN), say("Type", KOREAN), say("Inputs -> Outputs", KOREAN),
                  say("Activation", KOREAN), say("Params", KOREAN))
        rows = [(name or say("(self)", KOREAN), type(m).__name__,
                 f"{i:>{in_width}} -> {o:<{out_width}}" if i is not None and o is not None else "",
                 _activation_text(m), f"{m.num_parameters():,}")
                for (name, m), (i, o) in zip(parts, shapes)]
        if children:
            # Parameters held directly (not inside a child) get a row too, so the rows add up.
            inside = tuple(f"{name}." for name, _ in children)
            own = sum(1 for name, _ in self.named_parameters() if not name.startswith(inside))
            if own:
                rows.append((say("(own)", KOREAN), type(self).__name__, "", "", f"{own:,}"))
        widths = [max(text_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(cells: tuple) -> str:
            aligned = [pad(cells[0], widths[0]), pad(cells[1], widths[1]),
                       pad(cells[2], widths[2], "^"), pad(cells[3], widths[3]),
                       pad(cells[4], widths[4], ">")]
            return "  ".join(aligned).rstrip()

        width = text_width(line(header))
        title = repr(self) if self.extra_repr() else type(self).__name__
        return "\n".join([title, "=" * width, line(header), "-" * width,
                          *(line(row) for row in rows), "=" * width,
                          say("Total parameters: {n}", KOREAN, n=f"{self.num_parameters():,}")])

    # -- prediction ------------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Outputs for a batch of inputs (one row per sample), with no graph recorded.

        Returns shape ``(n,)`` for a model with one output and ``(n, k)`` for k
        outputs.

        >>> from nn import MLP
        >>> MLP(2, [3, 1], seed=0).predict([[0.0, 0.0], [1.0, 2.0]]).shape
        (2,)
        """
        where = f"predict of {_short_repr(self)}"
        rows = as_rows(X, getattr(self, "nin", None), where)
        require_finite_parameters(self, where)
        with no_grad():
            outputs = [self(row) for row in rows]
        return outputs_to_array(outputs, getattr(self, "nout", None))

    # -- saving --------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this model (saved in model files).

        >>> from nn import MLP
        >>> MLP(2, [3, 1], activation='relu').get_config()
        {'nin': 2, 'nouts': [3, 1], 'activation': 'relu', 'output_activation': None}
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not define get_config(), so save() cannot record how to "
            "rebuild it; define get_config() returning its constructor arguments as a dict")

    def save(self, path: str | bytes | os.PathLike) -> None:
        """Write the model to a JSON file: format marker, class, constructor arguments, weights.

        >>> import os, tempfile
        >>> from nn import MLP
        >>> path = os.path.join(tempfile.mkdtemp(), 'model.json')
        >>> model = MLP(2, [3, 1], seed=0); model.save(path)
        >>> load(path).state_dict() == model.state_dict()
        True
        """
        config = self.get_config()
        weights = OrderedDict()
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(f"save: parameter {name!r} of {_short_repr(self)} is {p.data!r}; "
                                 "a model with non-finite weights cannot be saved (training diverged?)")
            weights[name] = p.data
        document = {"format": FORMAT, "version": VERSION, "class": type(self).__name__,
                    "config": config, "weights": weights}
        try:
            text = json.dumps(document, indent=2, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValueError(f"save: the config of {type(self).__name__} is not JSON-serialisable "
                             f"({error}): {config!r}") from None
        _write_atomically(path, text + "\n")


def _file_path(path: Any, where: str) -> str:
    """``path`` (a str, bytes or ``os.PathLike``) as a str file name, or a clear error.

    A bytes path (what ``os.listdir(b'.')`` gives) is decoded the way the operating
    system encodes file names (``os.fsdecode``), so it names the same file; as a
    str it can be joined with the str names ``save`` makes beside it and quoted
    in a message.  The empty string names no file (``os.path.abspath('')`` is the
    working folder, whose parent ``save`` would write into), and a NUL byte ends
    a file name for the operating system: both are refused here, by name.

    >>> _file_path(b'model.json', 'save')
    'model.json'
    >>> _file_path(3, 'load')
    Traceback (most recent call last):
    ...
    TypeError: load: path must be a file name, got int 3
    """
    if isinstance(path, bool) or not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{where}: path must be a file name, got {type(path).__name__} {brief(path)}")
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError as error:   # an os.PathLike whose __fspath__ returns neither str nor bytes
        raise TypeError(f"{where}: path {brief(path)} is not a file name ({error})") from None
    if path == "":
        raise ValueError(f"{where}: path is the empty string ''; give a file name such as "
                         "'model.json'")
    if "\0" in path:
        raise ValueError(f"{where}: path {brief(path, limit=400)} contains a NUL byte ('\\x00'), which no "
                         "file name can hold")
    return path


def _write_atomically(path: Any, text: str) -> None:
    """Write ``text`` beside ``path``, then put it in its place in one step.

    A save that fails part-way (a full disk, a size limit, an exception) leaves
    the previous file untouched, never half a model: ``os.replace`` swaps the
    finished file in, and the half-written one is removed.  If removing it fails
    too, the error raised is still the one that stopped the save (the disk that
    is full); the failed clean-up is added to it as a note naming the file left.
    """
    path = _file_path(path, "save")
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".chainrule-", suffix=".json.part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        except Exception as cleanup_error:   # never let it hide why the save failed
            error.add_note(f"save: the half-written temporary file {temporary!r} could not be "
                           f"removed either ({type(cleanup_error).__name__}: {cleanup_error}); "
                           f"{path!r} was not changed, delete the temporary file by hand")
        raise


def load(path: str | bytes | os.PathLike) -> Module:
    """A new model rebuilt from a file written by ``model.save(path)``.

    Raises ValueError naming the file and the problem when it is not JSON, not a
    chainrule model file, of an unknown version or class, or when its weights do
    not match the architecture it describes.  The architecture's size is checked
    against the weights present before the model is built (``num_parameters_for``)
    or, for a class that cannot tell, while it is built (it stops once the model
    holds twice the file's weights and a thousand more): a small file asking for
    a huge model is refused at once, not after minutes of building it.

    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'model.json')
    >>> with open(path, 'w') as f: json.dump({'weights': {}}, f)
    >>> load(path)
    Traceback (most recent call last):
    ...
    ValueError: load: '...model.json' is not a chainrule model file (missing key 'format')
    """
    path = _file_path(path, "load")
    where = f"load: {path!r}"
    with open(path, "rb") as file:
        raw = file.read()
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not a chainrule model file (not UTF-8 text; "
                         "model files are JSON, never pickle)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON ({error})") from None
    except RecursionError:
        raise ValueError(f"{where} is not a chainrule model file (its JSON is nested too "
                         "deeply to read; a model file is a few levels deep)") from None
    try:
        return _model_from_document(document, where)
    except RecursionError:
        # a config nested just shallowly enough to parse can still be too deep to use
        raise ValueError(f"{where}: its config is nested too deeply to rebuild a model "
                         "from it") from None


def _model_from_document(document: Any, where: str) -> Module:
    if not isinstance(document, dict):
        raise ValueError(f"{where} is not a chainrule model file "
                         f"(expected a JSON object, got {type(document).__name__})")
    for key in ("format", "version", "class", "config", "weights"):
        if key not in document:
            raise ValueError(f"{where} is not a chainrule model file (missing key {key!r})")
    if document["format"] != FORMAT:
        raise ValueError(f"{where} is not a chainrule model file "
                         f"(format is {_quote(document['format'])}, expected {FORMAT!r})")
    version = document["version"]
    if type(version) is not int or not 1 <= version <= VERSION:
        raise ValueError(f"{where} has version {_quote(version)}, but this chainrule reads model "
                         f"files of version {VERSION}")
    class_name = document["class"]
    cls = _CLASSES.get(class_name) if isinstance(class_name, str) else None
    if cls is None:
        known = ", ".join(sorted(_CLASSES))
        raise ValueError(f"{where} holds a model of class {_quote(class_name)}, which is not a "
                         f"known nn.Module (known: {known}); define or import that class before "
                         "loading")
    config, weights = document["config"], document["weights"]
    if not isinstance(config, dict):
        raise ValueError(f"{where}: 'config' must be a JSON object, got {type(config).__name__}")
    if not isinstance(weights, dict):
        raise ValueError(f"{where}: 'weights' must be a JSON object, got {type(weights).__name__}")
    rebuild_error = f"{where}: cannot rebuild {class_name} from its config {_quote(config)}"
    try:
        expected = cls.num_parameters_for(config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{rebuild_error}: {error}") from None
    # Far more parameters than the file holds: refuse before building (a tiny file must not
    # make load build a huge model).  A near miss is built and reported key by key below.
    if expected is not None and expected > 2 * len(weights) + 1000:
        raise ValueError(f"{where}: its config {_quote(config)} describes a {class_name} model "
                         f"with {expected:,} parameters, but the file holds {len(weights):,} "
                         "weights, so it was not built; the file is damaged or was not written "
                         "by save()")
    try:
        # Room for a near miss, which load_state_dict then reports key by key (which names
        # are missing); far beyond the file's weights, the build stops.
        with _parameter_budget(2 * len(weights) + 1000):
            model = cls(**config)
    except _TooManyParameters:
        raise ValueError(f"{where}: its config {_quote(config)} asks for a {class_name} model "
                         f"with far more parameters than the {len(weights):,} weights the file "
                         "holds, so it was not built; the file is damaged or was not written by "
                         "save()") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{rebuild_error}: {error}") from None
    try:
        model.load_state_dict(weights)
    except ValueError as error:
        raise ValueError(f"{where}: its weights do not match {_short_repr(model)}: {error}") from None
    return model


def _quote(value: Any) -> str:
    """A value read from a file, for an error message: short, and safe however deeply nested."""
    return reprlib.repr(value)


# -- helpers shared with layers.py and train.py ------------------------------------------

def as_rows(X: Any, nin: int | None, where: str) -> list[list[float]]:
    """A 2-D batch of inputs as a list of rows of floats, with its shape checked.

    >>> as_rows([[1, 2], [3, 4]], 2, 'predict')
    [[1.0, 2.0], [3.0, 4.0]]
    """
    try:
        array = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: X must be a 2-D array of numbers ({error})") from None
    if array.ndim != 2:
        hint = f"; for one feature per sample use X.reshape(-1, 1)" if array.ndim == 1 else ""
        raise ValueError(f"{where}: X must be 2-D (one row per sample), got shape {array.shape}{hint}")
    if nin is not None and array.shape[1] != nin:
        raise ValueError(f"{where}: X has {array.shape[1]} features per row, "
                         f"but the model takes {nin} inputs")
    if not np.all(np.isfinite(array)):
        row = int(np.argwhere(~np.isfinite(array))[0][0])
        raise ValueError(f"{where}: X row {row} contains a non-finite number: {array[row].tolist()}")
    return array.tolist()


def outputs_to_array(outputs: list, nout: int | None = None) -> np.ndarray:
    """Model outputs (a Value or a list of Values per sample) as a numpy array.

    >>> outputs_to_array([Value(1.0), Value(2.0)])
    array([1., 2.])
    """
    if not outputs:
        return np.zeros((0,) if nout in (None, 1) else (0, nout))
    if isinstance(outputs[0], (list, tuple)):
        return np.array([[_number(v) for v in out] for out in outputs])
    return np.array([_number(out) for out in outputs])


def _number(v) -> float:
    """A model output as a float: a Value's ``data``, a plain number as it is."""
    return v.data if isinstance(v, Value) else float(v)


def require_finite_parameters(model: Module, where: str) -> None:
    """Raise ValueError naming the first parameter that is NaN or inf.

    A weight that is NaN would make every output NaN without a word.  ``p.data = nan``
    is refused where it is written; this catches one written to the slot itself.

    >>> from nn import Neuron
    >>> n = Neuron(1); n.b._data = float('nan')   # beneath the check of n.b.data = ...
    >>> require_finite_parameters(n, 'predict')
    Traceback (most recent call last):
    ...
    ValueError: predict: parameter 'b' is nan; a weight that is not a finite number ...
    """
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f"{where}: parameter {name!r} is {p.data!r}; a weight that is not a "
                             f"finite number makes every output nan. Set it to a number "
                             "(model.load_state_dict(...)) or build the model again")


class _ParameterWalk:
    """One walk of a module's attributes: its named parameters, and what to check it by.

    ``lists`` are the lists the walk went through and ``copies`` what they held:
    comparing the two (item by item, by identity, in C) tells whether an item was
    added, removed or replaced since.
    """

    def __init__(self, module: Module):
        self.version = _structure_version
        self.lists: list[list] = []
        named, seen = [], set()
        for dotted, p in _named_values("", module, self.lists):
            if p not in seen:
                seen.add(p)
                named.append((dotted, p))
        self.copies = [list(items) for items in self.lists]
        self.named = named
        self.parameters = [p for _, p in named]

    def is_current(self) -> bool:
        return (self.version == _structure_version
                and all(map(operator.eq, self.lists, self.copies)))

    def __getstate__(self) -> dict:
        # A pickled or copied walk is never current: another process counts changes on its
        # own, and its count could match this one's by chance.
        return {**vars(self), "version": -1}


def _is_bias(dotted_name: str) -> bool:
    """True when the attribute holding the parameter (the last part that is not an index)
    is one of BIAS_NAMES: ``layers.0.neurons.3.b`` is a bias, ``...w.1`` is not."""
    parts = [part for part in dotted_name.split(".") if not part.isdigit()]
    return bool(parts) and parts[-1] in BIAS_NAMES


def _structure_changed(value: Any) -> None:
    global _structure_version
    _structure_version = next(_structure_changes)
    if _load_budget.limit is not None:
        # load() is rebuilding a model: stop as soon as it holds more parameters than
        # the file has weights, rather than after building all of a huge one.
        attached = _load_budget.attached
        attached.update(id(v) for v in _values_in(value))
        if len(attached) > _load_budget.limit:
            raise _TooManyParameters(len(attached))


def _values_in(value: Any) -> Iterator[Value]:
    """The Values in an attribute, outside of any Module (a Module counted its own when built)."""
    if isinstance(value, Value):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _values_in(item)


@contextlib.contextmanager
def _parameter_budget(limit: int) -> Iterator[None]:
    previous = _load_budget.limit, _load_budget.attached
    _load_budget.limit, _load_budget.attached = limit, set()
    try:
        yield
    finally:
        _load_budget.limit, _load_budget.attached = previous


def _public_attributes(module: Module) -> Iterator[tuple[str, Any]]:
    return ((name, value) for name, value in vars(module).items() if not name.startswith("_"))


def _named_values(prefix: str, value: Any, lists: list) -> Iterator[tuple[str, Value]]:
    """The parameters inside one attribute: a Value, a Module, or a (nested) list of them.

    Every list gone through is added to ``lists``.
    """
    dot = "." if prefix else ""
    if isinstance(value, Value):
        yield prefix, value
    elif isinstance(value, Module):
        for name, item in _public_attributes(value):
            yield from _named_values(f"{prefix}{dot}{name}", item, lists)
    elif isinstance(value, (list, tuple)):
        if isinstance(value, list):
            lists.append(value)
        for i, item in enumerate(value):
            yield from _named_values(f"{prefix}{dot}{i}", item, lists)


def _finite_number(x: Any, where: str, name: str) -> float:
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{where}: the value for {name!r} is not a number: {brief(x)}")
    try:
        x = to_float(x, f"{where}: the value for {name!r}")
    except OverflowError as error:   # an int such as 10**400, named as Value() names it
        raise ValueError(str(error)) from None
    except ValueError:               # inf or NaN: said below, in this function's words
        x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where}: the value for {name!r} is {x!r}, not a finite number")
    return x


def _plural(items: list, word: str) -> str:
    return word if len(items) == 1 else word + "s"


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def _short_repr(module: Module) -> str:
    """One line naming a model in an error message: its repr, or just its class name."""
    return repr(module) if module.extra_repr() else type(module).__name__


def _shape_text(module: Module) -> str:
    nin, nout = getattr(module, "nin", None), getattr(module, "nout", None)
    return f"{nin} -> {nout}" if nin is not None and nout is not None else ""


def _activation_text(module: Module) -> str:
    activation = getattr(module, "activation", "")
    return activation_name(activation) if activation != "" else ""
