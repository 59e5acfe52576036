"""A hostile user's probe of chainrule's public API: how many bad inputs get which answer.

What it measures
----------------
Each *case* is one thing a careless or hostile learner might do: save a model while
the disk fills up, call ``no_grad()`` in one thread while another builds a graph,
replay a loss with a Python ``if`` in it, feed ``inf`` to an optimizer, call
``math.exp`` on a Value, load half a bad optimizer state, ask ``nn.load`` for a
3000 x 3000 network from a 700-byte file, draw a label of 20,000 characters, pass
``epochs=-1``...  Every case runs the library for real, in a child process of its
own killed after a time limit, and classifies what happened as one of

* ``clear error``  -- an exception whose message names the operation (or the
  argument) and the offending value (or a telling part of it);
* ``right answer`` -- no error, and the result agrees with a reference computed
  here (by hand, by finite differences, by the plain scalar engine, by a
  single-threaded rerun, or by the file still loading);
* ``silent wrong`` -- no error, but a wrong result, or NaN or inf somewhere in the
  outputs, gradients, weights or history;
* ``unhelpful``    -- an error, but of the wrong kind (RecursionError, KeyError,
  UnicodeEncodeError, MemoryError...) or with a message that does not name the
  operation and the value (Python's bare 'unsupported operand', 'embedded null
  byte', numpy's 'loop of ufunc does not support ...');
* ``hang``         -- still running at the time limit;
* ``lost file``    -- a model file that loaded before the case no longer loads.

A fault the probe injects on purpose (a full disk, an interrupted write) is passed
on to the user: it counts as a clear error when the injected exception (or one
quoting it) reaches the caller and the earlier file still loads.

A clear error for an input that does have a right answer (``softmax([1e308, -1e308])``
is [1, 0]) still counts as a clear error, but it is noted in the case's detail and listed
after the table.

Nothing is hard-coded: every outcome comes from running the library.  The probe
is a measurement, not a test: it always exits with status 0.

How to run it
-------------
From the repository's root::

    .venv/bin/python scripts/hostile_probe.py                 # every case, the table, the list
    .venv/bin/python scripts/hostile_probe.py --kind save     # one kind
    .venv/bin/python scripts/hostile_probe.py --json out.json # and every case's result as JSON
    .venv/bin/python scripts/hostile_probe.py --match huber   # the cases whose name contains 'huber'

The kinds are ``save``, ``threads``, ``replay``, ``inf_nan``, ``graph`` (graph lost or
edited by hand), ``state`` (half-applied state), ``size`` (hangs and sizes) and
``messages`` (messages and arguments).  ``--jobs`` sets how many cases run at once (2
by default) and ``--timeout`` the limit per case in seconds (20 by default).  torch
cases are skipped when torch is not installed.

How long it takes
-----------------
About 100 s for all 1,280 cases on the 2-core machine (98 s measured on 1 December 2026,
``--jobs 2``, ``--timeout 20``); most of it is the heavy cases (graphs of 10^5 and 10^6
nodes, data sets of 10^9 samples), run one at a time after the others so that a hang is
the case's own time, not two cases sharing two cores.  The first run, before the fixes of
issue 17's last session, took 237 s, four cases stopping at the 20 s limit.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("MPLBACKEND", "Agg")            # plots are drawn off screen
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Value  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:          # the torch cases are then left out
    torch = None

INF, NAN = math.inf, math.nan

CLEAR, RIGHT, SILENT, UNHELPFUL, HANG, LOST = (
    "clear error", "right answer", "silent wrong", "unhelpful", "hang", "lost file")
OUTCOMES = [CLEAR, RIGHT, SILENT, UNHELPFUL, HANG, LOST]
KINDS = {
    "save": "saving that fails part-way",
    "threads": "threads",
    "replay": "replay",
    "inf_nan": "inf/NaN",
    "graph": "graph loss / hand-edited graphs",
    "state": "half-applied state",
    "size": "hangs / size",
    "messages": "messages / arguments",
}


# == outcomes ============================================================================

@dataclass
class Outcome:
    outcome: str
    detail: str = ""


def brief(value: Any, limit: int = 150) -> str:
    """repr(value), cut to ``limit`` characters (a repr may be megabytes long)."""
    try:
        text = repr(value)
    except Exception as error:  # a hostile object's repr may fail too
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def error_text(error: BaseException) -> str:
    """The exception type and the first 150 characters of its message."""
    message = str(error).replace("\n", " ")
    return f"{type(error).__name__}: {message[:150]}"


# The wrong kind of exception for a bad input, whatever it says.
WRONG_KINDS = (RecursionError, UnicodeError, KeyError, AttributeError, MemoryError, NameError,
               AssertionError, BrokenPipeError, SystemError)

# Python's, numpy's and matplotlib's own words: they name neither the operation nor the value.
BARE_MESSAGES = (
    "unsupported operand", "index out of range", "maximum recursion depth",
    "intermediate overflow in fsum", "broken pipe", "embedded null byte",
    "loop of ufunc does not support", "not supported between instances",
    "object is not iterable", "object is not subscriptable", "object is not callable",
    "cannot be interpreted as an integer", "could not convert string to float",
    "int() argument must be", "doesn't define __round__", "unsupported format string",
    "math domain error", "math range error", "float division by zero",
    "int too large to convert to float", "can't mix bytes and non-bytes",
    "must be real number, not", "expected end of text", "unknown symbol",
    "takes 0 positional arguments", "missing 1 required positional argument",
    "has no len()", "array must not contain infs or nans",
    "expected str, bytes or os.pathlike object",
)


def quoted_in_parentheses(message: str, phrase: str) -> bool:
    """True when ``phrase`` stands inside parentheses after the library's own words, as in
    "fit: X must be a 2-D array of numbers (could not convert string to float: 'abc')"."""
    before = message[:message.index(phrase)]
    return before.count("(") > before.count(")") and bool(before.split("(")[0].strip())


def judge_error(error: BaseException, names=(), shows=()) -> Outcome:
    """A clear error names the operation or the argument (one of ``names``) and the value
    (one of ``shows``); anything else is unhelpful."""
    text = error_text(error)
    message = str(error).lower()
    if isinstance(error, WRONG_KINDS):
        return Outcome(UNHELPFUL, f"wrong kind of error: {text}")
    module = type(error).__module__ or ""
    if module.startswith(("pyparsing", "matplotlib", "graphviz", "json")):
        return Outcome(UNHELPFUL, f"an error from inside {module.split('.')[0]}: {text}")
    bare = [b for b in BARE_MESSAGES if b in message and not quoted_in_parentheses(message, b)]
    if bare:
        return Outcome(UNHELPFUL, f"Python's bare message ({bare[0]!r}): {text}")
    if names and not any(n.lower() in message for n in names):
        return Outcome(UNHELPFUL, f"does not name {' / '.join(names)}: {text}")
    if shows and not any(s.lower() in message for s in shows):
        return Outcome(UNHELPFUL, f"does not show the value ({' / '.join(shows)}): {text}")
    return Outcome(CLEAR, text)


def non_finite(value: Any, depth: int = 0) -> str | None:
    """Where an inf or NaN is inside ``value`` (a number, Value, array, list, dict, model), or None."""
    if depth > 6:
        return None
    if isinstance(value, Value):
        for name in ("data", "grad"):
            number = getattr(value, name)
            if isinstance(number, (int, float)) and not math.isfinite(number):
                return f"{name} of {brief(value, 80)} is {number!r}"
        return None
    if isinstance(value, (bool, str, bytes)) or value is None:
        return None
    if isinstance(value, (int, float, np.floating, np.integer)):
        return None if math.isfinite(value) else f"{value!r}"
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            return f"an array holding {value[~np.isfinite(value)][0]!r}"
        return None
    if isinstance(value, nn.Module):
        return non_finite(value.parameters(), depth + 1)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value[:10_000]:
            found = non_finite(item, depth + 1)
            if found:
                return found
    return None


def judge(call: Callable[[], Any], right: Callable[[Any], Any] | None = None,
          names=(), shows=(), note_refusal: bool = True) -> Outcome:
    """Run ``call()`` and classify it.

    An exception is judged by :func:`judge_error`.  A result with inf or NaN in it is
    silent wrong; so is any result when ``right`` is None (an error was expected);
    otherwise ``right(result)`` returns True when the result is right, and False or a
    text saying what is wrong.  A clear error for an input that has a right answer is
    noted in the detail, unless ``note_refusal`` is False (a refusal is as good as the
    answer there: math.exp(x) cannot give a Value, a stale graph may be refused).
    """
    try:
        result = call()
    except Exception as error:
        outcome = judge_error(error, names, shows)
        if right is not None and note_refusal and outcome.outcome == CLEAR:
            outcome.detail = REFUSED_NOTE + outcome.detail
        return outcome
    found = non_finite(result)
    if found:
        return Outcome(SILENT, f"no error, but {found}")
    if right is None:
        return Outcome(SILENT, f"no error: returned {brief(result)}")
    verdict = right(result)
    if not isinstance(verdict, str) and bool(verdict):
        return Outcome(RIGHT, f"returned {brief(result, 80)}")
    return Outcome(SILENT, verdict if isinstance(verdict, str) else f"wrong result {brief(result)}")


REFUSED_NOTE = "refused, though a right answer exists: "


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return abs(a - b) <= abs_ + rel * abs(b)


def all_close(a, b, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    """Equal to rounding: Adam turns a gradient of 1e-17 (a sum that should be 0) into a
    step of about 1e-10, so weights are compared to 1e-9."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= abs_ + rel * np.abs(b)))


