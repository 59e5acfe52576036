"""Hostile input to files, data sets and flags: every mistake is refused by name, nothing is lost.

One group per defect the hostile probe (``scripts/hostile_probe.py``) found:

* a save whose write fails and whose clean-up fails too keeps the real cause;
* ``save`` and ``load`` refuse an empty path, a NUL byte and anything that is not a
  path by name, and take a bytes path as the file it names;
* ``load_state_dict`` names the key of an int too large for a float;
* the data-set makers refuse a size beyond what fits in memory before allocating;
* an on/off switch (``return_X_y``, ``shuffle``, ``strict``, ...) takes only True or False;
* ``show_digit``'s title is escaped like every other plot title.
"""
from __future__ import annotations

import errno
import io
import json
import os
import re

import numpy as np
import pytest

import nn
from nn import MLP, Neuron
from nn import data
from nn.plots import drawable_text


def saved_model(tmp_path, seed: int = 0):
    """A model saved to tmp_path/model.json: the model and the path."""
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=seed)
    model.save(path)
    return model, path


def assert_still_loads(path, model) -> None:
    assert nn.load(path).state_dict() == model.state_dict()


# -- 1. a failed save whose clean-up fails too ----------------------------------------------

class HalfWrittenFile:
    """A file whose write puts out half the text, then raises ``error`` (a full disk)."""

    def __init__(self, file, error: BaseException):
        self.file, self.error = file, error

    def write(self, text):
        self.file.write(text[:len(text) // 2])
        self.file.flush()
        raise self.error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()
        return False


@pytest.mark.parametrize("cause", [OSError(errno.ENOSPC, "No space left on device (injected)"),
                                   KeyboardInterrupt("interrupted (injected)")],
                         ids=["disk full", "KeyboardInterrupt"])
def test_a_save_whose_clean_up_fails_too_raises_the_real_cause(tmp_path, monkeypatch, cause):
    old, path = saved_model(tmp_path)
    real_fdopen = os.fdopen

    def unlink_fails(name, *args, **kwargs):
        raise OSError(errno.EIO, "unlink failed (injected)")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWrittenFile(real_fdopen(fd, *a, **k), cause))
    monkeypatch.setattr(os, "unlink", unlink_fails)
    with pytest.raises(type(cause), match=re.escape(str(cause.args[-1]))) as raised:
        MLP(2, [3, 1], seed=1).save(path)
    monkeypatch.undo()
    assert raised.value is cause                     # the disk that is full, not the unlink
    note = " ".join(getattr(raised.value, "__notes__", []))
    assert "could not be removed" in note and "unlink failed (injected)" in note
    leftover = sorted(p.name for p in tmp_path.iterdir() if p.name != "model.json")
    assert len(leftover) == 1 and leftover[0] in note   # the note names the file left behind
    assert_still_loads(path, old)


# -- 2. paths: empty, NUL, bytes --------------------------------------------------------------

def test_save_refuses_the_empty_path_and_writes_nothing_anywhere(tmp_path, monkeypatch):
    old, path = saved_model(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(ValueError, match=r"save: path is the empty string ''; give a file name"):
        MLP(2, [3, 1], seed=1).save("")
    # os.path.abspath('') is the working folder: its parent (tmp_path) must get no temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "work"]
    assert list(work.iterdir()) == []
    assert_still_loads(path, old)


def test_save_refuses_a_nul_byte_naming_the_path(tmp_path):
    old, path = saved_model(tmp_path)
    bad = os.path.join(tmp_path, "a\0b.json")
    with pytest.raises(ValueError, match=r"save: path '.*a\\x00b\.json' contains a NUL byte"):
        MLP(2, [3, 1], seed=1).save(bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
    assert_still_loads(path, old)


def test_a_bytes_path_names_the_same_file_for_save_and_load(tmp_path):
    old, path = saved_model(tmp_path)
    new = MLP(2, [3, 1], seed=1)
    new.save(os.fsencode(path))                      # over the earlier file, by its bytes name
    assert nn.load(os.fsencode(path)).state_dict() == new.state_dict()
    assert nn.load(path).state_dict() == new.state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


@pytest.mark.parametrize("bad, shown", [(123, "int 123"), (None, "NoneType None"),
                                        (1.5, "float 1.5"), (True, "bool True"),
                                        (["m.json"], "list ['m.json']")])
def test_load_refuses_what_is_not_a_path_as_save_does(bad, shown):
    with pytest.raises(TypeError, match=re.escape(f"load: path must be a file name, got {shown}")):
        nn.load(bad)
    with pytest.raises(TypeError, match=re.escape(f"save: path must be a file name, got {shown}")):
        Neuron(1).save(bad)


@pytest.mark.parametrize("bad, message", [("", r"load: path is the empty string ''"),
                                          (b"", r"load: path is the empty string ''"),
                                          ("m\0.json", r"load: path 'm\\x00\.json' contains a NUL byte")])
def test_load_refuses_an_empty_path_and_a_nul_byte(bad, message):
    with pytest.raises(ValueError, match=message):
        nn.load(bad)


# -- 4. a weight of 10**400 -------------------------------------------------------------------

def test_load_state_dict_names_the_key_of_an_int_too_large_for_a_float():
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = dict(before, **{"layers.1.neurons.0.b": 10 ** 400})
    with pytest.raises(ValueError, match=r"load_state_dict of MLP: the value for "
                                         r"'layers\.1\.neurons\.0\.b': an int of about 10\*\*400 "
                                         r"is too large for a float"):
        model.load_state_dict(state)
    assert model.state_dict() == before              # all or nothing


def test_load_names_the_weight_of_a_file_holding_an_int_too_large_for_a_float(tmp_path):
    old, path = saved_model(tmp_path)
    document = json.loads(path.read_text())
    document["weights"]["layers.0.neurons.0.w.0"] = 10 ** 400   # JSON writes it as 401 digits
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"load: .*model\.json.*the value for "
                                         r"'layers\.0\.neurons\.0\.w\.0': an int of about 10\*\*400"):
        nn.load(path)


# -- 5. sizes beyond the memory --------------------------------------------------------------

@pytest.fixture
def memory_cap():
    """At most 2 GB more address space during the test: should a size check be lost, the
    allocation it guarded fails at once with MemoryError (and the test fails on its message)
    instead of filling the machine's memory."""
    try:
        import resource
    except ImportError:          # not on Linux or macOS: run uncapped
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:      # the first number: pages of address space
        in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = in_use + 2 * 1024 ** 3
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("make, n", [(data.make_moons, 10 ** 9), (data.make_circles, 10 ** 9),
                                     (data.make_spirals, 10 ** 9), (data.make_blobs, 10 ** 10),
                                     (data.make_xor, 10 ** 9), (data.make_linear_regression, 10 ** 9)],
                         ids=lambda x: getattr(x, "__name__", str(x)))
def test_dataset_makers_refuse_a_size_beyond_the_limit_before_allocating(make, n, memory_cap):
    with pytest.raises(ValueError, match=rf"{make.__name__}: n_samples must be at most 10,000,000, "
                                         rf"got {n:,} \(X alone would take .* GB\); .*ask for fewer "
                                         r".*nn\.data\.MAX_SAMPLES"):
        make(n)


def test_an_int_too_long_to_print_is_refused_by_its_size(memory_cap):
    with pytest.raises(ValueError, match=r"make_moons: n_samples must be at most 10,000,000, "
                                         r"got about 10\*\*100000"):
        data.make_moons(10 ** 10 ** 5)


@pytest.mark.parametrize("call, message", [
    (lambda: data.make_blobs(10, n_features=10 ** 8), r"make_blobs: n_samples x n_features must be "
                                                       r"at most 20,000,000 numbers, got 10 x 100,000,000"),
    (lambda: data.make_blobs(1, centers=100, n_features=10 ** 6), r"make_blobs: centers x n_features"),
    (lambda: data.make_blobs(10, centers=10 ** 9), r"make_blobs: centers must be at most 10,000 "
                                                    r"classes, got 1,000,000,000"),
    (lambda: data.make_spirals(10, n_classes=10 ** 9), r"make_spirals: n_classes must be at most "
                                                        r"10,000 classes, got 1,000,000,000"),
    (lambda: data.make_linear_regression(10, n_features=10 ** 8), r"make_linear_regression: "
                                                                   r"n_samples x n_features"),
], ids=["blobs n_features", "blobs centers x n_features", "blobs centers", "spirals n_classes",
        "linear_regression n_features"])
def test_features_and_classes_beyond_the_limit_are_refused(call, message, memory_cap):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_size_limit_is_read_when_called_so_it_can_be_raised(monkeypatch):
    monkeypatch.setattr(data, "MAX_SAMPLES", 100)
    assert data.make_moons(100, seed=0)[0].shape == (100, 2)
    with pytest.raises(ValueError, match="make_moons: n_samples must be at most 100, got 101"):
        data.make_moons(101, seed=0)


# -- 6. flags -------------------------------------------------------------------------------

FLAG_CALLS = {
    "load_digits return_X_y": (lambda v: data.load_digits(return_X_y=v), "load_digits: return_X_y"),
    "load_iris return_X_y": (lambda v: data.load_iris(return_X_y=v), "load_iris: return_X_y"),
    "make_moons shuffle": (lambda v: data.make_moons(6, shuffle=v), "make_moons: shuffle"),
    "make_circles shuffle": (lambda v: data.make_circles(6, shuffle=v), "make_circles: shuffle"),
    "make_blobs shuffle": (lambda v: data.make_blobs(6, shuffle=v), "make_blobs: shuffle"),
    "make_blobs return_centers": (lambda v: data.make_blobs(6, return_centers=v),
                                  "make_blobs: return_centers"),
    "make_spirals shuffle": (lambda v: data.make_spirals(6, shuffle=v), "make_spirals: shuffle"),
    "make_xor shuffle": (lambda v: data.make_xor(6, shuffle=v), "make_xor: shuffle"),
    "load_state_dict strict": (lambda v: Neuron(1).load_state_dict({"w.0": 1.0, "b": 0.0}, strict=v),
                               "load_state_dict of Neuron: strict"),
}


@pytest.mark.parametrize("name", sorted(FLAG_CALLS))
@pytest.mark.parametrize("value, shown", [("yes", "str 'yes'"), ("no", "str 'no'"), (1, "int 1"),
                                          (None, "NoneType None")])
def test_a_flag_takes_only_true_or_false(name, value, shown):
    call, where = FLAG_CALLS[name]
    with pytest.raises(TypeError, match=re.escape(f"{where} must be True or False, got {shown}")):
        call(value)
    call(True)
    call(np.False_)                                  # numpy's bools are bools


def test_plot_weights_annotate_takes_true_false_or_none():
    with pytest.raises(TypeError, match=r"plot_weights: annotate must be True, False or None .*"
                                        r"got str 'no'"):
        nn.plots.plot_weights(MLP(2, [2, 1], seed=0), annotate="no")
    assert not nn.plots.plot_weights(MLP(2, [2, 1], seed=0), annotate=False).axes[0].texts
    assert nn.plots.plot_weights(MLP(2, [2, 1], seed=0), annotate=None).axes[0].texts


# -- 7. show_digit's title -----------------------------------------------------------------------

@pytest.mark.parametrize("title", ["$x^$", r"$\frac{$", "$$", "\ud800", "a\ud800b$x^$"])
def test_show_digit_draws_a_title_matplotlib_cannot_parse_as_written(title):
    ax = data.show_digit(np.zeros((8, 8)), title=title)
    ax.figure.savefig(io.BytesIO(), format="png", dpi=20)   # a bad title raises only when drawn
    assert ax.get_title() == drawable_text(title) != title


def test_show_digit_keeps_valid_mathtext_and_plain_titles():
    assert data.show_digit(np.zeros(64), title="$x^2$").get_title() == "$x^2$"
    assert data.show_digit(np.zeros(64), title="label 7").get_title() == "label 7"