def numeric_derivative(f: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# == the case registry =====================================================================

@dataclass
class Case:
    kind: str
    name: str
    run: Callable[[], Outcome]
    heavy: bool = False      # run alone, after the others, so that its time is its own


CASES: list[Case] = []


def add(kind: str, name: str, run: Callable[[], Outcome], heavy: bool = False) -> None:
    assert kind in KINDS, kind
    CASES.append(Case(kind, name, run, heavy))


# == small models and data shared by the kinds ==============================================

def small_mlp(seed: int = 0, activation: str = "tanh") -> nn.MLP:
    return nn.MLP(2, [3, 1], activation=activation, seed=seed)


def moons(n: int = 40, seed: int = 0):
    return nn.data.make_moons(n, noise=0.1, seed=seed)


def quiet_fit(model, X, y, **kwargs):
    return nn.fit(model, X, y, **{"progress": False, "seed": 0, **kwargs})


# == kind: save =============================================================================
# A model file is saved, then a save over it fails part-way.  The earlier file must still
# load (with its own weights) and nothing half-written may be left beside it.

class InjectedFault(Exception):
    """Stands for an error the environment raises (we inject it); passed on, it is clear."""


class FaultyFile:
    """A file whose write (or flush, or close) fails, after writing half of what it was given."""

    def __init__(self, file, where: str, error: BaseException):
        self.file, self.where, self.error = file, where, error

    def write(self, text):
        if self.where == "write-start":
            raise self.error
        if self.where == "write-half":
            self.file.write(text[:len(text) // 2])
            self.file.flush()
            raise self.error
        if self.where == "killed":
            self.file.write(text[:len(text) // 2])
            self.file.flush()
            os._exit(9)                     # the process dies mid-write (a power cut)
        return self.file.write(text)

    def flush(self):
        if self.where == "flush":
            raise self.error
        return self.file.flush()

    def fileno(self):
        return self.file.fileno()

    def close(self):
        self.file.close()
        if self.where == "close":
            raise self.error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def faulty_fdopen(where: str, error: BaseException):
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        return FaultyFile(real(fd, *args, **kwargs), where, error)
    return fdopen


def raising(error: BaseException):
    def fail(*args, **kwargs):
        raise error
    return fail


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device (injected)")


# Each fault: (name, a function that breaks the world, the error it injects).
def save_faults():
    return [
        ("write fails at once: disk full", lambda e: setattr(os, "fdopen", faulty_fdopen("write-start", e)), disk_full()),
        ("write fails half-way: disk full", lambda e: setattr(os, "fdopen", faulty_fdopen("write-half", e)), disk_full()),
        ("write interrupted half-way (KeyboardInterrupt)", lambda e: setattr(os, "fdopen", faulty_fdopen("write-half", e)), KeyboardInterrupt("injected")),
        ("write runs out of memory half-way", lambda e: setattr(os, "fdopen", faulty_fdopen("write-half", e)), MemoryError("injected")),
        ("write raises an exception of the user's", lambda e: setattr(os, "fdopen", faulty_fdopen("write-half", e)), InjectedFault("injected")),
        ("flush fails: I/O error", lambda e: setattr(os, "fdopen", faulty_fdopen("flush", e)), OSError(errno.EIO, "I/O error (injected)")),
        ("close fails: disk full", lambda e: setattr(os, "fdopen", faulty_fdopen("close", e)), disk_full()),
        ("fsync fails", lambda e: setattr(os, "fsync", raising(e)), OSError(errno.EIO, "I/O error (injected)")),
        ("os.replace fails: permission", lambda e: setattr(os, "replace", raising(e)), PermissionError(errno.EACCES, "Permission denied (injected)")),
        ("os.replace fails: cross-device", lambda e: setattr(os, "replace", raising(e)), OSError(errno.EXDEV, "Invalid cross-device link (injected)")),
        ("temporary file cannot be made: read-only folder", lambda e: setattr(tempfile, "mkstemp", raising(e)), PermissionError(errno.EACCES, "Permission denied (injected)")),
        ("json.dumps fails", lambda e: setattr(json, "dumps", raising(e)), InjectedFault("injected")),
        ("json.dump patched to fail (save need not use it)", lambda e: setattr(json, "dump", raising(e)), InjectedFault("injected")),
        ("write fails and the clean-up fails too", lambda e: (setattr(os, "fdopen", faulty_fdopen("write-half", e)), setattr(os, "unlink", raising(OSError(errno.EIO, "unlink failed (injected)")))), disk_full()),
    ]


SAVE_MODELS = {
    "MLP": lambda seed: nn.MLP(2, [3, 1], seed=seed),
    "relu MLP": lambda seed: nn.MLP(3, [4, 4, 2], activation="relu", seed=seed),
    "Neuron": lambda seed: nn.Neuron(3, seed=seed),
    "Layer": lambda seed: nn.Layer(2, 3, seed=seed),
}


def file_state(path, old, new) -> tuple[str, str]:
    """('old' | 'new' | 'lost', detail): what the file at ``path`` holds now."""
    try:
        weights = nn.load(path).state_dict()
    except Exception as error:
        return "lost", f"the file no longer loads: {error_text(error)}"
    if list(weights.values()) == list(old.state_dict().values()):
        return "old", ""
    if new is not None and list(weights.values()) == list(new.state_dict().values()):
        return "new", ""
    return "lost", "the file loads but holds neither the old nor the new weights"


def leftovers(folder, keep) -> list[str]:
    return sorted(set(os.listdir(folder)) - set(keep))


def judge_save(folder, path, old, new, attempt: Callable[[], Any], names=(), shows=(),
               injected: BaseException | None = None, debris_ok: bool = False) -> Outcome:
    """Save ``new`` over ``old``'s file by ``attempt()``, then see what the file holds."""
    try:
        attempt()
        raised = None
    except BaseException as error:   # KeyboardInterrupt too: it is one of the faults
        raised = error
    state, why = file_state(path, old, new)
    if state == "lost":
        return Outcome(LOST, why + (f" (save raised {error_text(raised)})" if raised else ""))
    extra = [] if debris_ok else leftovers(folder, [os.path.basename(path)])
    if raised is None:
        if state == "old":
            return Outcome(SILENT, "save returned without error, but the file was not updated")
        if extra:
            return Outcome(SILENT, f"saved, but left behind {extra}")
        return Outcome(RIGHT, "saved; the new file loads")
    if state == "new":
        return Outcome(SILENT, f"save raised {error_text(raised)}, yet the file was replaced")
    if extra:
        return Outcome(SILENT, f"the old file survived but {extra} was left behind; "
                               f"raised {error_text(raised)}")
    if injected is not None:
        passed_on = raised is injected or str(injected) in str(raised)
        kind = CLEAR if passed_on else UNHELPFUL
        return Outcome(kind, ("" if passed_on else "the injected fault was replaced by ")
                       + error_text(raised))
    if not isinstance(raised, Exception):
        return Outcome(UNHELPFUL, error_text(raised))
    return judge_error(raised, names, shows)


def saved_folder(make_model):
    """A new folder holding model.json, saved from ``make_model(0)``; the model and the path."""
    folder = tempfile.mkdtemp(prefix="probe-save-")
    path = os.path.join(folder, "model.json")
    old = make_model(0)
    old.save(path)
    return folder, path, old


def fault_case(make_model, break_world, error, debris_ok=False):
    def run():
        folder, path, old = saved_folder(make_model)
        new = make_model(1)
        break_world(error)
        return judge_save(folder, path, old, new, lambda: new.save(path), injected=error,
                          debris_ok=debris_ok)
    return run


def killed_case(make_model):
    """The process saving the model dies half-way through the write."""
    def run():
        folder, path, old = saved_folder(make_model)
        new = make_model(1)
        child = os.fork()
        if child == 0:
            os.fdopen = faulty_fdopen("killed", None)
            try:
                new.save(path)
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        return _after_kill(folder, path, old)
    return run


def _after_kill(folder, path, old) -> Outcome:
    state, why = file_state(path, old, None)
    if state == "lost":
        return Outcome(LOST, why)
    extra = leftovers(folder, ["model.json"])
    note = f" ({len(extra)} half-written temporary file left, unavoidable)" if extra else ""
    return Outcome(RIGHT, "the earlier file survived the kill" + note)


def size_limit_case(make_model, limit_asked):
    """A real size limit (ulimit -f): the operating system refuses to write past the limit."""
    def run():
        folder, path, old = saved_folder(make_model)
        new = make_model(1)
        limit = limit_asked
        if limit == "size - 1":         # the new file is as long as the old: one byte short
            limit = os.path.getsize(path) - 1
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # an EFBIG error instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            new.save(path)
            raised = None
        except OSError as error:
            raised = error
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        state, why = file_state(path, old, new)
        if state == "lost":
            return Outcome(LOST, why)
        if raised is None:
            return Outcome(RIGHT if state == "new" else SILENT, f"no error; the file is {state}")
        if raised.errno == errno.EFBIG and state == "old" and not leftovers(folder, ["model.json"]):
            return Outcome(CLEAR, error_text(raised))
        return Outcome(UNHELPFUL, f"{error_text(raised)}; file {state}")
    return run


def add_save_cases() -> None:
    for model_name, make in SAVE_MODELS.items():
        for fault_name, break_world, error in save_faults():
            # when the clean-up itself fails, the half-written file cannot be removed
            debris_ok = "clean-up" in fault_name
            add("save", f"{model_name}: {fault_name}",
                fault_case(make, break_world, error, debris_ok))
        add("save", f"{model_name}: the process is killed mid-write", killed_case(make))
        for limit in (0, 64, "size - 1"):
            add("save", f"{model_name}: file size limit of {limit} bytes",
                size_limit_case(make, limit))
    add_save_path_cases()
    add_save_weight_cases()


def path_case(make_path, names, shows, right_if_saved=False):
    """``model.save(make_path(folder))``: refused clearly, or (a valid path) saved."""
    def run():
        folder, path, old = saved_folder(SAVE_MODELS["MLP"])
        new = SAVE_MODELS["MLP"](1)
        target = make_path(folder)
        if right_if_saved:
            try:
                new.save(target)
            except Exception as error:
                return judge_error(error, names, shows)
            state, why = file_state(target, new, None)
            return Outcome(RIGHT if state == "old" else LOST, why or "saved and loads")
        return judge_save(folder, path, old, new, lambda: new.save(target), names, shows)
    return run


def add_save_path_cases() -> None:
    os_words = ("save", "path", "directory", "file name")
    bad_paths = {
        "model.save(1)": (lambda f: 1, ("save", "path"), ("1",)),
        "model.save(1.5)": (lambda f: 1.5, ("save", "path"), ("1.5",)),
        "model.save(None)": (lambda f: None, ("save", "path"), ("none",)),
        "model.save(True)": (lambda f: True, ("save", "path"), ("true",)),
        "model.save(['model.json'])": (lambda f: [os.path.join(f, "model.json")], ("save", "path"), ("list", "[")),
        "model.save({'path': ...})": (lambda f: {"path": "m.json"}, ("save", "path"), ("dict", "{")),
        "model.save(object())": (lambda f: object(), ("save", "path"), ("object",)),
        "model.save(an open file)": (lambda f: tempfile.TemporaryFile("w"), ("save", "path"), ("textiowrapper", "file")),
        "a directory as the path": (lambda f: f, os_words, ("probe-save",)),
        "the empty string as the path": (lambda f: "", os_words, ("empty",)),
        "a folder that does not exist": (lambda f: os.path.join(f, "no", "such", "m.json"), os_words, ("no/such",)),
        "a path through a file": (lambda f: os.path.join(f, "model.json", "m.json"), os_words, ("model.json",)),
        "a NUL byte in the path": (lambda f: os.path.join(f, "a\0b.json"), os_words, ("\\x00", "nul", "null")),
        "a file name of 300 characters": (lambda f: os.path.join(f, "a" * 300 + ".json"), os_words, ("aaaa",)),
        "a path of 5000 characters": (lambda f: os.path.join(f, *["d" * 200] * 25, "m.json"), os_words, ("dddd",)),
    }
    for name, (make_path, names, shows) in bad_paths.items():
        add("save", name, path_case(make_path, names, shows))
    valid_paths = {
        "a pathlib.Path": lambda f: Path(f) / "new.json",
        "a bytes path": lambda f: os.path.join(f, "new.json").encode(),
        "a relative path": lambda f: os.path.relpath(os.path.join(f, "new.json")),
        "a path with spaces and Hangul": lambda f: os.path.join(f, "모델 파일 1.json"),
        "a path ending in a slash-free name without .json": lambda f: os.path.join(f, "model"),
    }
    for name, make_path in valid_paths.items():
        add("save", f"valid: {name}", path_case(make_path, ("save", "path"), (), right_if_saved=True))
    add("save", "two threads save over one file at once", two_threads_save)
    add("save", "save over a read-only file (chmod 444)", read_only_target)


def two_threads_save() -> Outcome:
    folder, path, old = saved_folder(SAVE_MODELS["MLP"])
    models = [SAVE_MODELS["MLP"](seed) for seed in (1, 2)]
    errors = []

    def save_many(model):
        try:
            for _ in range(20):
                model.save(path)
        except Exception as error:
            errors.append(error)
    threads = [threading.Thread(target=save_many, args=(m,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        return judge_error(errors[0], ("save",), (path,))
    states = [file_state(path, m, None)[0] for m in models]
    if "old" not in states:
        return Outcome(LOST, "the file holds neither thread's model")
    extra = leftovers(folder, ["model.json"])
    return Outcome(SILENT, f"left behind {extra}") if extra else Outcome(RIGHT, "one thread's model, whole")


def read_only_target() -> Outcome:
    folder, path, old = saved_folder(SAVE_MODELS["MLP"])
    os.chmod(path, 0o444)
    new = SAVE_MODELS["MLP"](1)
    return judge_save(folder, path, old, new, lambda: new.save(path), ("save", "permission"), (path,))


class NoConfig(nn.Module):
    """A learner's module that forgot get_config()."""

    def __init__(self):
        self.w = Value(0.5)

    def forward(self, x):
        return self.w * x


class SetConfig(nn.Module):
    """A learner's module whose config holds something JSON cannot write."""

    def __init__(self, sizes=frozenset({1, 2})):
        self.sizes = sizes
        self.w = Value(0.5)

    def forward(self, x):
        return self.w * x

    def get_config(self):
        return {"sizes": self.sizes}


def weight_case(damage, names, shows):
    """Save a model damaged by ``damage(model)`` (inside the judged call: the damage itself
    may be refused) over a good file."""
    def run():
        folder, path, old = saved_folder(SAVE_MODELS["MLP"])
        new = SAVE_MODELS["MLP"](1)
        return judge_save(folder, path, old, new, lambda: (damage(new), new.save(path)),
                          names, shows)
    return run


def set_weight(model: nn.MLP, value) -> nn.MLP:
    """Write ``value`` into one weight by hand, as a learner might."""
    model.layers[1].neurons[0].w[2].data = value
    return model


def add_save_weight_cases() -> None:
    for value in (NAN, INF, -INF):
        add("save", f"a model with a weight set to {value} by hand",
            weight_case(lambda m, v=value: set_weight(m, v), ("save", ".data", "weight"),
                        (repr(value),)))
    for name, module, shows in (("a module without get_config()", NoConfig, "noconfig"),
                                ("a module whose config holds a frozenset", SetConfig, "frozenset")):
        add("save", name, module_case(module, shows))


def module_case(make_module, shows):
    def run():
        folder, path, old = saved_folder(SAVE_MODELS["MLP"])
        module = make_module()
        return judge_save(folder, path, old, None, lambda: module.save(path),
                          ("save", "get_config", "config"), (shows,))
    return run


# == kind: threads ==========================================================================
# Grad mode (no_grad) and the record of the latest backward belong to each thread; fit in
# one thread must train as it does alone while other threads use the same model.

def in_thread(fn, *args):
    """Start ``fn(*args)`` in a thread; returns (thread, box) where box['error'|'result'] lands."""
    box = {}

    def target():
        try:
            box["result"] = fn(*args)
        except BaseException as error:
            box["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


GRAPH_BUILDERS = {
    "x + 1": (lambda x: x + 1.0, lambda x: 1.0),
    "x * x": (lambda x: x * x, lambda x: 2 * x),
    "tanh(x)": (lambda x: x.tanh(), lambda x: 1 - math.tanh(x) ** 2),
    "exp(x)": (lambda x: x.exp(), math.exp),
    "x ** 3": (lambda x: x ** 3, lambda x: 3 * x * x),
    "linear([x, x], [2, 3])": (lambda x: autograd.linear([Value(2.0), Value(3.0)], [x, x]), lambda x: 5.0),
    "sum([x, x, x])": (lambda x: autograd.sum([x, x, x]), lambda x: 3.0),
    "a Neuron of x": (lambda x: nn.Neuron(1, activation="relu", seed=0)([x]), None),
    "mse of an MLP of x": (lambda x: nn.mse_loss([nn.MLP(1, [3, 1], seed=0)([x])], [0.0]), None),
}


def grad_of(build, x0: float) -> tuple[bool, float]:
    """Whether ``build`` recorded a graph, and d build / dx at x0 (by backward)."""
    x = Value(x0)
    y = build(x)
    recorded = bool(y.parents)
    y.backward()
    return recorded, x.grad


def graph_while_other_thread_in_no_grad(build, derivative, swap: bool):
    """One thread sits inside no_grad() while the other builds a graph and backpropagates."""
    def run():
        entered, done = threading.Event(), threading.Event()

        def hold_no_grad():
            with autograd.no_grad():
                entered.set()
                done.wait(10)

        def build_graph():
            entered.wait(10)
            try:
                return grad_of(build, 0.7)
            finally:
                done.set()
        first, second = (build_graph, hold_no_grad) if swap else (hold_no_grad, build_graph)
        t1, box1 = in_thread(first)
        t2, box2 = in_thread(second)
        t1.join(15), t2.join(15)
        box = box1 if swap else box2
        if "error" in box:
            return judge_error(box["error"], ("no_grad", "thread"), ())
        recorded, g = box["result"]
        _, expected = grad_of(build, 0.7)      # the reference: the same graph, alone
        if not recorded:
            return Outcome(SILENT, "the graph built beside another thread's no_grad() recorded no parents")
        if derivative is not None and not close(expected, derivative(0.7)):
            return Outcome(SILENT, f"the lone reference itself is off: {expected}")
        return Outcome(RIGHT, "recorded") if close(g, expected) else \
            Outcome(SILENT, f"gradient {g}, alone {expected}")
    return run


class ThreadScript:
    """Threads that each run the steps they are sent, one step at a time, in the order given.

    Steps: 'no_grad' or 'enable_grad' opens a block in that thread, 'exit one' closes the
    innermost block it opened, 'probe' reports whether the thread records a graph now.
    """

    def __init__(self, names):
        import queue
        self.inbox = {n: queue.Queue() for n in names}
        self.outbox = queue.Queue()
        for n in names:
            threading.Thread(target=self._loop, args=(n,), daemon=True).start()

    def _loop(self, name):
        blocks = []                                  # the context managers this thread opened
        while True:
            step = self.inbox[name].get()
            try:
                self.outbox.put(("ok", self._do(step, blocks)))
            except BaseException as error:
                self.outbox.put(("error", error))

    @staticmethod
    def _do(step, blocks):
        if step in ("no_grad", "enable_grad"):
            block = autograd.no_grad() if step == "no_grad" else autograd.enable_grad()
            block.__enter__()
            blocks.append(block)
        elif step == "exit one":
            blocks.pop().__exit__(None, None, None)
        elif step == "probe":
            return autograd.is_grad_enabled(), bool((Value(1.0) * 2.0).parents)
        return None

    def send(self, name, step):
        self.inbox[name].put(step)
        status, value = self.outbox.get(timeout=10)
        if status == "error":
            raise value
        return value


def overlapping_blocks(script: list[tuple[str, str]]):
    """Threads A and B enter and leave grad-mode blocks in the order ``script`` gives; after
    every step each thread, and the main thread, must record exactly as its own blocks say."""
    def run():
        threads = ThreadScript(["A", "B"])
        stacks = {"A": [], "B": []}
        try:
            for name, step in script:
                threads.send(name, step)
                if step in ("no_grad", "enable_grad"):
                    stacks[name].append(step != "no_grad")
                else:
                    stacks[name].pop()
                for who in ("A", "B"):
                    expected = stacks[who][-1] if stacks[who] else True
                    enabled, recorded = threads.send(who, "probe")
                    if enabled != expected or recorded != expected:
                        return Outcome(SILENT, f"after {name} {step}: thread {who} records={recorded}, "
                                               f"is_grad_enabled={enabled}, expected {expected}")
                if not autograd.is_grad_enabled() or not (Value(1.0) * 2.0).parents:
                    return Outcome(SILENT, f"after {name} {step}: the main thread stopped recording")
        except Exception as error:
            return judge_error(error, ("no_grad", "grad"), ())
        return Outcome(RIGHT, "every thread recorded as its own blocks say")
    return run


def block_scripts():
    """Every interleaving of A's and B's enter/exit, with each pair of block kinds."""
    scripts = {}
    for a_kind, b_kind in (("no_grad", "no_grad"), ("no_grad", "enable_grad"),
                           ("enable_grad", "no_grad")):
        a, b = [("A", a_kind), ("A", "exit one")], [("B", b_kind), ("B", "exit one")]
        for order in ("AABB", "ABAB", "ABBA", "BAAB", "BABA", "BBAA"):
            ia, ib, steps = iter(a), iter(b), []
            for who in order:
                steps.append(next(ia) if who == "A" else next(ib))
            scripts[f"{a_kind} in A, {b_kind} in B, order {order}"] = steps
    scripts["no_grad nested twice in A, once in B"] = [
        ("A", "no_grad"), ("B", "no_grad"), ("A", "no_grad"), ("B", "exit one"),
        ("A", "exit one"), ("A", "exit one")]
    scripts["enable_grad inside no_grad in A while B is in no_grad"] = [
        ("A", "no_grad"), ("B", "no_grad"), ("A", "enable_grad"), ("A", "exit one"),
        ("B", "exit one"), ("A", "exit one")]
    return scripts


def no_grad_left_by_an_exception() -> Outcome:
    """An exception inside no_grad() in one thread: grad mode comes back there and elsewhere."""
    def fail_inside():
        with autograd.no_grad():
            raise InjectedFault("inside no_grad")
    t, box = in_thread(fail_inside)
    t.join(10)
    recorded_here = bool((Value(1.0) * 2).parents)
    t2, box2 = in_thread(lambda: bool((Value(1.0) * 2).parents))
    t2.join(10)
    if recorded_here and box2.get("result"):
        return Outcome(RIGHT, "recording everywhere afterwards")
    return Outcome(SILENT, f"recording afterwards: main {recorded_here}, new thread {box2}")


def many_threads_toggling_no_grad(n_threads: int):
    """Threads entering and leaving no_grad() in a loop while the main thread builds graphs."""
    def run():
        stop = threading.Event()

        def toggle():
            while not stop.is_set():
                with autograd.no_grad():
                    Value(1.0) * 2.0
        threads = [in_thread(toggle)[0] for _ in range(n_threads)]
        try:
            lost = 0
            for _ in range(20_000):
                x = Value(0.5)
                if not (x * 3.0).parents:
                    lost += 1
        finally:
            stop.set()
            for t in threads:
                t.join(10)
        return Outcome(RIGHT, "every node recorded") if lost == 0 else \
            Outcome(SILENT, f"{lost} of 20000 nodes built by the main thread recorded no parents")
    return run


def fit_setting(name):
    """(make model, X, y, fit keyword arguments) for a named training setting."""
    X, y = moons(60)
    settings = {
        "MLP, mse, adam": (lambda: nn.MLP(2, [6, 1], seed=0), X, y, dict(loss="mse", optimizer="adam", epochs=15)),
        "MLP, hinge, sgd": (lambda: nn.MLP(2, [6, 1], activation="relu", seed=0), X, 2 * y - 1, dict(loss="hinge", optimizer="sgd", epochs=15)),
        "MLP, bce, rmsprop, replay": (lambda: nn.MLP(2, [6, 1], seed=0), X, y, dict(loss="bce_with_logits", optimizer="rmsprop", epochs=30, replay=True)),
        "MLP, cross-entropy, adagrad": (lambda: nn.MLP(2, [6, 2], seed=0), X, y, dict(loss="cross_entropy", optimizer="adagrad", epochs=15)),
        "Neuron, mse, sgd, full batch": (lambda: nn.Neuron(2, seed=0), X, y, dict(loss="mse", optimizer="sgd", epochs=30, batch_size=None)),
        "MLP, mse, adam, replay, l2": (lambda: nn.MLP(2, [6, 1], seed=0), X, y, dict(loss="mse", epochs=30, replay=True, l2=0.01)),
    }
    return settings[name]


FIT_SETTINGS = ["MLP, mse, adam", "MLP, hinge, sgd", "MLP, bce, rmsprop, replay",
                "MLP, cross-entropy, adagrad", "Neuron, mse, sgd, full batch",
                "MLP, mse, adam, replay, l2"]


def fit_alone(setting):
    make, X, y, kwargs = fit_setting(setting)
    model = make()
    history = quiet_fit(model, X, y, **kwargs)
    return history["loss"], list(model.state_dict().values())


def meanwhile_predict(model, X):
    model.predict(X)


def meanwhile_state_dict(model, X):
    model.state_dict()
    model.summary()


def meanwhile_save(model, X):
    path = f"probe-meanwhile-{threading.get_ident()}.json"    # in the child's own folder
    model.save(path)
    nn.load(path)


def meanwhile_other_graph(model, X):
    x = Value(0.3)
    (x * x).tanh().backward()


def meanwhile_explain(model, X):
    x = Value(0.3, label="x")
    y = (x * x).tanh()
    y.backward()
    str(autograd.explain(x))


def meanwhile_fit_other(model, X):
    other = nn.MLP(2, [3, 1], seed=5)
    quiet_fit(other, X, np.zeros(len(X)), epochs=2)


MEANWHILE = {"predict": meanwhile_predict, "state_dict + summary": meanwhile_state_dict,
             "save + load": meanwhile_save, "backward of its own graph": meanwhile_other_graph,
             "explain": meanwhile_explain, "fit of another model": meanwhile_fit_other}


def fit_while_other_thread(setting, other_name):
    """fit in one thread while another thread keeps doing ``other_name`` with the same model:
    the losses and the final weights must be those of fit alone."""
    def run():
        alone_losses, alone_weights = fit_alone(setting)
        make, X, y, kwargs = fit_setting(setting)
        model = make()
        stop, calls, errors = threading.Event(), [0], []

        def keep_busy():
            while not stop.is_set():
                try:
                    MEANWHILE[other_name](model, X)
                    calls[0] += 1
                except Exception as error:
                    errors.append(error)
                    return
        helper, _ = in_thread(keep_busy)
        try:
            history = quiet_fit(model, X, y, **kwargs)
        except Exception as error:
            return judge_error(error, ("fit",), ())
        finally:
            stop.set()
            helper.join(10)
        if errors:
            return judge_error(errors[0], (other_name.split()[0],), ())
        if calls[0] == 0:
            return Outcome("probe error", "the other thread never ran during fit")
        found = non_finite(history["loss"])
        if found:
            return Outcome(SILENT, f"history holds {found}")
        weights = list(model.state_dict().values())
        if history["loss"] == alone_losses and weights == alone_weights:
            return Outcome(RIGHT, f"same losses and weights as alone ({calls[0]} {other_name} calls)")
        return Outcome(SILENT, f"final loss {history['loss'][-1]!r}, alone {alone_losses[-1]!r}; "
                               f"weights differ by {max(abs(a - b) for a, b in zip(weights, alone_weights)):.3g}")
    return run


def two_fits_of_different_models():
    alone = [fit_alone(s) for s in ("MLP, mse, adam", "MLP, hinge, sgd")]
    threads = [in_thread(fit_alone, s) for s in ("MLP, mse, adam", "MLP, hinge, sgd")]
    for t, _ in threads:
        t.join(60)
    for (t, box), reference in zip(threads, alone):
        if "error" in box:
            return judge_error(box["error"], ("fit",), ())
        if box["result"] != reference:
            return Outcome(SILENT, "a fit beside another fit trained differently from alone")
    return Outcome(RIGHT, "both fits as alone")


def shared_parameter_backwards(n_threads: int, passes: int):
    """n threads each backpropagate ``passes`` times through one shared weight: the grads add up."""
    def run():
        w = Value(0.5, label="w")
        start = threading.Barrier(n_threads)

        def work(k):
            start.wait(10)
            for _ in range(passes):
                (w * float(k + 1) + w * w).backward()
        threads = [in_thread(work, k)[0] for k in range(n_threads)]
        for t in threads:
            t.join(30)
        expected = passes * sum(float(k + 1) + 2 * 0.5 for k in range(n_threads))
        return Outcome(RIGHT, f"grad {w.grad}") if close(w.grad, expected) else \
            Outcome(SILENT, f"w.grad is {w.grad}, the contributions add up to {expected}")
    return run


def last_backward_per_thread(n_threads: int):
    """Each thread's last_backward() is its own root, whatever the others did since."""
    def run():
        barrier = threading.Barrier(n_threads)

        def work(k):
            y = Value(float(k)) * 2.0
            y.backward()
            barrier.wait(10)                  # every thread has run its backward now
            return autograd.last_backward().root is y
        threads = [in_thread(work, k) for k in range(n_threads)]
        for t, _ in threads:
            t.join(10)
        wrong = [k for k, (_, box) in enumerate(threads) if box.get("result") is not True]
        return Outcome(RIGHT, "each thread its own") if not wrong else \
            Outcome(SILENT, f"threads {wrong} read another thread's backward record")
    return run


def add_thread_cases() -> None:
    for name, (build, derivative) in GRAPH_BUILDERS.items():
        for swap in (False, True):
            who = "the second thread" if not swap else "the first thread"
            add("threads", f"{name} built by {who} while the other is inside no_grad()",
                graph_while_other_thread_in_no_grad(build, derivative, swap))
    for name, script in block_scripts().items():
        add("threads", f"overlapping blocks: {name}", overlapping_blocks(script))
    add("threads", "an exception inside no_grad() in a thread", no_grad_left_by_an_exception)
    for n in (1, 4):
        add("threads", f"{n} threads toggling no_grad() while the main thread builds",
            many_threads_toggling_no_grad(n))
    for setting in FIT_SETTINGS:
        for other in MEANWHILE:
            add("threads", f"fit ({setting}) while another thread calls {other}",
                fit_while_other_thread(setting, other))
    add("threads", "two fits of two models in two threads", two_fits_of_different_models)
    for n_threads, passes in ((2, 1), (4, 50), (8, 20)):
        add("threads", f"{n_threads} threads x {passes} backwards through one weight",
            shared_parameter_backwards(n_threads, passes))
    for n in (2, 8):
        add("threads", f"last_backward() in {n} threads", last_backward_per_thread(n))


# == kind: replay ===========================================================================
# fit(..., replay=True) records one sample's graph and replays it over every batch.  It
# must train to the scalar engine's numbers, or refuse with a ReplayError (and leave the
# model as it was).

def huber_with_if(threshold: float = 1.0):
    """The learner's Huber loss: a Python ``if`` on the data, invisible to the graph."""
    def loss(outputs, targets):
        terms = []
        for out, target in zip(outputs, targets):
            d = out - target
            terms.append(0.5 * d * d if abs(d.data) < threshold else d.abs() - 0.5 * threshold)
        return autograd.sum(terms) * (1.0 / len(terms))
    return loss


def huber_in_the_graph(outputs, targets):
    """The same Huber loss, written with abs and relu: no branch outside the graph."""
    terms = []
    for out, target in zip(outputs, targets):
        a = (out - target).abs()
        m = 1.0 - (1.0 - a).relu()                 # min(|d|, 1)
        terms.append(0.5 * m * m + (a - m))
    return autograd.sum(terms) * (1.0 / len(terms))


def abs_by_hand(outputs, targets):
    terms = []
    for out, target in zip(outputs, targets):
        d = out - target
        terms.append(d if d.data > 0 else -d)       # |d| by a branch
    return autograd.sum(terms) * (1.0 / len(terms))


def clipped_with_builtin_min(outputs, targets):
    one = Value(1.0)
    terms = [min((o - t) * (o - t), one) for o, t in zip(outputs, targets)]
    return autograd.sum(terms) * (1.0 / len(terms))


def weighted_by_the_target_number(outputs, targets):
    """Each sample weighted by a plain number read from its target: a constant of the graph."""
    terms = [(o - t) * (o - t) * (1.0 / (1.0 + abs(t.data))) for o, t in zip(outputs, targets)]
    return autograd.sum(terms) * (1.0 / len(terms))


def square_of_the_mean_error(outputs, targets):
    """Not a mean over samples: the batch's mean error, squared."""
    mean = autograd.sum([o - t for o, t in zip(outputs, targets)]) * (1.0 / len(outputs))
    return mean * mean


def worst_sample_in_the_batch(outputs, targets):
    """Not a mean over samples: the largest squared error of the batch."""
    return autograd.max([(o - t) * (o - t) for o, t in zip(outputs, targets)])


REPLAY_LOSSES = {
    "Huber with an if (threshold 1)": huber_with_if(1.0),
    "Huber with an if (threshold 0.25)": huber_with_if(0.25),
    "Huber in the graph (abs, relu)": huber_in_the_graph,
    "|d| written as d if d.data > 0 else -d": abs_by_hand,
    "squared error clipped by builtin min": clipped_with_builtin_min,
    "weighted by a number read from the target": weighted_by_the_target_number,
    "(mean error)^2 over the batch": square_of_the_mean_error,
    "max over the batch of the squared errors": worst_sample_in_the_batch,
    "mse": "mse",
}


def regression_data(where: str, n: int = 60):
    """Targets near where a new model starts (|d| < 0.25), far from it (|d| > 1, crossing
    during training), or half and half."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    near = 0.1 * X[:, 0]
    far = 2.0 + 0.5 * X[:, 0]
    y = {"near": near, "far": far, "mixed": np.where(np.arange(n) % 2 == 0, near, far)}[where]
    return X, y


def weights_of(model) -> list[float]:
    return list(model.state_dict().values())


def replay_against_scalar(make_model, X, y, loss, **kwargs):
    """Train one model by the scalar engine and one by replay: same numbers, or a refusal."""
    def run():
        kwargs.setdefault("epochs", 40)
        kwargs.setdefault("batch_size", 16)
        kwargs.setdefault("optimizer", "adam")
        kwargs.setdefault("lr", 0.05)
        scalar, scalar_error = make_model(), None
        try:
            scalar_history = quiet_fit(scalar, X, y, loss=loss, **kwargs)
        except Exception as error:
            scalar_error = error
        replayed = make_model()
        start = weights_of(replayed)
        try:
            history = quiet_fit(replayed, X, y, loss=loss, replay=True, **kwargs)
        except autograd.tape.ReplayError as error:
            if weights_of(replayed) != start:
                return Outcome(SILENT, "refused, but the model keeps weights trained on wrong numbers")
            return judge_error(error, ("replay",), ("sample",))
        except Exception as error:
            if scalar_error is None:
                return Outcome(UNHELPFUL, f"the scalar engine trains, replay raises {error_text(error)}")
            return judge_error(error, ("fit", "replay", "cross_entropy", "overflow"), ("e+", "inf", "overflow"))
        if scalar_error is not None:
            return Outcome(SILENT, f"the scalar engine refuses ({error_text(scalar_error)}) "
                                   "but replay trained without a word")
        found = non_finite(history["loss"]) or non_finite(replayed)
        if found:
            return Outcome(SILENT, f"replay gave {found}")
        a, b = weights_of(replayed), weights_of(scalar)
        if all_close(a, b) and all_close(history["loss"], scalar_history["loss"]):
            return Outcome(RIGHT, "replay trained to the scalar engine's weights")
        worst = max(abs(p - q) for p, q in zip(a, b))
        return Outcome(SILENT, f"replay's weights differ from the scalar engine's by up to {worst:.3g}"
                               f" (final loss {history['loss'][-1]:.6g} vs {scalar_history['loss'][-1]:.6g})")
    return run


def leaky_by_hand(v):
    return v if v.data > 0 else v * 0.01


def relu6_by_hand(v):
    return v.relu() if v.data < 6 else v * 0.0 + 6.0


def hard_tanh_by_hand(v):
    return v if abs(v.data) < 1 else v * 0.0 + (1.0 if v.data > 0 else -1.0)


def scaled_by_the_sign(v):
    return v * (2.0 if v.data > 0 else 0.5)


def leaky_with_builtin_max(v):
    return max(v, v * 0.1)


def relu_from_abs(v):
    return (v + v.abs()) * 0.5


ACTIVATIONS = {"leaky ReLU by hand (if v.data > 0)": leaky_by_hand,
               "ReLU6 by hand": relu6_by_hand, "hard tanh by hand": hard_tanh_by_hand,
               "v * (2 if v.data > 0 else 0.5)": scaled_by_the_sign,
               "leaky ReLU by builtin max": leaky_with_builtin_max,
               "ReLU from abs (no branch)": relu_from_abs,
               "'relu'": "relu", "'leaky_relu'": "leaky_relu", "'elu'": "elu"}


# A learner's cross-entropy gets one-hot targets (fit knows nothing of classes for a loss of
# one's own): the loss of a sample is log(sum(exp(z))) - sum(t_k z_k).

def picked(t, z):
    return autograd.sum([tk * zk for tk, zk in zip(t, z)])


def softmax_ce_shifted_by(shift):
    """A learner's cross-entropy, log(sum(exp(z - m))) - (z - m)[target], with m = shift(z)."""
    def loss(outputs, targets):
        terms = []
        for z, t in zip(outputs, targets):
            m = shift(z)
            shifted = [v - m for v in z]
            terms.append(autograd.sum([v.exp() for v in shifted]).log() - picked(t, shifted))
        return autograd.sum(terms) * (1.0 / len(terms))
    return loss


# Shift by max(z): Python's max picks a Value by its data, a branch outside the graph.
softmax_ce_shifted_by_builtin_max = softmax_ce_shifted_by(max)
# Shift by the plain number max(v.data for v in z), a constant of the recorded sample.
softmax_ce_shifted_by_a_number = softmax_ce_shifted_by(lambda z: max(v.data for v in z))


def softmax_ce_unshifted(outputs, targets):
    """The textbook formula, no shift: exp(z) overflows for large logits."""
    terms = []
    for z, t in zip(outputs, targets):
        terms.append(autograd.sum([v.exp() for v in z]).log() - picked(t, z))
    return autograd.sum(terms) * (1.0 / len(terms))


CE_LOSSES = {"cross_entropy": "cross_entropy",
             "a learner's CE shifted by builtin max(z)": softmax_ce_shifted_by_builtin_max,
             "a learner's CE shifted by max(v.data)": softmax_ce_shifted_by_a_number,
             "a learner's CE without the shift": softmax_ce_unshifted}


def blobs_scaled(scale: float, one_hot: bool):
    X, y = nn.data.make_blobs(45, centers=3, seed=0)
    return X * scale, (np.eye(3)[y] if one_hot else y)


def class_model():
    return nn.MLP(2, [4, 3], activation="relu", seed=0)


def replay_trainer_against_fit(loss, optimizer, y_of):
    """replay_trainer's train_batch, two full-batch steps, against fit's two epochs."""
    def run():
        X, y = moons(30)
        y = y_of(y)
        nout = 2 if loss == "cross_entropy" else 1
        make = lambda: nn.MLP(2, [4, nout], seed=0)  # noqa: E731
        reference = make()
        quiet_fit(reference, X, y, loss=loss, optimizer=optimizer, lr=0.05, epochs=2,
                  batch_size=None, shuffle=False)
        model = make()
        try:
            trainer = nn.train.replay_trainer(model, X, y, loss=loss, optimizer=optimizer, lr=0.05)
            for _ in range(2):
                trainer.train_batch(list(range(len(X))))
            trainer.write_back()
        except Exception as error:
            return judge_error(error, ("replay",), ("sample",))
        if all_close(weights_of(model), weights_of(reference)):
            return Outcome(RIGHT, "the same weights")
        return Outcome(SILENT, "replay_trainer's weights differ from fit's")
    return run


def replay_trainer_with_huber_if() -> Outcome:
    X, y = regression_data("mixed")
    try:
        trainer = nn.train.replay_trainer(nn.MLP(2, [6, 1], seed=0), X, y, loss=huber_with_if(1.0),
                                          optimizer="sgd", lr=0.05)
        for _ in range(20):
            trainer.train_batch(list(range(len(X))))
    except Exception as error:
        return judge_error(error, ("replay",), ("sample",))
    return Outcome(SILENT, "replay_trainer trained a data-dependent loss without a word")


class SignFlipModel(nn.Module):
    """A learner's model with an if on its output (the two branches differ)."""

    def __init__(self):
        self.inner = nn.MLP(2, [4, 1], seed=0)

    def forward(self, x):
        out = self.inner(x)
        return out * 2.0 if out.data < 0.5 else out * -1.0


def add_replay_cases() -> None:
    for loss_name, loss in REPLAY_LOSSES.items():
        for where in ("near", "far", "mixed"):
            X, y = regression_data(where)
            add("replay", f"{loss_name}, targets {where}",
                replay_against_scalar(lambda: nn.MLP(2, [6, 1], seed=0), X, y, loss))
    X, y = moons(60)
    for act_name, activation in ACTIVATIONS.items():
        for loss in ("bce_with_logits", "mse"):
            targets = y if loss == "bce_with_logits" else 3.0 * y - 1.0
            add("replay", f"activation {act_name}, loss {loss}",
                replay_against_scalar(lambda a=activation: nn.MLP(2, [5, 1], activation=a, seed=0),
                                      X * 3.0, targets, loss))
    for loss_name, loss in CE_LOSSES.items():
        for scale in (1.0, 30.0, 1e3, 1e5):
            Xs, ys = blobs_scaled(scale, one_hot=loss != "cross_entropy")
            add("replay", f"{loss_name}, inputs scaled by {scale:g} (logits far apart)",
                replay_against_scalar(class_model, Xs, ys, loss, lr=0.01, epochs=10))
    for loss, optimizer, y_of in (("mse", "sgd", lambda y: y), ("hinge", "adam", lambda y: 2 * y - 1),
                                  ("bce_with_logits", "rmsprop", lambda y: y),
                                  ("cross_entropy", "adagrad", lambda y: y)):
        add("replay", f"replay_trainer step by step: {loss}, {optimizer}",
            replay_trainer_against_fit(loss, optimizer, y_of))
    add("replay", "replay_trainer with the Huber if, targets mixed", replay_trainer_with_huber_if)
    add("replay", "a model with an if on its output",
        replay_against_scalar(SignFlipModel, X, 3.0 * y, "mse"))
    add("replay", "batch_size=1",
        replay_against_scalar(lambda: nn.MLP(2, [4, 1], seed=0), X, y, "mse", batch_size=1, epochs=3))
    add("replay", "validation data and a schedule",
        replay_with_validation_and_schedule)
    add("replay", "SGD with momentum, Nesterov and weight decay", replay_with_nesterov)


def replay_with_validation_and_schedule() -> Outcome:
    X, y = moons(60)
    results = []
    for replay in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        optimizer = nn.optim.SGD(model.parameters(), lr=0.2)
        scheduler = nn.optim.StepLR(optimizer, step_size=3, gamma=0.5)
        history = quiet_fit(model, X[:40], y[:40], loss="bce_with_logits", optimizer=optimizer,
                            scheduler=scheduler, epochs=8, validation_data=(X[40:], y[40:]),
                            replay=replay)
        results.append((history["val_loss"], weights_of(model)))
    (vs, ws), (vr, wr) = results
    return Outcome(RIGHT, "the same") if all_close(vr, vs) and all_close(wr, ws) else \
        Outcome(SILENT, f"validation losses {vr[-1]} (replay) vs {vs[-1]}")


def replay_with_nesterov() -> Outcome:
    X, y = moons(60)
    results = []
    for replay in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                 weight_decay=0.01)
        quiet_fit(model, X, y, loss="mse", optimizer=optimizer, epochs=10, replay=replay)
        results.append(weights_of(model))
    return Outcome(RIGHT, "the same") if all_close(results[1], results[0]) else \
        Outcome(SILENT, "replay's weights differ")


# == kind: inf/NaN ==========================================================================
# No inf and no NaN ever: refused where it enters, or where an overflow makes it, by name.

def finite_or_none(f, *args):
    """f(*args) as a float, or None when it overflows, leaves the domain or is not finite."""
    try:
        with np.errstate(all="ignore"):
            result = f(*args)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    if isinstance(result, complex) or result is None:
        return None
    result = float(result)
    return result if math.isfinite(result) else None


def reference_sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def reference_softplus(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


# name -> (method on a Value, the function on floats, its derivative on floats)
UNARY = {
    "exp": (lambda v: v.exp(), math.exp, math.exp),
    "log": (lambda v: v.log(), math.log, lambda x: 1 / x),
    "sqrt": (lambda v: v.sqrt(), math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    "sin": (lambda v: v.sin(), math.sin, math.cos),
    "cos": (lambda v: v.cos(), math.cos, lambda x: -math.sin(x)),
    "tan": (lambda v: v.tan(), math.tan, lambda x: 1 / math.cos(x) ** 2),
    "asin": (lambda v: v.asin(), math.asin, lambda x: 1 / math.sqrt(1 - x * x)),
    "acos": (lambda v: v.acos(), math.acos, lambda x: -1 / math.sqrt(1 - x * x)),
    "atan": (lambda v: v.atan(), math.atan, lambda x: 1 / (1 + x * x)),
    "sinh": (lambda v: v.sinh(), math.sinh, math.cosh),
    "cosh": (lambda v: v.cosh(), math.cosh, math.sinh),
    "tanh": (lambda v: v.tanh(), math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "log1p": (lambda v: v.log1p(), math.log1p, lambda x: 1 / (1 + x)),
    "expm1": (lambda v: v.expm1(), math.expm1, math.exp),
    "sigmoid": (lambda v: v.sigmoid(), reference_sigmoid,
                lambda x: reference_sigmoid(x) * (1 - reference_sigmoid(x))),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "leaky_relu": (lambda v: v.leaky_relu(0.01), lambda x: x if x > 0 else 0.01 * x,
                   lambda x: 1.0 if x > 0 else 0.01),
    "elu": (lambda v: v.elu(1.0), lambda x: x if x > 0 else math.expm1(x),
            lambda x: 1.0 if x > 0 else math.exp(x)),
    "softplus": (lambda v: v.softplus(), reference_softplus, reference_sigmoid),
    "abs": (lambda v: abs(v), abs, lambda x: 1.0 if x > 0 else -1.0 if x < 0 else 0.0),
    "x ** 2": (lambda v: v ** 2, lambda x: x * x, lambda x: 2 * x),
    "x ** -1": (lambda v: v ** -1, lambda x: 1 / x, lambda x: -1 / (x * x)),
    "x ** 0.5": (lambda v: v ** 0.5, lambda x: x ** 0.5, lambda x: 0.5 * x ** -0.5),
    "2 ** x": (lambda v: 2.0 ** v, lambda x: 2.0 ** x, lambda x: 2.0 ** x * math.log(2)),
    "1 / x": (lambda v: 1.0 / v, lambda x: 1 / x, lambda x: -1 / (x * x)),
}

HOSTILE_NUMBERS = [0.0, 5e-324, -1e308, 1e308, 710.0]


def op_case(label, make, f, df, args):
    """``make(*Values)``: the reference's value and gradient when both are finite numbers,
    else a clear error naming the operation and a value."""
    def run():
        value = finite_or_none(f, *args)
        grads = [finite_or_none(d, *args) for d in df]
        values = [Value(a) for a in args]
        expect_error = value is None or any(g is None for g in grads)
        shows = tuple(repr(a) for a in args) + tuple(f"{a:g}" for a in args)

        def call():
            out = make(*values)
            out.backward()
            return out

        def right(out):
            if not close(out.data, value, rel=1e-12):
                return f"value {out.data!r}, expected {value!r}"
            got = [v.grad for v in values]
            if not all(close(g, e, rel=1e-9) for g, e in zip(got, grads)):
                return f"gradients {got}, expected {grads}"
            return True
        return judge(call, None if expect_error else right, names=(label.split("(")[0].strip(),
                     "overflow", "not a finite", "domain", "division", "power", "**", "non-positive"),
                     shows=shows)
    return run


BINARY = {
    "+": (lambda a, b: a + b, lambda x, y: x + y, [lambda x, y: 1.0, lambda x, y: 1.0]),
    "-": (lambda a, b: a - b, lambda x, y: x - y, [lambda x, y: 1.0, lambda x, y: -1.0]),
    "*": (lambda a, b: a * b, lambda x, y: x * y, [lambda x, y: y, lambda x, y: x]),
    "/": (lambda a, b: a / b, lambda x, y: x / y, [lambda x, y: 1 / y, lambda x, y: -x / (y * y)]),
    "** (Value exponent)": (lambda a, b: a ** b, lambda x, y: x ** y,
                            [lambda x, y: y * x ** (y - 1), lambda x, y: x ** y * math.log(x)]),
}

BINARY_ARGS = {
    "+": [(1e308, 1e308), (1e308, -1e308), (8.9e307, 8.9e307), (5e-324, 5e-324)],
    "-": [(1e308, -1e308), (-1e308, 1e308), (1e308, 1e308)],
    "*": [(1e200, 1e200), (1e-300, 1e-300), (1e308, 10.0), (1e154, 1e154), (-1e200, 1e200)],
    "/": [(1.0, 1e-310), (1e-10, 1e-300), (1e308, 0.1), (1.0, 0.0), (0.0, 0.0), (1e-300, 1e10)],
    "** (Value exponent)": [(10.0, 400.0), (2.0, 1023.0), (-8.0, 1 / 3), (0.0, 2.0), (1e-300, -2.0)],
}


def add_operation_cases() -> None:
    for name, (method, f, df) in UNARY.items():
        for x in HOSTILE_NUMBERS:
            add("inf_nan", f"{name}({x!r})", op_case(name, method, f, [df], (x,)))
    extra_unary = [("asin", 1.0), ("acos", -1.0), ("tan", math.pi / 2), ("log1p", -1.0),
                   ("x ** 0.5", -1.0), ("x ** -1", 1e-310), ("sqrt", 1e-320), ("exp", -746.0),
                   ("cosh", 711.0), ("2 ** x", 1024.0), ("softplus", 1e308), ("sigmoid", -1e308)]
    for name, x in extra_unary:
        method, f, df = UNARY[name]
        add("inf_nan", f"{name}({x!r})", op_case(name, method, f, [df], (x,)))
    for symbol, (make, f, df) in BINARY.items():
        for a, b in BINARY_ARGS[symbol]:
            add("inf_nan", f"Value({a!r}) {symbol} Value({b!r})", op_case(symbol, make, f, df, (a, b)))
    add("inf_nan", "Value(-8.0) ** (1/3) (a constant exponent)",
        op_case("**", lambda v: v ** (1 / 3), lambda x: x ** (1 / 3),
                [lambda x: (1 / 3) * x ** (-2 / 3)], (-8.0,)))
    add("inf_nan", "Value(0.0) ** 0 (a constant exponent)",
        op_case("**", lambda v: v ** 0, lambda x: 1.0, [lambda x: 0.0], (0.0,)))


def entry_case(x, expected=None, names=("Value",)):
    """Value(x): the float ``expected`` when x is a fine number, else a clear error."""
    shows = ("inf", "nan", "10**", "too large", type(x).__name__.lower())

    def right(v):
        return isinstance(v, Value) and v.data == expected and type(v.data) is float or \
            f"Value({brief(x, 40)}) gave {brief(v)}"
    return lambda: judge(lambda: Value(x), None if expected is None else right, names, shows)


def add_entry_cases() -> None:
    from decimal import Decimal
    from fractions import Fraction
    refused = {"inf": INF, "-inf": -INF, "nan": NAN, "10**400": 10 ** 400, "-10**400": -10 ** 400,
               "np.inf": np.inf, "np.float32('inf')": np.float32("inf"),
               "np.float64('nan')": np.float64("nan"), "Decimal('Infinity')": Decimal("Infinity"),
               "Fraction(10**400, 3)": Fraction(10 ** 400, 3), "1e308 * 10": 1e308 * 10,
               "the string 'inf'": "inf", "the string '1.5'": "1.5", "None": None,
               "complex(1, 0)": complex(1, 0), "[1.0]": [1.0], "np.array([inf])": np.array([INF])}
    for name, x in refused.items():
        add("inf_nan", f"Value({name})", entry_case(x))
    fine = {"1e308": (1e308, 1e308), "5e-324": (5e-324, 5e-324), "-0.0": (-0.0, -0.0),
            "np.float32(1.5)": (np.float32(1.5), 1.5), "np.int64(3)": (np.int64(3), 3.0),
            "Fraction(1, 4)": (Fraction(1, 4), 0.25), "10**300": (10 ** 300, 1e300)}
    for name, (x, expected) in fine.items():
        add("inf_nan", f"Value({name})", entry_case(x, expected))
    entering = {
        "Value(1.0) + inf": lambda: Value(1.0) + INF,
        "Value(1.0) * nan": lambda: Value(1.0) * NAN,
        "Value(1.0) - 10**400": lambda: Value(1.0) - 10 ** 400,
        "Value(1.0) / np.inf": lambda: Value(1.0) / np.inf,
        "inf ** Value(2.0)": lambda: INF ** Value(2.0),
        "Value(2.0) ** nan": lambda: Value(2.0) ** NAN,
        "leaky_relu(slope=inf)": lambda: Value(-1.0).leaky_relu(INF),
        "elu(alpha=nan)": lambda: Value(-1.0).elu(NAN),
        "Value(1.0, (Value(2.0),), (inf,))": lambda: Value(1.0, (Value(2.0),), (INF,)),
        "backward(gradient=inf)": lambda: Value(1.0).backward(INF),
        "backward(gradient=nan)": lambda: (Value(1.0) * 2).backward(NAN),
        "x.data = inf after it was made, then tanh": lambda: (setattr(x := Value(0.0), "data", INF), x.tanh()),
        "x.data = nan after it was made, then 1 / x": lambda: (setattr(x := Value(1.0), "data", NAN), 1 / x),
        "x.data += 1e308 twice": lambda: [setattr(x := Value(1e308), "data", x.data + 1e308), x * 1.0],
        "x.grad = inf, then backward": lambda: (setattr(x := Value(1.0), "grad", INF), (x * 2).backward(), x),
    }
    for name, call in entering.items():
        add("inf_nan", name, lambda call=call: judge(call, None, ("Value", "operand", "exponent",
            "backward", "leaky_relu", "elu", ".data", "grad", "local_grads", "**", "tanh", "/", "*"),
            ("inf", "nan", "10**", "1e+308", "overflow")))


def nary_cases() -> dict:
    return {
        "sum of 3 x 1e308": (lambda: autograd.sum([Value(1e308)] * 3), None),
        "sum of [1.0, inf]": (lambda: autograd.sum([Value(1.0), INF]), None),
        "sum of 2 x 8.9e307 (fits)": (lambda: autograd.sum([Value(8.9e307)] * 2), 1.78e308),
        "sum of [] (empty)": (lambda: autograd.sum([]), 0.0),
        "sum of a generator": (lambda: autograd.sum(Value(float(k)) for k in range(4)), 6.0),
        "linear 1e200 * 1e200": (lambda: autograd.linear([Value(1e200)], [1e200]), None),
        "linear with bias inf": (lambda: autograd.linear([Value(1.0)], [1.0], INF), None),
        "linear whose sum overflows": (lambda: autograd.linear([Value(1e308)] * 2, [1.0, 1.0]), None),
        "linear 1e154 * 1e154 (fits)": (lambda: autograd.linear([Value(1e154)], [1e154]), 1e308),
        "linear of weights and inputs of different lengths": (lambda: autograd.linear([Value(1.0)], [1.0, 2.0]), None),
        "max of [] (empty)": (lambda: autograd.max([]), None),
        "max of [-1e308, inf]": (lambda: autograd.max([Value(-1e308), INF]), None),
        "max of [nan, 1.0]": (lambda: autograd.max([NAN, Value(1.0)]), None),
    }


def add_nary_cases() -> None:
    for name, (call, expected) in nary_cases().items():
        right = None if expected is None else (
            lambda v, e=expected: isinstance(v, Value) and close(v.data, e, rel=1e-12) or f"got {brief(v)}")
        add("inf_nan", name, lambda call=call, right=right: judge(
            call, right, ("sum", "linear", "max"), ("inf", "nan", "overflow", "1e+", "empty", "no values", "length", "1 weight", "2 input")))


def tiny_times_huge():
    w = Value(1e-300, label="w")
    return w, w * 1e200 * 1e200


def gradient_case(build, how, expected):
    """A gradient of a graph whose forward fits: the number ``expected`` (worked out by hand)
    when it fits in a float, else an OverflowError naming the node, the leaf's grad untouched."""
    def run():
        def call():
            leaf, out = build()
            if how == "backward":
                out.backward()
                return leaf.grad
            if how == "backward twice":
                out.backward()
                before = leaf.grad
                try:
                    out.backward()
                except Exception:
                    if leaf.grad != before:
                        raise AssertionError(f"a failed backward changed the grad to {leaf.grad}")
                    raise
                return leaf.grad
            if how == "grad":
                return autograd.grad(out, [leaf])[0]
            if how == "grad(create_graph=True)":
                return autograd.grad(out, [leaf], create_graph=True)[0].data
            [d] = autograd.grad(out, [leaf], create_graph=True)      # the second derivative
            return autograd.grad(d, [leaf])[0]

        right = None if expected is None else (
            lambda got: close(got, expected, rel=1e-9) or f"gave {got!r}, expected {expected!r}")
        return judge(call, right, ("backward", "grad"), ("overflow",))
    return run


# name -> (build: () -> (leaf, output), first derivative, second derivative); None where the
# exact number does not fit in a float.
GRADIENT_GRAPHS = {
    "w * 1e200 * 1e200 at w = 1e-300": (tiny_times_huge, None, None),
    "x * 1e308 + x * 1e308 at x = 1e-10": (lambda: (x := Value(1e-10), x * 1e308 + x * 1e308), None, None),
    "(x * 1e200)^2 at x = 1e-160": (lambda: (x := Value(1e-160), (x * 1e200) * (x * 1e200)), 2e240, None),
    "x * 1e308 at x = 1": (lambda: (x := Value(1.0), x * 1e308), 1e308, 0.0),
    "exp(x) * 1e-300 * 1e300 * 1e-5 at x = 709":
        (lambda: (x := Value(709.0), x.exp() * 1e-300 * 1e300 * 1e-5), math.exp(709) * 1e-5,
         math.exp(709) * 1e-5),
}


def add_gradient_cases() -> None:
    for name, (build, d1, d2) in GRADIENT_GRAPHS.items():
        twice = None if d1 is None or abs(2 * d1) > sys.float_info.max else 2 * d1
        for how, expected in (("backward", d1), ("backward twice", twice), ("grad", d1),
                              ("grad(create_graph=True)", d1), ("second derivative", d2)):
            add("inf_nan", f"{how} of {name}", gradient_case(build, how, expected))
    add("inf_nan", "backward(gradient=1e200) of w * 1e200",
        lambda: judge(lambda: (w := Value(1.0), (w * 1e200).backward(1e200), w)[-1], None,
                      ("backward",), ("overflow",)))
    add("inf_nan", "gradcheck of x * 1.7e308 with eps=1",
        lambda: judge(lambda: autograd.gradcheck(lambda x: x * 1.7e308, [0.0], eps=1.0), None,
                      ("numeric_grad", "gradcheck"), ("overflow",)))
    add("inf_nan", "gradcheck at inf",
        lambda: judge(lambda: autograd.gradcheck(lambda x: x, [INF]), None, ("gradcheck",), ("inf",)))
    add("inf_nan", "numeric_grad with eps=nan",
        lambda: judge(lambda: autograd.numeric_grad(lambda x: x, [1.0], eps=NAN), None,
                      ("numeric_grad", "eps"), ("nan",)))


def loss_cases() -> dict:
    """name -> (call, the right loss value, or None when an error is the right answer)."""
    L = nn.losses
    big = 1e308
    return {
        "softmax([inf, 1])": (lambda: L.softmax([INF, 1.0]), None),
        "softmax([nan, 0])": (lambda: L.softmax([NAN, 0.0]), None),
        "softmax([1e308, 1e308])": (lambda: L.softmax([big, big]), [0.5, 0.5]),
        "softmax([1e308, -1e308])": (lambda: L.softmax([big, -big]), [1.0, 0.0]),
        "softmax([1000, 0])": (lambda: L.softmax([1000.0, 0.0]), [1.0, 0.0]),
        "log_softmax([1000, 0])": (lambda: L.log_softmax([1000.0, 0.0]), [0.0, -1000.0]),
        "log_softmax([1e308, -1e308])": (lambda: L.log_softmax([big, -big]), None),
        "cross_entropy([1e308, -1e308], 1)": (lambda: L.cross_entropy([big, -big], 1), None),
        "cross_entropy([1e308, 1e307], 0)": (lambda: L.cross_entropy([big, 1e307], 0), 0.0),
        "cross_entropy([1000, 0], 1)": (lambda: L.cross_entropy([1000.0, 0.0], 1), 1000.0),
        "cross_entropy target nan": (lambda: L.cross_entropy([0.0, 0.0], NAN), None),
        "cross_entropy target inf": (lambda: L.cross_entropy([0.0, 0.0], INF), None),
        "mse_loss([inf], [0])": (lambda: L.mse_loss([INF], [0.0]), None),
        "mse_loss([1e200], [0])": (lambda: L.mse_loss([1e200], [0.0]), None),
        "mse_loss([1e154], [0])": (lambda: L.mse_loss([1e154], [0.0]), 1e308),
        "mse_loss([1.3e154] * 2, [0, 0]) (the mean fits, the sum does not)":
            (lambda: L.mse_loss([1.3e154] * 2, [0.0, 0.0]), 1.3e154 ** 2),
        "mae_loss([1e308], [-1e308])": (lambda: L.mae_loss([big], [-big]), None),
        "mae_loss([nan], [0])": (lambda: L.mae_loss([NAN], [0.0]), None),
        "binary_cross_entropy([1.0], [0.0]) (log clamped at -100)":
            (lambda: L.binary_cross_entropy([1.0], [0.0]), 100.0),
        "binary_cross_entropy([1.5], [1.0])": (lambda: L.binary_cross_entropy([1.5], [1.0]), None),
        "binary_cross_entropy([0.5], [inf])": (lambda: L.binary_cross_entropy([0.5], [INF]), None),
        "bce_with_logits([1e308], [0])": (lambda: L.binary_cross_entropy_with_logits([big], [0.0]), big),
        "bce_with_logits([-1e308], [1])": (lambda: L.binary_cross_entropy_with_logits([-big], [1.0]), big),
        "bce_with_logits([inf], [1])": (lambda: L.binary_cross_entropy_with_logits([INF], [1.0]), None),
        "hinge_loss([1e308], [-1])": (lambda: L.hinge_loss([big], [-1.0]), big),
        "hinge_loss([-inf], [1])": (lambda: L.hinge_loss([-INF], [1.0]), None),
        "hinge_loss([0.5], [nan])": (lambda: L.hinge_loss([0.5], [NAN]), None),
    }


def loss_right(expected):
    def right(result):
        values = [v.data for v in result] if isinstance(result, list) else [result.data]
        return all_close(values, expected if isinstance(expected, list) else [expected],
                         rel=1e-12, abs_=1e-300) or f"gave {values}, expected {expected}"
    return right


def add_loss_cases() -> None:
    for name, (call, expected) in loss_cases().items():
        op = name.split("(")[0].split(" ")[0]
        add("inf_nan", name, lambda call=call, expected=expected, op=op: judge(
            call, None if expected is None else loss_right(expected),
            (op.replace("bce_with_logits", "binary_cross_entropy_with_logits"),),
            ("inf", "nan", "overflow", "1e+308", "1e+200", "1.5", "probabilit")))


OPTIMIZER_SETTINGS = {
    "SGD": [("lr", INF), ("lr", NAN), ("lr", -1.0), ("lr", 0.0), ("lr", 1e308), ("momentum", INF),
            ("momentum", -0.5), ("momentum", 1.0), ("dampening", NAN), ("weight_decay", INF),
            ("weight_decay", -1.0), ("nesterov", "no")],
    "Adam": [("lr", INF), ("lr", -1.0), ("lr", 0.0), ("betas", (1.0, 0.999)), ("betas", (0.9, 1.0)),
             ("betas", (2.0, 0.999)), ("betas", (NAN, 0.9)), ("betas", (-0.1, 0.9)), ("betas", (0.9,)),
             ("eps", 0.0), ("eps", INF), ("eps", -1e-8), ("weight_decay", NAN), ("amsgrad", "no")],
    "AdamW": [("lr", NAN), ("weight_decay", INF), ("weight_decay", -0.01), ("eps", 0.0)],
    "RMSprop": [("alpha", INF), ("alpha", -0.1), ("alpha", 1.0), ("eps", 0.0), ("momentum", INF),
                ("momentum", -1.0), ("centered", "no")],
    "Adagrad": [("lr_decay", INF), ("lr_decay", -1.0), ("initial_accumulator_value", INF),
                ("initial_accumulator_value", -1.0), ("eps", 0.0)],
}


def torch_step(kind, settings, values, grads):
    """Two steps of torch's own optimizer with these settings: new values, or None if torch
    refuses the settings or gives a number that is not finite."""
    if torch is None:
        return "no torch"
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    try:
        optimizer = getattr(torch.optim, kind)(params, **settings)
        for _ in range(2):
            for p, g in zip(params, grads):
                p.grad = torch.tensor(g, dtype=torch.float64)
            optimizer.step()
    except Exception:
        return None
    new = [p.item() for p in params]
    return new if all(math.isfinite(v) for v in new) else None


def optimizer_case(kind, name, value):
    """An optimizer made with one hostile setting takes two steps: refused clearly, or the
    same step as torch's (when torch accepts the setting and stays finite).  A flag given
    as 'no' must be refused: nn takes only True or False for a switch (nn/arguments.py),
    because 'no' is true to Python and would switch the option on."""
    def run():
        settings = {"lr": 0.1, name: value}
        if kind == "SGD" and name == "nesterov":
            settings["momentum"] = 0.9
        values = [1.0, -2.0]
        grads = [0.0, -1.0] if name == "eps" else [0.5, -1.0]   # a zero gradient meets eps = 0
        reference = torch_step(kind, settings, values, grads)

        def call():
            params = [Value(v) for v in values]
            optimizer = getattr(nn.optim, kind)(params, **settings)
            for _ in range(2):
                for p, g in zip(params, grads):
                    p.grad = g
                optimizer.step()
            return [p.data for p in params], optimizer.state

        def right(result):
            new, state = result
            if reference == "no torch":
                return True
            return all_close(new, reference, rel=1e-12) or f"stepped to {new}, torch to {reference}"
        # Refusing is right for a flag given as a string, for a setting that is not finite
        # (inf is refused like NaN), and for what torch refuses or turns into inf or NaN:
        # then any step taken is silent wrong.
        numbers = value if isinstance(value, tuple) else (value,)
        not_finite = any(isinstance(v, float) and not math.isfinite(v) for v in numbers)
        must_refuse = isinstance(value, str) or not_finite or reference is None
        return judge(call, None if must_refuse else right, (name, kind),
                     (brief(value, 30), "must be", "invalid"))
    return run


def add_optimizer_cases() -> None:
    for kind, settings in OPTIMIZER_SETTINGS.items():
        for name, value in settings:
            add("inf_nan", f"{kind}({name}={value!r}) then two steps", optimizer_case(kind, name, value))


def dataset_cases() -> dict:
    D = nn.data
    return {
        "make_moons(noise=inf)": lambda: D.make_moons(20, noise=INF, seed=0),
        "make_moons(noise=nan)": lambda: D.make_moons(20, noise=NAN, seed=0),
        "make_moons(noise=-inf)": lambda: D.make_moons(20, noise=-INF, seed=0),
        "make_moons(noise=1e308)": lambda: D.make_moons(20, noise=1e308, seed=0),
        "make_moons(noise=1e200) (fits)": lambda: D.make_moons(20, noise=1e200, seed=0),
        "make_moons(noise=np.float64('inf'))": lambda: D.make_moons(20, noise=np.float64("inf"), seed=0),
        "make_circles(noise=inf)": lambda: D.make_circles(20, noise=INF, seed=0),
        "make_circles(factor=inf)": lambda: D.make_circles(20, factor=INF, seed=0),
        "make_circles(factor=nan)": lambda: D.make_circles(20, factor=NAN, seed=0),
        "make_blobs(centers=[[inf, 0], [0, 0]])": lambda: D.make_blobs(20, centers=[[INF, 0.0], [0.0, 0.0]], seed=0),
        "make_blobs(cluster_std=inf)": lambda: D.make_blobs(20, cluster_std=INF, seed=0),
        "make_blobs(cluster_std=[1, nan, 1])": lambda: D.make_blobs(20, cluster_std=[1.0, NAN, 1.0], seed=0),
        "make_blobs(cluster_std=1e308)": lambda: D.make_blobs(20, cluster_std=1e308, seed=0),
        "make_blobs(center_box=(-inf, inf))": lambda: D.make_blobs(20, center_box=(-INF, INF), seed=0),
        "make_spirals(noise=inf)": lambda: D.make_spirals(30, noise=INF, seed=0),
        "make_spirals(noise=nan)": lambda: D.make_spirals(30, noise=NAN, seed=0),
        "make_xor(noise=inf)": lambda: D.make_xor(20, noise=INF, seed=0),
        "make_xor(noise=1e308)": lambda: D.make_xor(20, noise=1e308, seed=0),
        "make_linear_regression(noise=inf)": lambda: D.make_linear_regression(20, noise=INF, seed=0),
        "make_linear_regression(weights=[inf])": lambda: D.make_linear_regression(20, weights=[INF], seed=0),
        "make_linear_regression(bias=nan)": lambda: D.make_linear_regression(20, bias=NAN, seed=0),
        "make_linear_regression(weights=[1e308], bias=1e308)": lambda: D.make_linear_regression(20, weights=[1e308], bias=1e308, seed=0),
        "make_linear_regression(noise=1e200) (fits)": lambda: D.make_linear_regression(20, noise=1e200, seed=0),
    }


def dataset_right(result):
    X, y = result[:2]
    return (len(X) == len(y) and np.all(np.isfinite(X)) and np.all(np.isfinite(y))) or "bad arrays"


def add_dataset_cases() -> None:
    for name, call in dataset_cases().items():
        fits = "(fits)" in name
        add("inf_nan", name, lambda call=call, fits=fits, op=name.split("(")[0]: judge(
            call, dataset_right if fits else None, (op,), ("inf", "nan", "overflow", "infinity", "1e+308")))


def hand_nan(model, value):
    """Write ``value`` into one weight by hand (the way a learner breaks a model)."""
    first = model.parameters()[1]
    first.data = value
    return model


WEIGHT_ACTIONS = {
    "predict": lambda m: m.predict([[0.5, -0.5]]),
    "call the model": lambda m: m([0.5, -0.5]),
    "fit": lambda m: quiet_fit(m, [[0.5, -0.5], [0.1, 0.2]], [0.0, 1.0], epochs=2),
    "fit(replay=True)": lambda m: quiet_fit(m, [[0.5, -0.5], [0.1, 0.2]], [0.0, 1.0], epochs=2, replay=True),
    "save": lambda m: m.save("probe-nan-weight.json"),
    "plot_weights": lambda m: nn.plots.plot_weights(m),
    "load_state_dict into a fresh model": lambda m: small_mlp(3).load_state_dict(m.state_dict()),
    "to_torch": lambda m: m.to_torch(),
}


def add_weight_cases() -> None:
    for action, do in WEIGHT_ACTIONS.items():
        if action == "to_torch" and torch is None:
            continue
        for value in (NAN, INF):
            add("inf_nan", f"a weight set to {value} by hand, then {action}",
                lambda do=do, value=value: judge(lambda: do(hand_nan(small_mlp(), value)), None,
                                                 (".data", "parameter", "weight", "predict", "fit"),
                                                 (repr(value),)))
    add("inf_nan", "a weight set to np.float64('nan') by hand, then predict",
        lambda: judge(lambda: hand_nan(small_mlp(), np.float64("nan")).predict([[0.5, 0.5]]), None,
                      (".data", "parameter", "predict"), ("nan",)))
    add("inf_nan", "fit on X with an inf in it",
        lambda: judge(lambda: quiet_fit(small_mlp(), [[INF, 0.0], [0.0, 0.0]], [0.0, 1.0], epochs=1),
                      None, ("fit", "X"), ("inf",)))
    add("inf_nan", "fit on y with a nan in it",
        lambda: judge(lambda: quiet_fit(small_mlp(), [[1.0, 0.0], [0.0, 0.0]], [NAN, 1.0], epochs=1),
                      None, ("fit", "y"), ("nan", "non-finite")))
    add("inf_nan", "fit with lr=1e308 (sgd)",
        lambda: judge(lambda: quiet_fit(small_mlp(), [[1.0, 0.0], [0.0, 2.0]], [3.0, -1.0],
                                        optimizer="sgd", lr=1e308, epochs=5), None,
                      ("fit", "step", "diverged"), ("lr", "overflow", "inf", "learning rate")))


def add_inf_nan_cases() -> None:
    add_entry_cases()
    add_operation_cases()
    add_nary_cases()
    add_gradient_cases()
    add_loss_cases()
    add_optimizer_cases()
    add_dataset_cases()
    add_weight_cases()


# == kind: graph loss and hand-edited graphs ================================================
# A Value must never leave the graph without a word (math.exp(x), float(x), `if x:`), and a
# graph edited by hand (data changed after it was built, a cycle, local_grads of the wrong
# length, a parent that is not a Value) must be named, not backpropagated wrongly.

X0 = 0.5        # the point every function below is taken at


def function_case(call, f, df, names=()):
    """``call(x)`` for x = Value(0.5): a Value with f(0.5) and gradient df(0.5), or a plain
    result that loses nothing (a comparison, or a step function whose derivative is 0), or a
    clear error that says how to stay in the graph."""
    def run():
        x = Value(X0, label="x")

        def right(y):
            if isinstance(y, Value):
                if f is not None and not close(y.data, f(X0), rel=1e-12):
                    return f"value {y.data!r}, expected {f(X0)!r}"
                y.backward()
                expected = df(X0) if df is not None else 0.0
                return close(x.grad, expected, rel=1e-9) or f"gradient {x.grad!r}, expected {expected!r}"
            if df is not None and df(X0) != 0.0:
                return (f"returned the plain {type(y).__name__} {brief(y, 40)}: the graph is lost, "
                        f"the gradient {df(X0):.4g} silently becomes 0")
            if f is not None and y != f(X0):
                return f"returned {brief(y, 40)}, expected {f(X0)!r}"
            return True
        return judge(lambda: call(x), right, names + ("float()", "bool()", "int()", "round", "value"),
                     ("value(data=",), note_refusal=False)
    return run


def mathematical_functions() -> dict:
    import statistics
    d = numeric_derivative
    table = {
        "math.exp(x)": (lambda x: math.exp(x), math.exp, math.exp),
        "math.sin(x)": (lambda x: math.sin(x), math.sin, math.cos),
        "math.cos(x)": (lambda x: math.cos(x), math.cos, lambda t: -math.sin(t)),
        "math.tan(x)": (lambda x: math.tan(x), math.tan, lambda t: 1 / math.cos(t) ** 2),
        "math.log(x)": (lambda x: math.log(x), math.log, lambda t: 1 / t),
        "math.sqrt(x)": (lambda x: math.sqrt(x), math.sqrt, lambda t: 0.5 / math.sqrt(t)),
        "math.tanh(x)": (lambda x: math.tanh(x), math.tanh, lambda t: 1 - math.tanh(t) ** 2),
        "math.atan(x)": (lambda x: math.atan(x), math.atan, lambda t: 1 / (1 + t * t)),
        "math.log1p(x)": (lambda x: math.log1p(x), math.log1p, lambda t: 1 / (1 + t)),
        "math.erf(x)": (lambda x: math.erf(x), math.erf, lambda t: d(math.erf, t)),
        "math.gamma(x)": (lambda x: math.gamma(x), math.gamma, lambda t: d(math.gamma, t)),
        "math.log10(x)": (lambda x: math.log10(x), math.log10, lambda t: d(math.log10, t)),
        "math.fabs(x)": (lambda x: math.fabs(x), abs, lambda t: 1.0),
        "math.floor(x)": (lambda x: math.floor(x), math.floor, None),
        "math.ceil(x)": (lambda x: math.ceil(x), math.ceil, None),
        "math.trunc(x)": (lambda x: math.trunc(x), math.trunc, None),
        "math.pow(x, 2)": (lambda x: math.pow(x, 2), lambda t: t * t, lambda t: 2 * t),
        "math.atan2(x, 1)": (lambda x: math.atan2(x, 1.0), math.atan, lambda t: 1 / (1 + t * t)),
        "math.hypot(x, 1)": (lambda x: math.hypot(x, 1.0), lambda t: math.hypot(t, 1), lambda t: t / math.hypot(t, 1)),
        "math.isfinite(x)": (lambda x: math.isfinite(x), lambda t: True, None),
        "math.isclose(x, 0.5)": (lambda x: math.isclose(x, 0.5), lambda t: True, None),
        "math.fsum([x, x])": (lambda x: math.fsum([x, x]), lambda t: 2 * t, lambda t: 2.0),
        "math.prod([x, x])": (lambda x: math.prod([x, x]), lambda t: t * t, lambda t: 2 * t),
        "float(x)": (lambda x: float(x), lambda t: t, lambda t: 1.0),
        "int(x)": (lambda x: int(x), int, None),
        "round(x)": (lambda x: round(x), round, None),
        "round(x, 2)": (lambda x: round(x, 2), lambda t: round(t, 2), lambda t: 1.0),
        "complex(x)": (lambda x: complex(x), complex, lambda t: 1.0),
        "abs(x)": (lambda x: abs(x), abs, lambda t: 1.0),
        "pow(x, 2)": (lambda x: pow(x, 2), lambda t: t * t, lambda t: 2 * t),
        "x % 1": (lambda x: x % 1, lambda t: t % 1, lambda t: 1.0),
        "x // 1": (lambda x: x // 1, lambda t: t // 1, None),
        "divmod(x, 1)": (lambda x: divmod(x, 1), None, None),
        "format(x, '.2f')": (lambda x: format(x, ".2f"), lambda t: format(t, ".2f"), None),
        "f'{x:.3f}'": (lambda x: f"{x:.3f}", lambda t: f"{t:.3f}", None),
        "'%.2f' % x": (lambda x: "%.2f" % x, lambda t: "%.2f" % t, None),
        "range(x)": (lambda x: range(x), None, None),
        "[10, 20][x]": (lambda x: [10, 20][x], None, None),
        "sum([x, x])": (lambda x: sum([x, x]), lambda t: 2 * t, lambda t: 2.0),
        "min(x, 1.0)": (lambda x: min(x, 1.0), lambda t: t, lambda t: 1.0),
        "max(x, 0.0)": (lambda x: max(x, 0.0), lambda t: t, lambda t: 1.0),
        "sorted([x, 2.0])[0]": (lambda x: sorted([x, 2.0])[0], lambda t: t, lambda t: 1.0),
        "x == 0.5": (lambda x: x == 0.5, lambda t: True, None),
        "if x: (x = 0.5)": (lambda x: 1.0 if x else 0.0, lambda t: 1.0, None),
        "if Value(0.0):": (lambda x: 1.0 if Value(0.0) else 0.0, lambda t: 0.0, None),
        "not x": (lambda x: not x, lambda t: False, None),
        "x and 2.0": (lambda x: x and 2.0, lambda t: 2.0, None),
        "statistics.mean([x, x])": (lambda x: statistics.mean([x, x]), lambda t: t, lambda t: 1.0),
        "statistics.fmean([x, x])": (lambda x: statistics.fmean([x, x]), lambda t: t, lambda t: 1.0),
    }
    table.update(numpy_functions())
    if torch is not None:
        table["torch.tensor(x)"] = (lambda x: torch.tensor(x), None, lambda t: 1.0)
        table["torch.tensor([x, x]).sum()"] = (lambda x: torch.tensor([x, x]).sum(), None, lambda t: 2.0)
    return table


def numpy_functions() -> dict:
    d = numeric_derivative
    other = Value(1.5)
    return {
        "np.exp(x)": (lambda x: np.exp(x), math.exp, math.exp),
        "np.sin(x)": (lambda x: np.sin(x), math.sin, math.cos),
        "np.log(x)": (lambda x: np.log(x), math.log, lambda t: 1 / t),
        "np.sqrt(x)": (lambda x: np.sqrt(x), math.sqrt, lambda t: 0.5 / math.sqrt(t)),
        "np.tanh(x)": (lambda x: np.tanh(x), math.tanh, lambda t: 1 - math.tanh(t) ** 2),
        "np.arctan(x)": (lambda x: np.arctan(x), math.atan, lambda t: 1 / (1 + t * t)),
        "np.arcsin(x)": (lambda x: np.arcsin(x), math.asin, lambda t: 1 / math.sqrt(1 - t * t)),
        "np.cosh(x)": (lambda x: np.cosh(x), math.cosh, math.sinh),
        "np.expm1(x)": (lambda x: np.expm1(x), math.expm1, math.exp),
        "np.abs(x)": (lambda x: np.abs(x), abs, lambda t: 1.0),
        "np.square(x)": (lambda x: np.square(x), lambda t: t * t, lambda t: 2 * t),
        "np.power(x, 3)": (lambda x: np.power(x, 3), lambda t: t ** 3, lambda t: 3 * t * t),
        "np.negative(x)": (lambda x: np.negative(x), lambda t: -t, lambda t: -1.0),
        "np.reciprocal(x)": (lambda x: np.reciprocal(x), lambda t: 1 / t, lambda t: -1 / (t * t)),
        "np.float64(x)": (lambda x: np.float64(x), lambda t: t, lambda t: 1.0),
        "np.float32(x)": (lambda x: np.float32(x), lambda t: t, lambda t: 1.0),
        "np.asarray([x], dtype=float)": (lambda x: np.asarray([x], dtype=float), None, lambda t: 1.0),
        "np.array([x]).astype(float)": (lambda x: np.array([x]).astype(float), None, lambda t: 1.0),
        "np.round(x, 1)": (lambda x: np.round(x, 1), lambda t: round(t, 1), lambda t: 1.0),
        "np.exp2(x)": (lambda x: np.exp2(x), lambda t: 2 ** t, lambda t: 2 ** t * math.log(2)),
        "np.log10(x)": (lambda x: np.log10(x), math.log10, lambda t: d(math.log10, t)),
        "np.cbrt(x)": (lambda x: np.cbrt(x), lambda t: t ** (1 / 3), lambda t: d(lambda u: u ** (1 / 3), t)),
        "np.sign(x)": (lambda x: np.sign(x), lambda t: 1.0, None),
        "np.floor(x)": (lambda x: np.floor(x), math.floor, None),
        "np.maximum(x, 0.0)": (lambda x: np.maximum(x, 0.0), lambda t: t, lambda t: 1.0),
        "np.clip(x, 0, 1)": (lambda x: np.clip(x, 0.0, 1.0), lambda t: t, lambda t: 1.0),
        "np.mean([x, x])": (lambda x: np.mean([x, x]), lambda t: t, lambda t: 1.0),
        "np.sum([x, x])": (lambda x: np.sum([x, x]), lambda t: 2 * t, lambda t: 2.0),
        "np.dot([x, x], [1, 2])": (lambda x: np.dot([x, x], [1.0, 2.0]), lambda t: 3 * t, lambda t: 3.0),
        "np.prod([x, x])": (lambda x: np.prod([x, x]), lambda t: t * t, lambda t: 2 * t),
        "np.std([x, 1.5])": (lambda x: np.std([x, other]), lambda t: abs(t - 1.5) / 2, lambda t: -0.5),
        "np.var([x, 1.5])": (lambda x: np.var([x, other]), lambda t: (t - 1.5) ** 2 / 4, lambda t: (t - 1.5) / 2),
        "np.isfinite(x)": (lambda x: np.isfinite(x), lambda t: True, None),
        "np.isnan(x)": (lambda x: np.isnan(x), lambda t: False, None),
        "np.linalg.norm([x, 0])": (lambda x: np.linalg.norm([x, 0.0]), abs, lambda t: 1.0),
    }


def add_function_cases() -> None:
    for name, (call, f, df) in mathematical_functions().items():
        op = name.split("(")[0]
        add("graph", f"{name} on a Value", function_case(call, f, df, (op,)))


# -- a graph whose numbers were changed after it was built ---------------------------------

def stale_shapes() -> dict:
    """name -> (build(values) -> (leaves, out), the leaf to edit, its new number).

    ``build`` makes the graph from numbers; the reference is the same graph built again
    from the edited numbers."""
    def mlp_loss(v):
        model = nn.Neuron(2, seed=0)
        model.load_state_dict({"w.0": v["w"], "w.1": -0.3, "b": 0.1})
        out = model([v["x"], 0.2])
        return {"w": model.w[0], "x": None}, nn.mse_loss([out], [1.0])

    def inputs(v):
        return {k: Value(n, label=k) for k, n in v.items()}

    def graph(fn, **values):
        def build(v):
            leaves = inputs(v)
            return leaves, fn(**leaves)
        return build, values
    return {
        "x * x, x edited 2 -> 3": (*graph(lambda x: x * x, x=2.0), "x", 3.0),
        "tanh(3x), x edited 0.2 -> 0.25": (*graph(lambda x: (x * 3.0).tanh(), x=0.2), "x", 0.25),
        "x * y with y = 0, x edited 1 -> 5": (*graph(lambda x, y: x * y, x=1.0, y=0.0), "x", 5.0),
        "exp(x), x edited 1 -> 2": (*graph(lambda x: x.exp(), x=1.0), "x", 2.0),
        "linear([w, v], [x, x]), w edited": (*graph(lambda w, v, x: autograd.linear([w, v], [x, x]) ** 2, w=0.5, v=-1.0, x=2.0), "w", 1.5),
        "sum([x, x * x]), x edited": (*graph(lambda x: autograd.sum([x, x * x]), x=1.0), "x", 4.0),
        "relu(x), x edited -1 -> -2 (no number changes)": (*graph(lambda x: x.relu() * 3.0, x=-1.0), "x", -2.0),
        "x * x, x set to the number it had": (*graph(lambda x: x * x, x=2.0), "x", 2.0),
        "a neuron's loss, a weight stepped without a new forward pass": (mlp_loss, {"w": 0.4, "x": 0.7}, "w", 0.3),
    }


def stale_case(build, values, leaf_name, new_number, how, note_refusal=False):
    """Build, change one leaf's data by hand, then backpropagate by ``how``: the gradients of
    the graph built again from the new numbers, or a clear error naming the stale node.  A
    refusal is noted only where docs/reliability.md says the edit is not an error (it
    changes no number of the graph)."""
    def run():
        fresh_leaves, fresh_out = build({**values, leaf_name: new_number})
        fresh_out.backward()
        expected = {k: v.grad for k, v in fresh_leaves.items() if v is not None}
        leaves, out = build(values)
        checked = [k for k, v in leaves.items() if v is not None]

        def call():
            leaves[leaf_name].data = new_number
            if how == "backward()":
                out.backward()
                return {k: leaves[k].grad for k in checked}
            if how == "backward(check=True)":
                out.backward(check=True)
                return {k: leaves[k].grad for k in checked}
            grads = autograd.grad(out, [leaves[k] for k in checked],
                                  create_graph=how == "grad(create_graph=True)")
            return {k: g.data if isinstance(g, Value) else g for k, g in zip(checked, grads)}

        def right(got):
            ok = all(close(got[k], expected[k], rel=1e-9) for k in checked)
            return ok or f"gradients {got}, but the graph built from the new numbers gives {expected}"
        return judge(call, right, ("backward", "grad", "stale", ".data"),
                     ("stale", "changed", "earlier number", "edited"), note_refusal)
    return run


def add_stale_cases() -> None:
    for name, (build, values, leaf, new) in stale_shapes().items():
        unchanged = "no number changes" in name or "the number it had" in name
        for how in ("backward()", "grad()", "grad(create_graph=True)"):
            add("graph", f"stale graph: {name}, then {how}",
                stale_case(build, values, leaf, new, how, note_refusal=unchanged))
        if "stepped" in name or "x * x, x edited" in name:
            add("graph", f"stale graph: {name}, then backward(check=True)",
                stale_case(build, values, leaf, new, "backward(check=True)"))


# -- a graph broken by hand ----------------------------------------------------------------

def two_cycle():
    a = Value(1.0, label="a")
    b = a * 2.0
    c = b + 1.0
    b.parents = (c, b.parents[1])
    return a, c


def self_loop():
    a = Value(1.0, label="a")
    a.local_grads = (1.0,)
    a.parents = (a,)
    return a, a * 2.0


def three_cycle():
    x = Value(1.0, label="x")
    a = x * 2.0
    b = a + 1.0
    c = b * 3.0
    a.parents = (c, a.parents[1])
    return x, c


def cycle_through_a_list():
    a = Value(1.0, label="a")
    b = a * 2.0
    c = b + 1.0
    b.parents = [c, b.parents[1]]
    return a, c


def cycle_through_a_hand_made_node():
    x = Value(1.0, label="x")
    y = x * 2.0
    z = Value(3.0, (y,), (1.0,), op="mine")
    y.parents = (z, y.parents[1])
    return x, z


def cycle_by_local_grads_then_parents():
    a = Value(1.0, label="a")
    b = a * 2.0
    c = b * b
    b.local_grads = (2.0, 1.0)
    b.parents = (c, a)
    return a, c


CYCLES = {"b made a parent of c = b + 1": two_cycle, "a leaf made its own parent": self_loop,
          "a three-node cycle": three_cycle, "parents given as a list": cycle_through_a_list,
          "through a node made by hand": cycle_through_a_hand_made_node,
          "local_grads set first, then parents": cycle_by_local_grads_then_parents}

GRAPH_VIEWS = {
    "backward()": lambda leaf, out: (out.backward(), leaf.grad)[1],
    "grad()": lambda leaf, out: autograd.grad(out, [leaf]),
    "draw_graph": lambda leaf, out: autograd.draw_graph(out, grads=False, edge_labels=True).source,
    "explain": lambda leaf, out: str(autograd.explain(out, root=out)),
    "backward_steps": lambda leaf, out: autograd.backward_steps(out).table(),
}


def broken_case(make, view):
    """Break a graph by hand, then look at it or backpropagate: a clear error naming the node."""
    return lambda: judge(lambda: GRAPH_VIEWS[view](*make()), None,
                         ("cycle", "depends on itself", "parents", "local_grads", "not a Value",
                          "graph"), ("value(data=",))


def short_local_grads():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = x * w
    y.local_grads = (3.0,)
    return x, y


def long_local_grads():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = x * w
    y.local_grads = (3.0, 2.0, 5.0)
    return x, y


def empty_local_grads():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    y = x * w
    y.local_grads = ()
    return x, y


def linear_short_local_grads():
    x = Value(2.0, label="x")
    y = autograd.linear([Value(1.0), Value(2.0)], [x, x])
    y.local_grads = y.local_grads[:-1]
    return x, y


def leaf_with_local_grads():
    x = Value(2.0, label="x")
    x.local_grads = (1.0,)
    return x, x * 3.0


LENGTHS = {"local_grads shorter than parents": short_local_grads,
           "local_grads longer than parents": long_local_grads,
           "local_grads emptied": empty_local_grads,
           "a linear node's local_grads cut by one": linear_short_local_grads,
           "local_grads on a leaf": leaf_with_local_grads}


def bad_parents(value):
    def make():
        x, w = Value(2.0, label="x"), Value(3.0, label="w")
        y = x * w
        y.parents = value(x, w)
        return x, y
    return make


PARENTS = {"(x, 2.0)": lambda x, w: (x, 2.0), "(x, 'three')": lambda x, w: (x, "three"),
           "(x, None)": lambda x, w: (x, None), "5": lambda x, w: 5,
           "(x, [w])": lambda x, w: (x, [w])}


def local_grads_set_to(value, right_grad=None):
    """y = x * w, then y.local_grads = value: refused, or (a fine value) its gradient."""
    def run():
        x, w = Value(2.0, label="x"), Value(3.0, label="w")
        y = x * w

        def call():
            y.local_grads = value
            y.backward()
            return x.grad
        right = None if right_grad is None else (lambda g: close(g, right_grad) or f"x.grad {g}")
        return judge(call, right, ("local_grads", "local derivative"), ("value(data=", "inf", "nan", "'a'", "none"))
    return run


def parents_given_as(container):
    """y = x * w, then y.parents = container((x, w)): the same parents, so the same grads."""
    def run():
        x, w = Value(2.0, label="x"), Value(3.0, label="w")
        y = x * w

        def call():
            y.parents = container((x, w))
            y.backward()
            return x.grad, w.grad
        return judge(call, lambda g: g == (3.0, 2.0) or f"grads {g}", ("parents",), ("list", "generator"))
    return run


def hand_made_nodes() -> dict:
    """name -> (call, expected x.grad or None for a clear error)."""
    def backprop(make):
        def call():
            x = Value(2.0, label="x")
            y = make(x)
            y.backward()
            return x.grad
        return call
    return {
        "Value(4.0, [x], [4.0]) (lists)": (backprop(lambda x: Value(4.0, [x], [4.0])), 4.0),
        "Value(4.0, (x, 'a'), (1, 1))": (backprop(lambda x: Value(4.0, (x, "a"), (1, 1))), None),
        "Value(4.0, (x,), (1.0, 2.0))": (backprop(lambda x: Value(4.0, (x,), (1.0, 2.0))), None),
        "Value(4.0, x, 4.0) (one parent, not in a tuple)": (backprop(lambda x: Value(4.0, x, 4.0)), None),
        "Value(4.0, (x,), 4.0) (local_grads not in a tuple)": (backprop(lambda x: Value(4.0, (x,), 4.0)), None),
        "Value(4.0, (x,), ('4',))": (backprop(lambda x: Value(4.0, (x,), ("4",))), None),
        "Value(4.0, (x,), (Value(4.0),))": (backprop(lambda x: Value(4.0, (x,), (Value(4.0),))), None),
        "a hand-made node, then x edited, then backward(check=True)":
            (lambda: (x := Value(3.0), y := Value(9.0, (x,), (6.0,), op="square"),
                      setattr(x, "data", 4.0), y.backward(check=True), x.grad)[-1], 6.0),
    }


def add_broken_graph_cases() -> None:
    for name, make in CYCLES.items():
        for view in ("backward()", "grad()", "draw_graph", "explain"):
            add("graph", f"cycle ({name}), then {view}", broken_case(make, view))
    for name, make in LENGTHS.items():
        for view in GRAPH_VIEWS:
            add("graph", f"{name}, then {view}", broken_case(make, view))
    for name, value in PARENTS.items():
        for view in ("backward()", "grad()"):
            add("graph", f"parents set to {name}, then {view}", broken_case(bad_parents(value), view))
    add("graph", "parents set to a list of the same Values, then backward()", parents_given_as(list))
    add("graph", "parents set to a generator of the same Values, then backward()",
        parents_given_as(lambda pair: (v for v in pair)))
    fine = {"(np.float64(3.0), 2.0)": ((np.float64(3.0), 2.0), 3.0), "(3, 2) ints": ((3, 2), 3.0),
            "(True, 2.0) (True is 1 to Python)": ((True, 2.0), 1.0)}
    bad = {"('a', 2.0)": ("a", 2.0), "(None, 2.0)": (None, 2.0), "(Value(3.0), 2.0)": (Value(3.0), 2.0),
           "(inf, 2.0)": (INF, 2.0), "(nan, 2.0)": (NAN, 2.0), "3.0 (not a tuple)": 3.0}
    for name, (value, grad) in fine.items():
        add("graph", f"local_grads set to {name}, then backward()", local_grads_set_to(value, grad))
    for name, value in bad.items():
        add("graph", f"local_grads set to {name}, then backward()", local_grads_set_to(value))
    for name, (call, expected) in hand_made_nodes().items():
        right = None if expected is None else (lambda g, e=expected: close(g, e) or f"x.grad {g}")
        add("graph", f"made by hand: {name}", lambda call=call, right=right: judge(
            call, right, ("Value()", "parent", "local_grads", "local derivative"),
            ("value(data=", "'a'", "'4'", "2 local", "1 parent", "float", "4.0")))


def add_graph_cases() -> None:
    add_function_cases()
    add_stale_cases()
    add_broken_graph_cases()


# == kind: half-applied state ===============================================================
# An operation that fails must change nothing: a bad entry in load_state_dict, a step that
# cannot be taken, fit refusing its arguments.

OPTIMIZER_CLASSES = {"SGD": dict(momentum=0.9), "Adam": {}, "AdamW": {}, "RMSprop": dict(momentum=0.5),
                     "Adagrad": {}}


def stepped_optimizer(kind, lr=0.1, **settings):
    """An optimizer over two Values after one step (so its buffers are not all zero)."""
    params = [Value(1.0, label="w"), Value(-2.0, label="b")]
    optimizer = getattr(nn.optim, kind)(params, lr=lr, **{**OPTIMIZER_CLASSES[kind], **settings})
    params[0].grad, params[1].grad = 0.5, -1.0
    optimizer.step()
    return params, optimizer


def snapshot(params, optimizer):
    return [p.data for p in params], json.dumps(optimizer.state_dict(), sort_keys=True, default=repr)


def unchanged_or_silent(before, after, error) -> Outcome | None:
    if before != after:
        return Outcome(SILENT, f"raised {error_text(error)[:100]} but changed the state anyway")
    return None


def judge_all_or_nothing(make, attempt, names, shows, prepare=None) -> Outcome:
    """After ``prepare(params, optimizer)``, ``attempt(params, optimizer)`` must raise a
    clear error and change nothing."""
    params, optimizer = make()
    if prepare is not None:
        prepare(params, optimizer)
    before = snapshot(params, optimizer)
    try:
        attempt(params, optimizer)
    except Exception as error:
        return unchanged_or_silent(before, snapshot(params, optimizer), error) or \
            judge_error(error, names, shows)
    return Outcome(SILENT, f"no error; the optimizer is now {brief(optimizer.state_dict(), 120)}")


def damaged_state(kind, damage):
    """Another optimizer's state (other settings, other buffers), damaged in one place."""
    _, other = stepped_optimizer(kind, lr=0.5)
    other_params = other.params
    for p in other_params:
        p.grad = 0.25
    other.step()
    state = json.loads(json.dumps(other.state_dict()))
    damage(state)
    return state


def set_in(*path_and_value):
    *path, value = path_and_value

    def damage(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return damage


def first_buffer(kind):
    return next(iter(getattr(nn.optim, kind).buffers))


def common_damages(kind):
    buffer = first_buffer(kind)
    return {
        "lr=-1.0": (set_in("hyperparameters", "lr", -1.0), ("lr", "learning rate"), ("-1.0",)),
        "lr=inf": (set_in("hyperparameters", "lr", INF), ("lr", "learning rate"), ("inf",)),
        "lr='fast'": (set_in("hyperparameters", "lr", "fast"), ("lr", "learning rate"), ("'fast'",)),
        "step=-1": (set_in("step", -1), ("step",), ("-1",)),
        "step='3'": (set_in("step", "3"), ("step",), ("'3'",)),
        f"{buffer}[0]=nan": (set_in("state", buffer, 0, NAN), (buffer,), ("nan",)),
        f"{buffer}[0]='a'": (set_in("state", buffer, 0, "a"), (buffer,), ("'a'",)),
        f"{buffer} one value short": (lambda s: s["state"][buffer].pop(), (buffer,), ("1 value", "1 values", "2 parameters")),
        "an unknown setting 'foo'": (set_in("hyperparameters", "foo", 1.0), ("setting", "foo"), ("foo",)),
        "the state of another kind of optimizer": (set_in("optimizer", "Other"), ("optimizer", "belongs"), ("other",)),
        "no 'state' entry": (lambda s: s.pop("state"), ("state",), ("state",)),
        "hyperparameters a list": (set_in("hyperparameters", [0.1]), ("hyperparameters",), ("dict", "list")),
    }


SPECIFIC_DAMAGES = {
    "Adam": {"betas=(2.0, 0.999)": ("betas", [2.0, 0.999]), "betas=[0.9]": ("betas", [0.9]),
             "betas='ab'": ("betas", "ab"), "eps=inf": ("eps", INF), "amsgrad='no'": ("amsgrad", "no")},
    "AdamW": {"betas=(0.9, 1.0)": ("betas", [0.9, 1.0]), "weight_decay=-1": ("weight_decay", -1.0)},
    "SGD": {"momentum=-1": ("momentum", -1.0), "dampening=nan": ("dampening", NAN),
            "nesterov=True with dampening 0.5": ("nesterov", True), "nesterov='no'": ("nesterov", "no")},
    "RMSprop": {"alpha=-1": ("alpha", -1.0), "centered='no'": ("centered", "no"), "eps=-1": ("eps", -1.0)},
    "Adagrad": {"lr_decay=-1": ("lr_decay", -1.0), "eps=nan": ("eps", NAN)},
}


def optimizer_load_case(kind, damage, names, shows):
    return lambda: judge_all_or_nothing(
        lambda: stepped_optimizer(kind),
        lambda params, optimizer: optimizer.load_state_dict(damaged_state(kind, damage)),
        names, shows)


def add_optimizer_state_cases() -> None:
    for kind in OPTIMIZER_CLASSES:
        for name, (damage, names, shows) in common_damages(kind).items():
            add("state", f"{kind}.load_state_dict with {name}",
                optimizer_load_case(kind, damage, (f"{kind}",) + names, shows))
        for name, (key, value) in SPECIFIC_DAMAGES[kind].items():
            damage = set_in("hyperparameters", key, value)
            if "dampening 0.5" in name:
                damage = lambda s, key=key, value=value: (s["hyperparameters"].update(nesterov=True, dampening=0.5))
            add("state", f"{kind}.load_state_dict with {name} (set after the others)",
                optimizer_load_case(kind, damage, (kind, key), (brief(value, 20), "must be", "invalid", "needs")))


# -- a step that cannot be taken ----------------------------------------------------------

def failing_step(kind, how):
    """A step that must fail before it changes anything."""
    def run():
        def make():
            return stepped_optimizer(kind)

        def prepare(params, optimizer):
            if how == "an update that overflows":
                optimizer.lr = 1e308
                params[0].grad, params[1].grad = 1.0, -1e300
            elif how == "eps=0 meets a zero gradient":
                optimizer.eps = 0.0   # set by hand: the constructor refuses eps <= 0
                params[0].grad, params[1].grad = 0.0, 0.0
                optimizer.state = {k: [0.0, 0.0] for k in optimizer.state}   # nothing accumulated

        def attempt(params, optimizer):
            if how == "a NaN gradient set by hand":
                params[0].grad = NAN
            if how == "a closure that raises":
                def closure():
                    raise InjectedFault("the closure failed")
                optimizer.step(closure)
                return
            optimizer.step()
        return judge_all_or_nothing(make, attempt, (f"{kind}.step", "grad", "step", "closure"),
                                    ("inf", "nan", "overflow", "zero", "injected", "failed", "1e+308"),
                                    prepare)
    return run


def add_step_cases() -> None:
    for kind in OPTIMIZER_CLASSES:
        hows = ["an update that overflows", "a NaN gradient set by hand", "a closure that raises"]
        if kind != "SGD":
            hows.append("eps=0 meets a zero gradient")
        for how in hows:
            add("state", f"{kind}.step with {how}", failing_step(kind, how))


# -- model.load_state_dict ------------------------------------------------------------------

MODEL_MAKERS = {"MLP": lambda: nn.MLP(2, [3, 1], seed=0), "Neuron": lambda: nn.Neuron(2, seed=0)}


def model_load_case(make, last_value=None, change=None, expected=None, strict=True, names=(), shows=()):
    """load_state_dict of the model's own names with new numbers, the last one replaced by
    ``last_value`` (or the dict changed by ``change``): all or nothing."""
    def run():
        model = make()
        before = list(model.state_dict().values())
        state = {name: value + 0.5 for name, value in model.state_dict().items()}
        last = list(state)[-1]
        if change is None:
            state[last] = last_value
        else:
            state = change(state)
        try:
            model.load_state_dict(state, strict=strict)
        except Exception as error:
            if list(model.state_dict().values()) != before:
                return Outcome(SILENT, f"raised {error_text(error)[:100]} but changed some weights")
            return judge_error(error, ("load_state_dict",) + names, shows)
        got = list(model.state_dict().values())
        if expected is None:
            return Outcome(SILENT, f"accepted {brief(last_value, 40)}; weights now {brief(got, 80)}")
        want = [v + 0.5 for v in before[:-1]] + [expected]
        return Outcome(RIGHT, "loaded") if all_close(got, want, rel=1e-15, abs_=0) else \
            Outcome(SILENT, f"loaded {brief(got, 80)}, expected {brief(want, 80)}")
    return run


def add_model_state_cases() -> None:
    from fractions import Fraction
    bad_last = {"nan": (NAN, "nan"), "inf": (INF, "inf"), "'a'": ("a", "'a'"), "None": (None, "none"),
                "[1.0]": ([1.0], "[1.0]"), "10**400": (10 ** 400, "10**400"), "True": (True, "true"),
                "complex(1, 0)": (complex(1, 0), "1+0j"), "np.nan": (np.nan, "nan")}
    fine_last = {"np.float64(0.25)": (np.float64(0.25), 0.25), "Fraction(1, 4)": (Fraction(1, 4), 0.25),
                 "Value(0.25)": (Value(0.25), 0.25), "an int 2": (2, 2.0)}
    for model_name, make in MODEL_MAKERS.items():
        for name, (value, shows) in bad_last.items():
            add("state", f"{model_name}.load_state_dict, the last entry {name}",
                model_load_case(make, value, names=("value for", "parameter"), shows=(shows,)))
        for name, (value, expected) in fine_last.items():
            add("state", f"{model_name}.load_state_dict, the last entry {name}",
                model_load_case(make, value, expected=expected))
        add("state", f"{model_name}.load_state_dict, one key missing",
            model_load_case(make, change=lambda s: dict(list(s.items())[:-1]), names=("missing",), shows=("'b'", "'layers")))
        add("state", f"{model_name}.load_state_dict, one key too many",
            model_load_case(make, change=lambda s: {**s, "w.99": 1.0}, names=("unexpected",), shows=("w.99",)))
        add("state", f"{model_name}.load_state_dict(strict=False), a nan among them",
            model_load_case(make, NAN, strict=False, names=("value for",), shows=("nan",)))
        add("state", f"{model_name}.load_state_dict of a list of pairs",
            model_load_case(make, change=lambda s: list(s.items()), names=("mapping", "load_state_dict"), shows=("list",)))


# -- fit: refuse before the first step, or train only what it should ---------------------------

def fit_refuses_first(kwargs, names, shows):
    """fit with one bad argument: refused before anything trains; the model and the
    optimizer as they were."""
    def run():
        X, y = moons(20)
        model = nn.MLP(2, [3, 1], seed=0)
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
        before = (list(model.state_dict().values()), json.dumps(optimizer.state_dict(), default=repr))
        try:
            quiet_fit(model, X, y, **{"optimizer": optimizer, **kwargs})
        except Exception as error:
            after = (list(model.state_dict().values()), json.dumps(optimizer.state_dict(), default=repr))
            return unchanged_or_silent(before, after, error) or judge_error(error, names, shows)
        return Outcome(SILENT, f"fit({brief(kwargs, 60)}) trained without a word")
    return run


def fit_with_foreign_optimizer(which):
    def run():
        X, y = moons(20)
        model, other = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
        params = {"none of its parameters": other.parameters(),
                  "a Value of its own only": [Value(1.0)],
                  "the parameters of a rebuilt copy": nn.MLP(2, [3, 1], seed=0).parameters()}[which]
        before = list(model.state_dict().values())
        try:
            quiet_fit(model, X, y, optimizer=nn.optim.SGD(params, lr=0.1), epochs=3)
        except Exception as error:
            if list(model.state_dict().values()) != before:
                return Outcome(SILENT, "refused but trained")
            return judge_error(error, ("optimizer",), ("none of the model", "holds none"))
        return Outcome(SILENT, "fit ran with an optimizer that holds none of the model's parameters")
    return run


def fit_with_half_the_parameters() -> Outcome:
    """An optimizer over the last layer only (freezing the first): only that layer moves."""
    X, y = moons(20)
    model = nn.MLP(2, [3, 1], seed=0)
    frozen = [p.data for p in model.layers[0].parameters()]
    history = quiet_fit(model, X, y, optimizer=nn.optim.SGD(model.layers[1].parameters(), lr=0.1),
                        epochs=3)
    moved = [p.data for p in model.layers[0].parameters()] != frozen
    if moved:
        return Outcome(SILENT, "the frozen layer moved")
    return Outcome(RIGHT, "only the last layer trained") if non_finite(history["loss"]) is None else \
        Outcome(SILENT, "non-finite loss")


def scheduler_load_case(entry, value):
    """StepLR.load_state_dict with one bad entry: refused, the schedule as it was."""
    def run():
        optimizer = nn.optim.SGD([Value(1.0)], lr=0.1)
        scheduler = nn.optim.StepLR(optimizer, step_size=2, gamma=0.5)
        scheduler.step()
        before = json.dumps(scheduler.state_dict(), default=repr)
        bad = {**scheduler.state_dict(), entry: value}
        try:
            scheduler.load_state_dict(bad)
        except Exception as error:
            if json.dumps(scheduler.state_dict(), default=repr) != before:
                return Outcome(SILENT, f"raised {error_text(error)[:80]} but kept the bad entry")
            return judge_error(error, ("StepLR", entry), (brief(value, 20),))
        try:
            scheduler.step()
            scheduler.step()
            later = f"two more steps give lr={optimizer.lr!r}"
        except Exception as error:
            later = f"the next step() raises {error_text(error)[:90]}"
        return Outcome(SILENT, f"accepted {entry}={value!r}; {later}")
    return run


def add_fit_state_cases() -> None:
    refusals = {
        "epochs=-1": (dict(epochs=-1), ("epochs",), ("-1",)),
        "batch_size=0": (dict(batch_size=0), ("batch_size",), ("0",)),
        "validation_data=(X,)": (dict(validation_data=(np.zeros((3, 2)),)), ("validation_data",), ("pair", "(x_val")),
        "validation data of 3 features": (dict(validation_data=(np.zeros((3, 3)), np.zeros(3))), ("validation_data",), ("3 features",)),
        "scheduler='step'": (dict(scheduler="step"), ("scheduler",), ("'step'",)),
        "l2=-1": (dict(l2=-1.0), ("l2",), ("-1",)),
        "replay='yes'": (dict(replay="yes"), ("replay",), ("'yes'",)),
        "loss='nope'": (dict(loss="nope"), ("loss",), ("'nope'",)),
        "a scheduler of another optimizer": (dict(scheduler=nn.optim.StepLR(nn.optim.SGD([Value(0.0)], lr=0.1), 1)), ("scheduler",), ("sgd(1 parameter",)),
        "lr with an optimizer object": (dict(lr=0.1), ("lr",), ("optimizer",)),
    }
    for name, (kwargs, names, shows) in refusals.items():
        add("state", f"fit with {name}", fit_refuses_first(kwargs, ("fit",) + names, shows))
    for which in ("none of its parameters", "a Value of its own only", "the parameters of a rebuilt copy"):
        add("state", f"fit with an optimizer holding {which}", fit_with_foreign_optimizer(which))
    add("state", "fit with an optimizer over the last layer only", fit_with_half_the_parameters)
    for entry, value in (("step_size", 0), ("gamma", -1.0), ("gamma", "a"), ("last_epoch", "a"),
                         ("base_lr", INF), ("optimizer", None)):
        add("state", f"StepLR.load_state_dict with {entry}={value!r}", scheduler_load_case(entry, value))


def add_state_cases() -> None:
    add_optimizer_state_cases()
    add_step_cases()
    add_model_state_cases()
    add_fit_state_cases()


# == kind: hangs and sizes ==================================================================
# Nothing may take forever or eat the memory because of a small input: a tiny model file
# asking for a huge network, deeply nested JSON, views of graphs of a million nodes.

class ProbeStack(nn.Module):
    """A learner's module that cannot count its parameters before it is built."""

    def __init__(self, n: int = 1):
        self.neurons = [nn.Neuron(2, seed=0) for _ in range(n)]

    def forward(self, x):
        return self.neurons[0](x)

    def get_config(self):
        return {"n": len(self.neurons)}


def tiny_file_asking_for(model, **config) -> str:
    """A model file of ``model`` whose config is then changed by hand."""
    path = "asking.json"
    model.save(path)
    document = json.loads(Path(path).read_text())
    document["config"].update(config)
    text = json.dumps(document)
    # json.dumps cannot write a list nested 5000 deep: the marker is replaced as text
    text = text.replace('"__DEEP_5000__"', "[" * 5000 + "3" + "]" * 5000)
    Path(path).write_text(text)
    return path


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def load_case(make_file, names=("load",), shows=("parameters", "nested", "config", "json")):
    """nn.load of a small file that asks for too much: a quick clear error."""
    def run():
        path = make_file()
        return judge(lambda: nn.load(path), None, names, shows)
    return run


def raw_file(text: str):
    def make():
        Path("raw.json").write_text(text)
        return "raw.json"
    return make


def add_load_size_cases() -> None:
    mlp, neuron = (lambda: nn.MLP(2, [3, 1], seed=0)), (lambda: nn.Neuron(2, seed=0))
    asks = {
        "nouts=[3000, 3000]": (mlp, dict(nouts=[3000, 3000])),
        "nouts=[100000]": (mlp, dict(nouts=[100_000])),
        "nouts=[10000, 10000]": (mlp, dict(nouts=[10_000, 10_000])),
        "nouts=[10**9, 1]": (mlp, dict(nouts=[10 ** 9, 1])),
        "nin=10**7": (mlp, dict(nin=10 ** 7)),
        "nouts=[1] * 100000 (a hundred thousand layers)": (mlp, dict(nouts=[1] * 100_000)),
        "nouts nested 900 deep": (mlp, dict(nouts=nested(900, 3))),
        "nouts nested 5000 deep": (mlp, dict(nouts="__DEEP_5000__")),
        "nouts=[-1]": (mlp, dict(nouts=[-1])),
        "nouts=['3']": (mlp, dict(nouts=["3"])),
        "nouts=[3.5]": (mlp, dict(nouts=[3.5])),
        "a Neuron with nin=10**8": (neuron, dict(nin=10 ** 8)),
        "a Layer with nout=10**7": (lambda: nn.Layer(2, 3, seed=0), dict(nout=10 ** 7)),
        "a Perceptron with nin=10**8": (lambda: nn.Perceptron(2, seed=0), dict(nin=10 ** 8)),
        "a module that cannot count, n=10**6": (lambda: ProbeStack(2), dict(n=10 ** 6)),
        "activation named by 100,000 characters": (mlp, dict(activation="r" * 100_000)),
    }
    for name, (make, config) in asks.items():
        add("size", f"nn.load of a tiny file asking for {name}",
            load_case(lambda make=make, config=config: tiny_file_asking_for(make(), **config),
                      ("load",), ("parameters", "nested", "config", "nouts", "nin", "activation",
                                  "'3'", "3.5", "-1")))
    for n in (10 ** 3, 10 ** 5, 10 ** 6, 10 ** 7):
        add("size", f"nn.load of [ nested {n:,} deep", load_case(raw_file("[" * n + "]" * n)))
    for n in (10 ** 5, 10 ** 6):
        add("size", f'nn.load of {{"a": nested {n:,} deep',
            load_case(raw_file('{"a":' * n + "1" + "}" * n)))
    add("size", "nn.load of a weight nested 100,000 deep", load_case(weight_nested(100_000)))
    add("size", "nn.load of a file with a million extra weights", load_case(many_weights))
    add("size", "save and load an honest MLP(2, [300, 300, 1])", honest_big_model)


def weight_nested(depth: int):
    def make():
        path = "deep_weight.json"
        nn.MLP(2, [3, 1], seed=0).save(path)
        text = Path(path).read_text()
        document = json.loads(text)
        first = next(iter(document["weights"]))
        marker = '"__DEEP__"'
        document["weights"][first] = "__DEEP__"
        Path(path).write_text(json.dumps(document).replace(marker, "[" * depth + "1" + "]" * depth))
        return path
    return make


def many_weights() -> str:
    path = tiny_file_asking_for(nn.MLP(2, [3, 1], seed=0))
    document = json.loads(Path(path).read_text())
    document["weights"].update({f"extra.{k}": 0.0 for k in range(1_000_000)})
    Path(path).write_text(json.dumps(document))
    return path


def honest_big_model() -> Outcome:
    model = nn.MLP(2, [300, 300, 1], seed=0)

    def call():
        model.save("big.json")
        return nn.load("big.json")
    return judge(call, lambda loaded: loaded.state_dict() == model.state_dict(), ("save", "load"), ())


# -- views of huge graphs -------------------------------------------------------------------

def chain(n_values: int):
    """x, then y * 0.999 + 0.001 repeated: about ``n_values`` Values, backpropagated."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(max(1, n_values // 4)):
        y = y * 0.999 + 0.001
    y.backward()
    return x, y


def doubling(levels: int = 60):
    """2**levels paths from the output down to x, in 2 * levels + 1 nodes."""
    x = Value(0.3, label="x")
    y = x
    for _ in range(levels):
        y = y * y
    y.backward()
    return x, y


def wide(n: int = 100_000):
    xs = [Value(0.001 * k) for k in range(n)]
    xs[0].label = "x0"
    out = autograd.sum([x * x for x in xs])
    out.backward()
    return xs[0], out


def draw_and_render(x, y):
    return autograd.draw_graph(y).pipe(format="svg")


def explain_view(x, y):
    e = autograd.explain(x, root=y)
    text = str(e)
    if not close(e.total, x.grad, rel=1e-9):
        return f"explain's total {e.total} is not x.grad {x.grad}"
    return text


HUGE_VIEWS = {
    "explain(x)": explain_view,
    "backward_steps(y).chain_rule(x)": lambda x, y: str(autograd.backward_steps(y).chain_rule(x)),
    "autograd.notation.chain_rule": lambda x, y: str(autograd.notation.chain_rule(
        order := autograd.topological_order(y), y, x, autograd.notation.Notation(order))),
    "check_graph(y)": lambda x, y: str(autograd.check_graph(y)),
    "backward_frames(y)": lambda x, y: len(autograd.backward_frames(y)),
    "draw_graph(y), rendered to SVG": draw_and_render,
    "backward_steps(y).table()": lambda x, y: autograd.backward_steps(y).table(),
    "backward(check=True)": lambda x, y: (y.backward(check=True), x.grad)[1],
}


def huge_view_case(build, view):
    def run():
        x, y = build()

        def call():
            result = HUGE_VIEWS[view](x, y)
            if isinstance(result, str) and result.startswith("explain's total"):
                raise AssertionError(result)
            if isinstance(result, (str, bytes)):   # the length is what matters here
                return f"a text of {len(result):,} characters"
            return result
        return judge(call, lambda result: True, (view.split("(")[0].split(".")[-1], "graph", "nodes",
                                            "paths", "edges", "values"),
                     ("more than", "too many", "too big", "max_", "limit", "smaller", "paths", "edges"),
                     note_refusal=False)
    return run


def add_huge_graph_cases() -> None:
    for n in (10 ** 4, 10 ** 5, 10 ** 6):
        for view in HUGE_VIEWS:
            add("size", f"{view} on a chain of {n:,} Values", huge_view_case(lambda n=n: chain(n), view),
                heavy=n >= 10 ** 5)
    for view in ("explain(x)", "backward_steps(y).chain_rule(x)", "backward_steps(y).table()",
                 "draw_graph(y), rendered to SVG", "check_graph(y)", "backward_frames(y)"):
        add("size", f"{view} on a graph of 2**60 paths", huge_view_case(doubling, view))
    for view in ("explain(x)", "draw_graph(y), rendered to SVG", "backward_frames(y)",
                 "check_graph(y)", "backward_steps(y).table()"):
        add("size", f"{view} on a sum of 100,000 squares", huge_view_case(wide, view), heavy=True)
    add("size", "save_html of the frames of a 2,000-step chain", frames_page)


def frames_page() -> Outcome:
    x = Value(0.5, label="x")
    y = x
    for _ in range(2000):
        y = (y * 0.9).tanh()

    def call():
        path = autograd.backward_frames(y).save_html("frames.html")
        return os.path.getsize(path)
    return judge(call, lambda size: size < 50_000_000 or f"a page of {size:,} bytes",
                 ("backward_frames", "frames", "nodes"), ("too big", "more than", "max_nodes"),
                 note_refusal=False)


def add_request_size_cases() -> None:
    X2 = np.eye(2)
    requests = {
        "make_moons(10**9)": lambda: nn.data.make_moons(10 ** 9),
        "make_circles(10**9)": lambda: nn.data.make_circles(10 ** 9),
        "make_blobs(10**10)": lambda: nn.data.make_blobs(10 ** 10),
        "make_spirals(10**9)": lambda: nn.data.make_spirals(10 ** 9),
        "KFold(10**9).split(10 samples)": lambda: list(nn.model_selection.KFold(10 ** 9).split(np.zeros((10, 1)))),
        "MLP(2, [10**5, 10**5])": lambda: nn.MLP(2, [10 ** 5, 10 ** 5]),
        "Neuron(10**12)": lambda: nn.Neuron(10 ** 12),
        "Layer(10**4, 10**4)": lambda: nn.Layer(10 ** 4, 10 ** 4),
        "plot_activation(num=10**9)": lambda: nn.plots.plot_activation("relu", num=10 ** 9),
        "plot_decision_boundary(resolution=10**6)": lambda: nn.plots.plot_decision_boundary(
            lambda P: P[:, 0], X2, [0, 1], resolution=10 ** 6),
        "optimizer_paths(steps=10**12)": lambda: nn.plots.optimizer_paths(
            lambda a, b: a * a + b * b, {"SGD": lambda p: nn.optim.SGD(p, lr=0.1)}, (1.0, 1.0), 10 ** 12),
        "Value(10**10**5) (an int of 100,001 digits)": lambda: Value(10 ** 10 ** 5),
    }
    for name, call in requests.items():
        op = name.split("(")[0].split(".")[-1]
        add("size", name, heavy="10**9" in name or "10**10" in name, run=lambda call=call, op=op: judge(
            call, None, (op, "n_samples", "parameters", "num", "resolution", "steps", "n_splits"),
            ("at most", "would have", "10**", "more than", "too large", "too many", "1,000,000,000")))


def add_size_cases() -> None:
    add_load_size_cases()
    add_huge_graph_cases()
    add_request_size_cases()


# == kind: messages and arguments ===========================================================
# Whatever a learner writes in a label or a title is shown, never a crash; an argument of
# the wrong kind gets an error naming the function, the argument and the value.

HOSTILE_LABELS = {
    "16,385 characters": "x" * 16_385,
    "a million characters": "y" * 1_000_000,
    "a lone surrogate": "a\ud800b",
    "control characters": "bell\x07nul\x00",
    "a thousand newlines": "a\n" * 1000,
    "HTML": "<b>&amp;</b><script>",
    "$x^$ (broken LaTeX)": "$x^$",
    "the int 7": 7,
    "None": None,
    "bytes": b"bytes",
}


def labelled_graph(label):
    x = Value(2.0, label=label)
    y = (x * x).tanh()
    y.label = label
    y.backward()
    return x, y


LABEL_VIEWS = {
    "draw_graph, rendered to SVG": lambda x, y: autograd.draw_graph(y).pipe(format="svg").decode("utf-8"),
    "check_graph(y).draw(), rendered": lambda x, y: autograd.check_graph(y).draw().pipe(format="svg").decode("utf-8"),
    "backward_frames, saved as HTML": lambda x, y: Path(autograd.backward_frames(y).save_html("f.html")).read_text(encoding="utf-8"),
    "str(explain(x))": lambda x, y: str(autograd.explain(x, root=y)),
    "backward_steps(y).table()": lambda x, y: autograd.backward_steps(y).table(),
    "backward_steps(y).latex(x)": lambda x, y: autograd.backward_steps(y).latex(x),
}


def label_case(label, view):
    """A hostile label shown by a view: the view works, its text is valid UTF-8 and the
    label is cut to a readable length."""
    def run():
        x, y = labelled_graph(label)

        def right(text):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                return f"the text holds what UTF-8 cannot write ({error.reason})"
            if isinstance(label, str) and len(label) > 10_000 and label[:10_000] in text:
                return f"the label of {len(label):,} characters is shown whole ({len(text):,} characters)"
            return True
        return judge(lambda: LABEL_VIEWS[view](x, y), right, (view.split("(")[0], "label"), ("label",))
    return run


PLOT_TEXTS = {"$x^$": "$x^$", r"$\frac{$": r"cost $\frac{$", "$$": "$$", "a lone $": "costs $5",
              "a surrogate": "a\ud800b", "20,000 characters": "x" * 20_000, "a NUL": "a\x00b",
              r"valid $\alpha^2$": r"loss $\alpha^2$"}


def plot_places():
    sgd = {"SGD": lambda p: nn.optim.SGD(p, lr=0.1)}
    bowl = lambda a, b: a * a + b * b  # noqa: E731

    def renamed(f, name):
        f.__name__ = name
        return f
    return {
        "plot_history title": lambda t: nn.plots.plot_history({"loss": [1.0, 0.5]}, title=t),
        "plot_decision_boundary title": lambda t: nn.plots.plot_decision_boundary(
            lambda P: P[:, 0], np.eye(2), [0, 1], resolution=5, title=t),
        "a class name": lambda t: nn.plots.plot_decision_boundary(
            lambda P: P[:, 0], np.eye(2), np.array(["a", t], dtype=object), resolution=5),
        "an optimizer's name": lambda t: nn.plots.plot_optimizer_paths(bowl, {t: sgd["SGD"]}, (1.0, 1.0), 2, resolution=5),
        "show_digit title": lambda t: nn.data.show_digit(np.zeros((8, 8)), title=t).figure,
        "an activation's __name__": lambda t: nn.plots.plot_activation(renamed(lambda v: v.tanh(), t), num=5),
    }


def plot_case(place, text):
    def run():
        def call():
            figure = plot_places()[place](text)
            import io
            figure.savefig(io.BytesIO(), format="png", dpi=20)   # a bad text raises only here
            return "drawn"
        return judge(call, lambda r: True, (place.split()[0], "title", "label"), ("$",))
    return run


def drawing_argument_cases(x, y) -> dict:
    """name -> (call, names, shows): each should be refused by name."""
    D, S, F, E = autograd.draw_graph, autograd.backward_steps, autograd.backward_frames, autograd.explain
    return {
        "draw_graph(fmt='s')": (lambda: D(y, fmt="s"), ("fmt",), ("'s'",)),
        "draw_graph(fmt=4)": (lambda: D(y, fmt=4), ("fmt",), ("4", "format string")),
        "draw_graph(fmt='%d')": (lambda: D(y, fmt="%d"), ("fmt",), ("'%d'",)),
        "draw_graph(fmt='{}')": (lambda: D(y, fmt="{}"), ("fmt",), ("'{}'",)),
        "draw_graph(max_nodes='a')": (lambda: D(y, max_nodes="a"), ("max_nodes",), ("'a'",)),
        "draw_graph(max_nodes=-1)": (lambda: D(y, max_nodes=-1), ("max_nodes",), ("-1",)),
        "draw_graph(max_nodes=1.5)": (lambda: D(y, max_nodes=1.5), ("max_nodes",), ("1.5",)),
        "draw_graph(rankdir='XY')": (lambda: D(y, rankdir="XY"), ("rankdir",), ("'xy'",)),
        "draw_graph(collapse='neurons')": (lambda: D(y, collapse="neurons"), ("collapse",), ("'neurons'",)),
        "draw_graph(grads='yes')": (lambda: D(y, grads="yes"), ("grads",), ("'yes'",)),
        "draw_graph(highlight='x')": (lambda: D(y, highlight="x"), ("highlight",), ("'x'", "str")),
        "draw_graph(highlight=Value(9) not in the graph)": (lambda: D(y, highlight=Value(9.0)), ("highlight",), ("9.0",)),
        "draw_graph(model='m')": (lambda: D(y, model="m"), ("model",), ("'m'", "str")),
        "draw_graph(check='no')": (lambda: D(y, check="no"), ("check",), ("'no'",)),
        "draw_graph(check=True, eps='a')": (lambda: D(y, check=True, eps="a"), ("eps",), ("'a'",)),
        "draw_graph('y')": (lambda: D("y"), ("draw_graph",), ("'y'", "str")),
        "backward_steps(fmt='s')": (lambda: S(y, fmt="s"), ("fmt",), ("'s'",)),
        "backward_steps(gradient='a')": (lambda: S(y, gradient="a"), ("gradient",), ("'a'",)),
        "backward_steps(y).chain_rule('x')": (lambda: S(y).chain_rule("x"), ("chain_rule",), ("'x'", "str")),
        "backward_steps(y).chain_rule(a Value not in the graph)": (lambda: S(y).chain_rule(Value(9.0)), ("chain_rule",), ("9.0", "not part", "not in")),
        "backward_frames(fmt='s')": (lambda: F(y, fmt="s"), ("fmt",), ("'s'",)),
        "backward_frames(max_nodes='a')": (lambda: F(y, max_nodes="a"), ("max_nodes",), ("'a'",)),
        "backward_frames(y)[99]": (lambda: F(y)[99], ("frame",), ("99",)),
        "explain(x, fmt='s')": (lambda: E(x, fmt="s"), ("fmt",), ("'s'",)),
        "explain(x, root='r')": (lambda: E(x, root="r"), ("root", "explain"), ("'r'", "str")),
        "explain(x, model=3)": (lambda: E(x, model=3), ("model",), ("3", "int")),
        "explain('x')": (lambda: E("x"), ("explain",), ("'x'", "str")),
        "check_graph(y, eps='a')": (lambda: autograd.check_graph(y, eps="a"), ("eps",), ("'a'",)),
        "check_graph(y, eps=0)": (lambda: autograd.check_graph(y, eps=0), ("eps",), ("0",)),
        "check_graph(y, atol=nan)": (lambda: autograd.check_graph(y, atol=NAN), ("atol",), ("nan",)),
        "check_graph(y, [1.0])": (lambda: autograd.check_graph(y, [1.0]), ("inputs",), ("value(data=",)),
        "check_graph(lambda a: a * a, 'abc')": (lambda: autograd.check_graph(lambda a: a * a, "abc"), ("inputs",), ("'abc'", "str")),
        "gradcheck(f, 'abc')": (lambda: autograd.gradcheck(lambda a: a, "abc"), ("gradcheck", "inputs"), ("'abc'", "str")),
        "gradcheck(f, [1.0], eps=0)": (lambda: autograd.gradcheck(lambda a: a, [1.0], eps=0), ("eps",), ("0",)),
        "gradcheck('f', [1.0])": (lambda: autograd.gradcheck("f", [1.0]), ("gradcheck",), ("'f'", "str")),
        "set_language('fr')": (lambda: autograd.set_language("fr"), ("set_language", "language"), ("'fr'",)),
        "set_language(None)": (lambda: autograd.set_language(None), ("set_language", "language"), ("none",)),
    }


def value_argument_cases() -> dict:
    v = Value(1.0)
    return {
        "Value(1) + 'a'": (lambda: v + "a", ("+", "operand"), ("'a'",)),
        "'a' + Value(1)": (lambda: "a" + v, ("+", "operand"), ("'a'",)),
        "Value(1) * [1]": (lambda: v * [1], ("*", "operand"), ("[1]", "list")),
        "Value(1) ** '2'": (lambda: v ** "2", ("**", "exponent"), ("'2'",)),
        "Value(1) / None": (lambda: v / None, ("/", "operand"), ("none",)),
        "Value(1) < 'a'": (lambda: v < "a", ("<", "compar"), ("'a'", "str")),
        "Value(1) @ Value(2)": (lambda: v @ Value(2.0), ("@", "matmul"), ("value",)),
        "Value(1).backward(gradient='a')": (lambda: v.backward("a"), ("backward", "gradient"), ("'a'",)),
        "Value(1).backward(check='yes')": (lambda: (v * 2).backward(check="yes"), ("check",), ("'yes'",)),
        "Value(-1).leaky_relu('a')": (lambda: Value(-1.0).leaky_relu("a"), ("leaky_relu", "slope"), ("'a'",)),
        "grad(y, [2.0])": (lambda: autograd.grad(v * 2, [2.0]), ("grad", "inputs"), ("2.0", "float")),
        "grad('y', [x])": (lambda: autograd.grad("y", [v]), ("grad",), ("'y'", "str")),
        "autograd.sum(5)": (lambda: autograd.sum(5), ("sum",), ("5", "int")),
        "autograd.sum('abc')": (lambda: autograd.sum("abc"), ("sum",), ("'abc'", "'a'", "str")),
        "autograd.sum([Value(1), 'a'])": (lambda: autograd.sum([v, "a"]), ("sum",), ("'a'",)),
        "autograd.sum(None)": (lambda: autograd.sum(None), ("sum",), ("none",)),
        "autograd.sum([1e308] * 2) overflows": (lambda: autograd.sum([Value(1e308)] * 2), ("sum",), ("1e+308", "overflow")),
        "autograd.linear(None, None)": (lambda: autograd.linear(None, None), ("linear",), ("none",)),
        "autograd.max(5)": (lambda: autograd.max(5), ("max",), ("5", "int")),
    }


def model_argument_cases() -> dict:
    X, y = moons(10)
    m = lambda: nn.MLP(2, [3, 1], seed=0)  # noqa: E731
    fit = lambda **kw: quiet_fit(m(), X, y, **kw)  # noqa: E731
    return {
        "fit(steps='ten')": (lambda: fit(steps="ten"), ("steps",), ("steps",)),
        "optimizer_paths(steps='ten')": (lambda: nn.plots.optimizer_paths(
            lambda a, b: a * a + b * b, {"SGD": lambda p: nn.optim.SGD(p, lr=0.1)}, (1.0, 1.0), "ten"),
            ("steps",), ("'ten'",)),
        "fit(epochs='ten')": (lambda: fit(epochs="ten"), ("epochs",), ("'ten'",)),
        "fit(epochs=-1)": (lambda: fit(epochs=-1), ("epochs",), ("-1",)),
        "fit(epochs=0)": (lambda: fit(epochs=0), ("epochs",), ("0",)),
        "fit(epochs=1.5)": (lambda: fit(epochs=1.5), ("epochs",), ("1.5",)),
        "fit(batch_size=0)": (lambda: fit(batch_size=0), ("batch_size",), ("0",)),
        "fit(batch_size=-1)": (lambda: fit(batch_size=-1), ("batch_size",), ("-1",)),
        "fit(batch_size=1.5)": (lambda: fit(batch_size=1.5), ("batch_size",), ("1.5",)),
        "fit(batch_size='32')": (lambda: fit(batch_size="32"), ("batch_size",), ("'32'",)),
        "fit(lr='fast')": (lambda: fit(lr="fast"), ("lr", "learning rate"), ("'fast'",)),
        "fit(optimizer='sgd', lr=-1)": (lambda: fit(optimizer="sgd", lr=-1), ("lr", "learning rate"), ("-1",)),
        "fit(optimizer='adamw')": (lambda: fit(optimizer="adamw"), ("optimizer",), ("'adamw'",)),
        "fit(optimizer=3)": (lambda: fit(optimizer=3), ("optimizer",), ("3",)),
        "fit(scheduler='step')": (lambda: fit(scheduler="step"), ("scheduler",), ("'step'",)),
        "fit(scheduler=StepLR)": (lambda: fit(scheduler=nn.optim.StepLR), ("scheduler",), ("steplr",)),
        "fit(loss='mse2')": (lambda: fit(loss="mse2"), ("loss",), ("'mse2'",)),
        "fit(loss=None)": (lambda: fit(loss=None), ("loss",), ("none",)),
        "fit(loss=42)": (lambda: fit(loss=42), ("loss",), ("42",)),
        "fit(validation_data=X)": (lambda: fit(validation_data=X), ("validation_data",), ("pair",)),
        "fit(shuffle='no')": (lambda: fit(shuffle="no"), ("shuffle",), ("'no'",)),
        "fit(seed='a')": (lambda: fit(seed="a"), ("seed",), ("'a'",)),
        "fit(seed=1.5)": (lambda: fit(seed=1.5), ("seed",), ("1.5",)),
        "fit(progress='yes')": (lambda: fit(progress="yes"), ("progress",), ("'yes'",)),
        "fit(l1='a')": (lambda: fit(l1="a"), ("l1",), ("'a'",)),
        "fit(replay=1)": (lambda: fit(replay=1), ("replay",), ("1",)),
        "fit(model, None, y)": (lambda: quiet_fit(m(), None, y), ("fit", "X"), ("none", "shape ()")),
        "fit(model, 'abc', y)": (lambda: quiet_fit(m(), "abc", y), ("fit", "X"), ("'abc'", "abc", "shape")),
        "fit(model, [['a', 'b']], [0])": (lambda: quiet_fit(m(), [["a", "b"]], [0]), ("fit", "X"), ("'a'", "could not")),
        "fit with y one too short": (lambda: quiet_fit(m(), X, y[:-1]), ("y",), ("9 targets", "10 rows")),
        "fit with y as strings": (lambda: quiet_fit(m(), X, ["a"] * 10), ("y",), ("'a'",)),
        "fit with X 1-D": (lambda: quiet_fit(m(), X[:, 0], y), ("X",), ("shape", "(10,)")),
        "fit with X of 3 features": (lambda: quiet_fit(m(), np.zeros((10, 3)), y), ("X", "features"), ("3",)),
        "MLP(2, [3, 1], activation='ReLu')": (lambda: nn.MLP(2, [3, 1], activation="ReLu"), ("activation",), ("'relu'",)),
        "MLP('2', [3, 1])": (lambda: nn.MLP("2", [3, 1]), ("nin",), ("'2'",)),
        "MLP(2, [])": (lambda: nn.MLP(2, []), ("nouts",), ("[]", "empty", "at least one")),
        "MLP(2, 3) (an int for nouts)": (lambda: nn.MLP(2, 3, seed=0), ("nouts",), ("3",)),
        "MLP(2, [0])": (lambda: nn.MLP(2, [0]), ("nouts", "nout"), ("0",)),
        "MLP(2, [3.0])": (lambda: nn.MLP(2, [3.0]), ("nouts", "nout"), ("3.0", "float")),
        "Layer(2, 3, activation=5)": (lambda: nn.Layer(2, 3, activation=5), ("activation",), ("5", "int")),
        "Neuron(0)": (lambda: nn.Neuron(0), ("nin",), ("0",)),
        "Neuron(2, seed='a')": (lambda: nn.Neuron(2, seed="a"), ("seed",), ("'a'",)),
        "model(['a', 'b'])": (lambda: m()(["a", "b"]), ("input",), ("'a'",)),
        "model([1.0]) (one input of two)": (lambda: m()([1.0]), ("input",), ("1 input", "[1.0]")),
        "model.predict([1.0, 2.0]) (1-D)": (lambda: m().predict([1.0, 2.0]), ("predict", "X"), ("shape", "(2,)")),
        "nn.optim.SGD(model)": (lambda: nn.optim.SGD(m(), lr=0.1), ("SGD",), ("mlp", "parameters()")),
        "nn.optim.SGD(model.parameters) (not called)": (lambda: nn.optim.SGD(m().parameters, lr=0.1), ("SGD", "params"), ("method", "parameters")),
        "nn.optim.SGD([1.0, 2.0])": (lambda: nn.optim.SGD([1.0, 2.0], lr=0.1), ("SGD", "params"), ("1.0", "float")),
        "nn.optim.SGD([])": (lambda: nn.optim.SGD([], lr=0.1), ("SGD",), ("empty",)),
        "nn.optim.Adam(params, betas=0.9)": (lambda: nn.optim.Adam(m().parameters(), betas=0.9), ("betas",), ("0.9",)),
        "nn.optim.StepLR(optimizer, step_size='2')": (lambda: nn.optim.StepLR(nn.optim.SGD([Value(1.0)], lr=0.1), step_size="2"), ("step_size",), ("'2'",)),
        "nn.optim.StepLR('optimizer', 1)": (lambda: nn.optim.StepLR("optimizer", 1), ("StepLR", "optimizer"), ("'optimizer'", "str")),
        "mse_loss([1, 2], [1])": (lambda: nn.mse_loss([1.0, 2.0], [1.0]), ("mse_loss",), ("2", "1")),
        "cross_entropy([0, 0], 2) (class out of range)": (lambda: nn.cross_entropy([0.0, 0.0], 2), ("cross_entropy",), ("2",)),
        "cross_entropy([0, 0], 1.5)": (lambda: nn.cross_entropy([0.0, 0.0], 1.5), ("cross_entropy",), ("1.5",)),
        "get_activation('relu6')": (lambda: nn.get_activation("relu6"), ("activation",), ("'relu6'",)),
    }


def data_argument_cases() -> dict:
    ms = nn.model_selection
    X4, y4 = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    model = nn.MLP(2, [1], seed=0)
    return {
        "cross_validate(a model, not a factory)": (lambda: ms.cross_validate(model, X4, y4, cv=2, epochs=1), ("make_model",), ("mlp(2",)),
        "cross_validate(MLP) (a class needing arguments)": (lambda: ms.cross_validate(nn.MLP, X4, y4, cv=2, epochs=1), ("make_model",), ("nin",)),
        "cross_validate(cv=0)": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv=0), ("cv",), ("0",)),
        "cross_validate(cv=1.5)": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv=1.5), ("cv",), ("1.5",)),
        "cross_validate(cv='5')": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv="5"), ("cv",), ("'5'",)),
        "cross_validate(cv=[]) (no folds)": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv=[]), ("cv", "fold"), ("[]", "no folds", "no splits", "empty")),
        "cross_validate(cv=[([0.5], [1])]) (non-integer fold)": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv=[([0.5], [1])]), ("fold",), ("integers", "0.5")),
        "cross_validate(cv=100) (more folds than samples)": (lambda: ms.cross_validate(lambda: nn.MLP(2, [1]), X4, y4, cv=100, epochs=1), ("cv", "n_splits", "fold"), ("100",)),
        "KFold(0)": (lambda: ms.KFold(0), ("n_splits",), ("0",)),
        "KFold(1.5)": (lambda: ms.KFold(1.5), ("n_splits",), ("1.5",)),
        "KFold('3')": (lambda: ms.KFold("3"), ("n_splits",), ("'3'",)),
        "KFold(10).split(4 samples)": (lambda: list(ms.KFold(10).split(X4)), ("n_splits", "KFold"), ("10", "4")),
        "LeaveOneOut().split([])": (lambda: list(ms.LeaveOneOut().split([])), ("LeaveOneOut",), ("0", "no samples", "empty")),
        "train_test_split(test_size=1.5)": (lambda: ms.train_test_split(X4, test_size=1.5), ("test_size",), ("1.5",)),
        "train_test_split(test_size=0)": (lambda: ms.train_test_split(X4, test_size=0), ("test_size",), ("0",)),
        "train_test_split(test_size=-0.1)": (lambda: ms.train_test_split(X4, test_size=-0.1), ("test_size",), ("-0.1",)),
        "train_test_split(test_size='0.2')": (lambda: ms.train_test_split(X4, test_size="0.2"), ("test_size",), ("'0.2'",)),
        "train_test_split(test_size=nan)": (lambda: ms.train_test_split(X4, test_size=NAN), ("test_size",), ("nan",)),
        "make_moons('100')": (lambda: nn.data.make_moons("100"), ("n_samples",), ("'100'",)),
        "make_moons(-5)": (lambda: nn.data.make_moons(-5), ("n_samples",), ("-5",)),
        "make_moons(noise='0.1')": (lambda: nn.data.make_moons(10, noise="0.1"), ("noise",), ("'0.1'",)),
        "make_blobs(centers='3')": (lambda: nn.data.make_blobs(10, centers="3"), ("centers",), ("'3'",)),
        "make_blobs(centers=0)": (lambda: nn.data.make_blobs(10, centers=0), ("centers",), ("0",)),
        "load_digits(return_X_y='yes')": (lambda: nn.data.load_digits(return_X_y="yes"), ("return_X_y",), ("'yes'",)),
        "accuracy_score([1, 2], [1])": (lambda: nn.metrics.accuracy_score([1, 2], [1]), ("accuracy_score",), ("2", "1")),
        "confusion_matrix([], [])": (lambda: nn.metrics.confusion_matrix([], []), ("confusion_matrix",), ("empty", "no samples", "0")),
        "nn.load(123)": (lambda: nn.load(123), ("load", "path"), ("123", "int")),
        "nn.load(None)": (lambda: nn.load(None), ("load", "path"), ("none",)),
        "nn.load('missing.json')": (lambda: nn.load("missing.json"), ("load", "no such file"), ("missing.json",)),
        "nn.load('.') (a folder)": (lambda: nn.load("."), ("load", "directory"), ("'.'",)),
        "nn.load of a PNG file": (lambda: (Path("p.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100)), nn.load("p.png"))[1], ("load",), ("p.png",)),
        "nn.load of an empty file": (lambda: (Path("e.json").write_text(""), nn.load("e.json"))[1], ("load",), ("e.json",)),
        "nn.load of '{}'": (lambda: (Path("b.json").write_text("{}"), nn.load("b.json"))[1], ("load",), ("b.json",)),
    }


def valid_edge_cases() -> dict:
    """Inputs that look odd but have a right answer: name -> (call, right)."""
    X, y = moons(10)
    return {
        "fit(optimizer='Adam') (capital A)": (lambda: quiet_fit(nn.MLP(2, [2, 1], seed=0), X, y, optimizer="Adam", epochs=1), lambda h: len(h["loss"]) == 1),
        "fit(loss='MSE')": (lambda: quiet_fit(nn.MLP(2, [2, 1], seed=0), X, y, loss="MSE", epochs=1), lambda h: len(h["loss"]) == 1),
        "r2_score([1, 1], [1, 1]) (constant and perfect)": (lambda: nn.metrics.r2_score([1.0, 1.0], [1.0, 1.0]), lambda r: r == 1.0 or f"{r!r}"),
        "train_test_split(test_size=0.5) of 2 samples": (lambda: nn.model_selection.train_test_split(np.eye(2), test_size=0.5, seed=0), lambda parts: len(parts[0]) == 1),
        "autograd.sum of 8.9e307 twice": (lambda: autograd.sum([Value(8.9e307)] * 2), lambda v: v.data == 1.78e308),
    }


def add_message_cases() -> None:
    for label_name, label in HOSTILE_LABELS.items():
        for view in LABEL_VIEWS:
            add("messages", f"a label of {label_name}, {view}", label_case(label, view))
    for text_name, text in PLOT_TEXTS.items():
        for place in plot_places():
            add("messages", f"{text_name} as {place}", plot_case(place, text))
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    tables = (drawing_argument_cases(x, y), value_argument_cases(), model_argument_cases(),
              data_argument_cases())
    for table in tables:
        for name, (call, names, shows) in table.items():
            add("messages", name, lambda call=call, names=names, shows=shows: judge(call, None, names, shows))
    for name, (call, right) in valid_edge_cases().items():
        add("messages", f"valid: {name}", lambda call=call, right=right: judge(call, right, (), ()))


# == every kind ===========================================================================
KIND_CASES = {
    "save": add_save_cases,
    "threads": add_thread_cases,
    "replay": add_replay_cases,
    "inf_nan": add_inf_nan_cases,
    "graph": add_graph_cases,
    "state": add_state_cases,
    "size": add_size_cases,
    "messages": add_message_cases,
}


# == running each case in a child process, under a time limit ============================

def memory_limit(extra_bytes: int = 6 * 2**30) -> None:
    """Let a child grow by ``extra_bytes`` at most: a runaway case fails instead of the machine."""
    with open("/proc/self/status") as status:
        data_kb = next(int(line.split()[1]) for line in status if line.startswith("VmData"))
    limit = data_kb * 1024 + extra_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def child_main(case: Case, conn, run_dir: str) -> None:
    """Run one case in this (forked) process and send its Outcome back.

    Every file the case writes (its temporary folders too) lands in a folder of its own
    inside ``run_dir``, which the parent removes at the end."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)                       # the library's prints and progress bars
    os.dup2(devnull, 2)
    with contextlib.suppress(Exception):
        memory_limit()
    warnings.simplefilter("ignore")
    tempfile.tempdir = tempfile.mkdtemp(prefix="case-", dir=run_dir)
    os.chdir(tempfile.tempdir)
    try:
        outcome = case.run()
    except BaseException as error:             # a mistake in the probe, not in the library
        outcome = Outcome("probe error", error_text(error) + " | "
                          + traceback.format_exc().splitlines()[-3].strip())
    conn.send((outcome.outcome, outcome.detail[:2000]))
    conn.close()


@dataclass
class Result:
    kind: str
    name: str
    outcome: str
    detail: str
    seconds: float


def run_cases(cases: list[Case], jobs: int, timeout: float) -> list[Result]:
    """Run every case in a forked child, ``jobs`` at a time, then the heavy ones one at a
    time; a child past ``timeout`` is a hang.  Results come back in the order of ``cases``."""
    light = [i for i, c in enumerate(cases) if not c.heavy]
    heavy = [i for i, c in enumerate(cases) if c.heavy]
    results: list[Result | None] = [None] * len(cases)
    run_dir = tempfile.mkdtemp(prefix="chainrule-probe-")
    try:
        for indices, at_once in ((light, jobs), (heavy, 1)):
            batch = run_batch([cases[i] for i in indices], at_once, timeout, run_dir)
            for i, result in zip(indices, batch):
                results[i] = result
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return results


def run_batch(cases: list[Case], jobs: int, timeout: float, run_dir: str) -> list[Result]:
    context = multiprocessing.get_context("fork")
    pending = list(enumerate(cases))
    running = {}                              # sentinel -> (index, process, reader, start)
    results: list[Result | None] = [None] * len(cases)
    while pending or running:
        while pending and len(running) < jobs:
            index, case_ = pending.pop(0)
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=child_main, args=(case_, writer, run_dir), daemon=True)
            process.start()
            writer.close()
            running[process.sentinel] = (index, process, reader, time.monotonic())
        ready = multiprocessing.connection.wait(list(running), timeout=0.2)
        now = time.monotonic()
        for sentinel in list(running):
            index, process, reader, start = running[sentinel]
            late = now - start > timeout
            if sentinel not in ready and not late and not reader.poll():
                continue
            results[index] = finish(cases[index], process, reader, now - start, late, timeout)
            del running[sentinel]
    return results


def finish(case_: Case, process, reader, seconds: float, late: bool, timeout: float) -> Result:
    """The Result of one child: what it sent, or a hang, or a crash."""
    message = None
    if reader.poll():
        with contextlib.suppress(EOFError):
            message = reader.recv()
    if message is None and late:
        process.kill()
        process.join()
        outcome, detail = HANG, f"still running after {timeout:g} s"
    elif message is None:
        process.join()
        outcome, detail = UNHELPFUL, f"the process died (exit code {process.exitcode}) without a word"
    else:
        outcome, detail = message
        process.join(5)
        if process.is_alive():               # sent its result but a thread keeps it alive
            process.kill()
            process.join()
    reader.close()
    return Result(case_.kind, case_.name, outcome, detail, round(seconds, 3))


# == the report ==========================================================================

def print_table(results: list[Result]) -> None:
    columns = OUTCOMES + ["total"]
    extra = sorted({r.outcome for r in results} - set(OUTCOMES))   # 'probe error', if any
    columns = OUTCOMES + extra + ["total"]
    rows = []
    for kind, title in KINDS.items():
        mine = [r for r in results if r.kind == kind]
        if mine:
            rows.append([title] + [sum(r.outcome == c for r in mine) for c in columns[:-1]] + [len(mine)])
    rows.append(["total"] + [sum(r.outcome == c for r in results) for c in columns[:-1]] + [len(results)])
    width = max(len(row[0]) for row in rows)
    header = f"{'kind':<{width}}  " + "  ".join(f"{c:>12}" for c in columns)
    print(header)
    print("-" * len(header))
    for i, row in enumerate(rows):
        if i == len(rows) - 1:
            print("-" * len(header))
        print(f"{row[0]:<{width}}  " + "  ".join(f"{n:>12}" for n in row[1:]))


def print_problems(results: list[Result]) -> None:
    problems = [r for r in results if r.outcome not in (CLEAR, RIGHT)]
    print(f"\n{len(problems)} cases that are neither a clear error nor a right answer:\n")
    for r in problems:
        print(f"[{r.outcome}] {r.kind}: {r.name}\n    {r.detail[:300]}")
    refused = [r for r in results if r.outcome == CLEAR and r.detail.startswith(REFUSED_NOTE)]
    if refused:
        print(f"\nNoted: {len(refused)} clear errors for inputs that have a right answer:\n")
        for r in refused:
            print(f"[{r.outcome}] {r.kind}: {r.name}\n    {r.detail[len(REFUSED_NOTE):][:300]}")


def warm_up() -> None:
    """torch's first optimizer step and matplotlib's first figure take about a second each
    (lazy imports, the font cache): take them once here, before the children are forked,
    instead of once in every child.  torch runs on one thread, so that forking stays safe."""
    import io
    figure = nn.plots.plot_history({"loss": [1.0, 0.5]}, title="warm-up $x$")
    figure.savefig(io.BytesIO(), format="png", dpi=20)
    import matplotlib.pyplot as plt
    plt.close("all")
    if torch is None:
        return
    torch.set_num_threads(1)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    for kind in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        optimizer = getattr(torch.optim, kind)([p], lr=0.1)
        p.grad = torch.ones(1, dtype=torch.float64)
        optimizer.step()
    nn.MLP(2, [2, 1], seed=0).to_torch()


def register_all() -> None:
    for add_kind in KIND_CASES.values():
        add_kind()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=sorted(KINDS), help="run the cases of one kind only")
    parser.add_argument("--match", help="run only the cases whose name contains this text")
    parser.add_argument("--json", metavar="PATH", help="write every case's result to PATH")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds before a case counts as a hang (default 20)")
    args = parser.parse_args(argv)
    if args.kind:
        KIND_CASES[args.kind]()
    else:
        register_all()
    cases = [c for c in CASES if not args.match or args.match.lower() in c.name.lower()]
    start = time.monotonic()
    warm_up()
    results = run_cases(cases, max(1, args.jobs), args.timeout)
    elapsed = time.monotonic() - start
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([vars(r) for r in results], out, indent=1, ensure_ascii=False)
    print(f"chainrule hostile probe: {len(results)} cases, {elapsed:.0f} s "
          f"(--jobs {args.jobs}, --timeout {args.timeout:g} s"
          f"{', torch not installed: its cases skipped' if torch is None else ''})\n")
    print_table(results)
    print_problems(results)
    if args.json:
        print(f"\nper-case results written to {args.json}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        main()
    sys.exit(0)
