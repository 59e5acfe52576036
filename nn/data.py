"""Small data sets to train on: 2-D toy problems, a linear regression, iris and handwritten digits.

Every generator returns numpy arrays ``X`` (one row per sample, float64) and ``y``
(class labels 0..k-1 as int64, or real targets for regression), with the same
arguments as scikit-learn's ``make_*`` functions where one exists.  Randomness
comes only from ``seed``: the same seed gives the same data, every time.  Every
number a generator is given (a noise level, a centre, a weight) must be a real,
finite number: a NaN or an infinity would not fail, it would quietly fill the
data with NaN.  A size beyond what fits in memory (more than ``MAX_SAMPLES`` =
10**7 samples) is refused before anything is allocated, and an on/off switch
(``shuffle``, ``return_X_y``) takes only True or False.

Two real data sets ship with the package and are read without a download:
Fisher's iris (``load_iris``) and 1,797 handwritten digits as 8x8 images
(``load_digits``; ``show_digit`` draws one).

The toy problems are chosen to need a hidden layer: two interleaved half-moons,
two nested circles, spirals, and XOR are not linearly separable; blobs are.

>>> X, y = make_moons(n_samples=6, seed=0)
>>> X.shape, y.dtype.name, sorted(y.tolist())
((6, 2), 'int64', [0, 0, 0, 1, 1, 1])
"""
from __future__ import annotations

import csv
import gzip
import io
import math
import numbers
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import numpy as np

from nn.arguments import as_count, as_flag
from nn.plots import drawable_text
from nn.seeding import Seed, numpy_random

if TYPE_CHECKING:  # matplotlib is imported only when a digit is drawn, see show_digit
    from matplotlib.axes import Axes

__all__ = ["make_moons", "make_circles", "make_blobs", "make_spirals", "make_xor",
           "xor_truth_table", "make_linear_regression", "load_iris", "load_digits", "show_digit",
           "Dataset"]


#: The most samples a generator makes, and the most numbers (samples x features) its X
#: may hold.  The scalar engine builds a graph per sample, so it trains on hundreds to
#: thousands of them; 10**7 is a thousand times more than a lesson needs, and its X of 2
#: features already takes 160 MB of float64 (several times that while it is made).
#: Beyond that a request is almost always a slip (10**9 for 10**3) that would end in a
#: MemoryError or a machine swapping for minutes, so it is refused before anything is
#: allocated.  Someone who has the memory can raise the limit: ``nn.data.MAX_SAMPLES``.
MAX_SAMPLES = 10_000_000
MAX_VALUES = 2 * MAX_SAMPLES
#: The most classes (spiral arms, blob centres) a generator makes: each is made by a step
#: of a Python loop, and a lesson uses a handful.
MAX_CLASSES = 10_000


def _size_text(n: int) -> str:
    """A size for a message: 1,000,000,000, or 'about 10**100000' for an int too long to print."""
    return f"{n:,}" if n < 10 ** 18 else f"about 10**{int(math.log10(n))}"


def _check_size(n: int, d: int, where: str, what: str = "n_samples") -> None:
    """Refuse, before anything is allocated, n samples of d features beyond the limits above.

    >>> _check_size(10 ** 9, 2, 'make_moons')
    Traceback (most recent call last):
    ...
    ValueError: make_moons: n_samples must be at most 10,000,000, got 1,000,000,000 (X alone would take 16.0 GB); ...
    """
    if n > MAX_SAMPLES:
        size = f" (X alone would take {n * d * 8 / 1e9:,.1f} GB)" if n < 10 ** 18 else ""
        raise ValueError(f"{where}: {what} must be at most {MAX_SAMPLES:,}, got {_size_text(n)}"
                         f"{size}; the engine trains on a few thousand samples: ask for fewer "
                         "(or, if you have the memory, raise nn.data.MAX_SAMPLES)")
    if n * d > MAX_VALUES:
        raise ValueError(f"{where}: {what} x n_features must be at most {MAX_VALUES:,} numbers, "
                         f"got {_size_text(n)} x {_size_text(d)} = {_size_text(n * d)}; ask for a "
                         f"smaller {what} or n_features (or, if you have the memory, raise "
                         "nn.data.MAX_VALUES)")


def _class_count(value: Any, name: str, where: str, minimum: int = 1) -> int:
    """A number of classes (spiral arms, blob centres): a count of at most MAX_CLASSES."""
    k = as_count(value, name, where, minimum=minimum)
    if k > MAX_CLASSES:
        raise ValueError(f"{where}: {name} must be at most {MAX_CLASSES:,} classes, got "
                         f"{_size_text(k)}; a lesson uses a handful (or raise nn.data.MAX_CLASSES)")
    return k


def _finite_number(value: Any, name: str, where: str) -> float:
    """``value`` as a float; a bool, a string or a NaN or infinity refused with a clear error."""
    # A bool is an int to Python, but noise=True is a flag in the wrong place, not 1.0;
    # a string such as '0.1' would pass float() and hide the same kind of slip.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{where}: {name} must be a finite number, got {number!r}")
    return number


def _finite_array(values: Any, name: str, where: str) -> np.ndarray:
    """``values`` (a number or nested lists of them) as a float64 array, each entry checked
    like :func:`_finite_number`."""
    entries = np.asarray(values, dtype=object)
    for entry in entries.ravel():
        if isinstance(entry, (bool, np.bool_)) or not isinstance(entry, numbers.Real):
            raise TypeError(f"{where}: {name} must hold numbers only, got "
                            f"{type(entry).__name__} {entry!r}")
    array = entries.astype(np.float64)
    if not np.all(np.isfinite(array)):
        bad = float(array[~np.isfinite(array)][0])
        raise ValueError(f"{where}: {name} must hold finite numbers only, got {bad!r}")
    return array


def _check_noise(noise: Any, where: str) -> float:
    noise = 0.0 if noise is None else _finite_number(noise, "noise", where)
    if noise < 0.0:
        raise ValueError(f"{where}: noise is a standard deviation and must be >= 0, got {noise!r}")
    return noise


def _group_sizes(n: int, k: int) -> list[int]:
    """n split into k groups as evenly as possible, the first ones one larger."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _check_overflow(values: np.ndarray, what: str, where: str) -> None:
    # Finite settings can still overflow: a noise or spread near 1e308 draws infinities.
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{where}: {what} overflowed to infinity; the noise or spread is too "
                         "large for float64 numbers, choose a smaller one")


def _finish(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator,
            shuffle: bool, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Add Gaussian noise to X, then shuffle the rows (X and y together)."""
    if noise:
        with np.errstate(over="ignore", invalid="ignore"):   # reported just below, by name
            X = X + rng.normal(scale=noise, size=X.shape)
    _check_overflow(X, "X", where)
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return X.astype(np.float64), y.astype(np.int64)


def make_moons(n_samples: int = 100, noise: Optional[float] = None, seed: Seed = None,
               shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on top, class 1 below and shifted right.

    Without noise, class 0 lies on the upper half of the unit circle and class 1 on
    the lower half of a unit circle centred at (1, 0.5).  ``noise`` is the standard
    deviation of Gaussian noise added to each coordinate.

    >>> X, y = make_moons(4, shuffle=False)
    >>> X.round(2).tolist(), y.tolist()
    ([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [2.0, 0.5]], [0, 0, 1, 1])
    """
    where = "make_moons"
    n = as_count(n_samples, "n_samples", where)
    _check_size(n, 2, where)
    shuffle = as_flag(shuffle, "shuffle", where)
    noise, rng = _check_noise(noise, where), numpy_random(seed, where)
    n_top, n_bottom = n // 2, n - n // 2
    t_top, t_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n_bottom)
    top = np.column_stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.column_stack([1.0 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    y = np.repeat([0, 1], [n_top, n_bottom])
    return _finish(np.vstack([top, bottom]), y, noise, rng, shuffle, where)


def make_circles(n_samples: int = 100, noise: Optional[float] = None, factor: float = 0.8,
                 seed: Seed = None, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    >>> X, y = make_circles(8, factor=0.5, seed=0)
    >>> sorted(np.hypot(X[:, 0], X[:, 1]).round(6).tolist()) == [0.5] * 4 + [1.0] * 4
    True
    """
    where = "make_circles"
    n = as_count(n_samples, "n_samples", where)
    _check_size(n, 2, where)
    shuffle = as_flag(shuffle, "shuffle", where)
    factor = _finite_number(factor, "factor", where)
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"{where}: factor (inner radius / outer radius) must be in [0, 1), "
                         f"got {factor!r}")
    noise, rng = _check_noise(noise, where), numpy_random(seed, where)
    n_outer, n_inner = n // 2, n - n // 2
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(np.vstack([outer, inner]), y, noise, rng, shuffle, where)


def make_blobs(n_samples: int = 100, centers: Union[int, Sequence, np.ndarray] = 3,
               n_features: int = 2,
               cluster_std: Union[float, Sequence[float]] = 1.0,
               center_box: tuple[float, float] = (-10.0, 10.0), seed: Seed = None,
               shuffle: bool = True, return_centers: bool = False) -> tuple:
    """Gaussian clusters, one per class: linearly separable when they are far apart.

    ``centers`` is a number of clusters (their centres drawn uniformly from
    ``center_box`` in every dimension) or an array of centres, one row each.
    ``cluster_std`` is one standard deviation, or one per cluster.  Samples are
    split between clusters as evenly as possible.  With ``return_centers=True`` the
    centres are returned as a third value.

    >>> X, y = make_blobs(n_samples=10, centers=[[0, 0], [5, 5]], cluster_std=0.1, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((10, 2), [5, 5])
    """
    where = "make_blobs"
    n = as_count(n_samples, "n_samples", where)
    shuffle = as_flag(shuffle, "shuffle", where)
    return_centers = as_flag(return_centers, "return_centers", where)
    rng = numpy_random(seed, where)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _class_count(centers, "centers", where)
        d = as_count(n_features, "n_features", where)
        _check_size(n, d, where)
        _check_size(k, d, where, what="centers")
        box = _finite_array(center_box, "center_box", where)
        if box.shape != (2,) or box[0] > box[1]:
            raise ValueError(f"{where}: center_box must be a pair (low, high) with low <= high, "
                             f"got {center_box!r}")
        center_array = rng.uniform(box[0], box[1], size=(k, d))
    else:
        center_array = np.atleast_2d(_finite_array(centers, "centers", where))
        if center_array.ndim != 2 or center_array.size == 0:
            raise ValueError(f"{where}: centers must be an int or a 2-D array of centres, "
                             f"got shape {np.shape(centers)}")
        k, d = center_array.shape
        _class_count(k, "centers", where)
        _check_size(n, d, where)
    stds = _finite_array(cluster_std, "cluster_std", where)
    if stds.ndim == 0:
        stds = np.full(k, float(stds))
    elif stds.shape != (k,):
        raise ValueError(f"{where}: cluster_std has {stds.size} values for {k} centres; "
                         "give one, or one per centre")
    if np.any(stds < 0):
        raise ValueError(f"{where}: cluster_std must be >= 0, got {cluster_std!r}")
    sizes = _group_sizes(n, k)
    X = np.vstack([rng.normal(center_array[j], stds[j], size=(sizes[j], d)) for j in range(k)])
    y = np.repeat(np.arange(k), sizes)
    X, y = _finish(X, y, 0.0, rng, shuffle, where)
    return (X, y, center_array) if return_centers else (X, y)


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: Seed = None, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` spiral arms winding out from the origin, one class per arm.

    Along each arm the radius r grows from 0 to 1 while the angle turns 4 radians;
    arm j starts at angle 2πj/n_classes.  ``noise`` is the standard deviation of
    Gaussian noise added to the angle (in radians), so the arms blur more far out.

    >>> X, y = make_spirals(n_samples=9, n_classes=3, noise=0.0, shuffle=False)
    >>> np.hypot(X[:, 0], X[:, 1]).round(2).tolist()[:3], y.tolist()
    ([0.0, 0.5, 1.0], [0, 0, 0, 1, 1, 1, 2, 2, 2])
    """
    where = "make_spirals"
    n = as_count(n_samples, "n_samples", where)
    _check_size(n, 2, where)
    k = _class_count(n_classes, "n_classes", where, minimum=2)
    shuffle = as_flag(shuffle, "shuffle", where)
    noise, rng = _check_noise(noise, where), numpy_random(seed, where)
    arms = []
    for j, size in enumerate(_group_sizes(n, k)):
        r = np.linspace(0.0, 1.0, size)
        angle = 2 * np.pi * j / k + 4.0 * r + rng.normal(scale=noise, size=size)
        arms.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
    y = np.repeat(np.arange(k), _group_sizes(n, k))
    return _finish(np.vstack(arms), y, 0.0, rng, shuffle, where)


XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def make_xor(n_samples: int = 200, noise: float = 0.1, seed: Seed = None,
             shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Points around the corners of the unit square, labelled x1 XOR x2.

    Sample i sits at corner i mod 4 -- (0,0), (0,1), (1,0), (1,1) -- plus Gaussian
    noise; its label is 1 where exactly one coordinate of its corner is 1.  The
    smallest problem a single neuron cannot solve.  ``make_xor(4, noise=0,
    shuffle=False)`` is the truth table itself (see :func:`xor_truth_table`).

    >>> X, y = make_xor(8, noise=0.05, seed=0)
    >>> X.shape, sorted(y.tolist())
    ((8, 2), [0, 0, 0, 0, 1, 1, 1, 1])
    """
    where = "make_xor"
    n = as_count(n_samples, "n_samples", where)
    _check_size(n, 2, where)
    shuffle = as_flag(shuffle, "shuffle", where)
    noise, rng = _check_noise(noise, where), numpy_random(seed, where)
    corners = XOR_CORNERS[np.arange(n) % 4]
    y = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return _finish(corners.copy(), y, noise, rng, shuffle, where)


def xor_truth_table() -> tuple[np.ndarray, np.ndarray]:
    """The four rows of XOR: X = (0,0), (0,1), (1,0), (1,1) and y = 0, 1, 1, 0.

    >>> X, y = xor_truth_table()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    return make_xor(4, noise=0.0, shuffle=False)


def make_linear_regression(n_samples: int = 100, n_features: int = 1, noise: float = 0.0,
                           seed: Seed = None, weights: Optional[Sequence[float]] = None,
                           bias: Optional[float] = None
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Data from a known line (or plane): y = X @ w + b + noise.

    Returns ``X, y, w, b`` so a fitted model can be compared with the truth.  X is
    standard normal; unless given, w is drawn uniformly from [-2, 2] per feature and
    b from [-1, 1]; ``noise`` is the standard deviation of Gaussian noise on y.

    >>> X, y, w, b = make_linear_regression(5, n_features=2, seed=0)
    >>> np.allclose(y, X @ w + b), X.shape, y.shape, w.shape
    (True, (5, 2), (5,), (2,))
    """
    where = "make_linear_regression"
    n = as_count(n_samples, "n_samples", where)
    d = as_count(n_features, "n_features", where)
    _check_size(n, d, where)
    noise, rng = _check_noise(noise, where), numpy_random(seed, where)
    X = rng.normal(size=(n, d))
    if weights is None:
        w = rng.uniform(-2.0, 2.0, size=d)
    else:
        w = _finite_array(weights, "weights", where).reshape(-1)
        if w.shape != (d,):
            raise ValueError(f"{where}: {w.size} weights for n_features={d}; give one per feature")
    b = float(rng.uniform(-1.0, 1.0)) if bias is None else _finite_number(bias, "bias", where)
    with np.errstate(over="ignore", invalid="ignore"):   # reported just below, by name
        y = X @ w + b
        if noise:
            y = y + rng.normal(scale=noise, size=n)
    _check_overflow(y, "y", where)
    return X, y, w, b


# ---------------------------------------------------------------------------
# Iris

@dataclass(frozen=True)
class Dataset:
    """A loaded data set: ``data`` (n, d), ``target`` (n,), and names for both.

    ``images`` is the same data as pictures, for a set of images (the digits:
    shape (n, 8, 8)), and None otherwise.

    >>> load_digits()
    Dataset(1797 samples, features=['pixel_0_0', 'pixel_0_1', ..., 'pixel_7_7'] (64), classes=['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    description: str = ""
    images: Optional[np.ndarray] = None

    def __repr__(self) -> str:
        names = self.feature_names
        if len(names) > 8:   # 64 pixel names would fill the screen
            features = f"[{names[0]!r}, {names[1]!r}, ..., {names[-1]!r}] ({len(names)})"
        else:
            features = repr(names)
        return (f"Dataset({self.data.shape[0]} samples, features={features}, "
                f"classes={self.target_names})")


IRIS_FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                      "petal width (cm)"]
IRIS_TARGET_NAMES = ["setosa", "versicolor", "virginica"]
_IRIS_DESCRIPTION = (
    "Fisher's iris data (1936), measured by Edgar Anderson: 150 iris flowers, 50 of each "
    "of three species (setosa, versicolor, virginica), four measurements each in cm. "
    "Setosa is linearly separable from the other two; versicolor and virginica overlap.")


def load_iris(return_X_y: bool = False) -> Union[Dataset, tuple[np.ndarray, np.ndarray]]:
    """Fisher's iris data: 150 flowers x 4 measurements (cm), 3 species (0, 1, 2).

    Read from ``nn/datasets/iris.csv``, shipped with the package.  Returns a
    :class:`Dataset` (``data``, ``target``, ``feature_names``, ``target_names``), or
    ``(X, y)`` with ``return_X_y=True``, as in scikit-learn.  Rows are sorted by
    species, so shuffle before splitting (``train_test_split`` does).

    >>> X, y = load_iris(return_X_y=True)
    >>> X.shape, np.bincount(y).tolist()
    ((150, 4), [50, 50, 50])
    """
    return_X_y = as_flag(return_X_y, "return_X_y", "load_iris")
    text = resources.files("nn.datasets").joinpath("iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], [row for row in rows[1:] if row]
    if header[-1] != "species" or len(header) != 5:
        raise ValueError(f"load_iris: iris.csv has an unexpected header {header}")
    X = np.array([[float(v) for v in row[:4]] for row in rows], dtype=np.float64)
    y = np.array([IRIS_TARGET_NAMES.index(row[4]) for row in rows], dtype=np.int64)
    if return_X_y:
        return X, y
    return Dataset(X, y, list(IRIS_FEATURE_NAMES), list(IRIS_TARGET_NAMES), _IRIS_DESCRIPTION)


# ---------------------------------------------------------------------------
# Handwritten digits

DIGIT_SIDE = 8          # each image is 8 x 8 pixels
DIGIT_MAX_PIXEL = 16    # a pixel counts the inked dots of a 4 x 4 block: 0..16
DIGIT_FEATURE_NAMES = [f"pixel_{row}_{col}" for row in range(DIGIT_SIDE) for col in range(DIGIT_SIDE)]
DIGIT_TARGET_NAMES = [str(digit) for digit in range(10)]
_DIGITS_DESCRIPTION = (
    "Optical Recognition of Handwritten Digits, the test set (1,797 images): E. Alpaydin and "
    "C. Kaynak (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, "
    "licensed CC BY 4.0; copied from scikit-learn's digits.csv.gz.  Digits written by 13 people "
    "on a form were scanned at 32x32 and each 4x4 block's dots were counted: an 8x8 image of "
    "integers 0..16.  Labels 0..9, about 180 of each.  See nn/datasets/README.md.")


def load_digits(return_X_y: bool = False) -> Union[Dataset, tuple[np.ndarray, np.ndarray]]:
    """1,797 handwritten digits: 8x8 images of pixel values 0..16, labels 0..9.

    Read from ``nn/datasets/digits.csv.gz``, shipped with the package (the UCI
    "Optical Recognition of Handwritten Digits" test set, CC BY 4.0; source and
    citation in ``nn/datasets/README.md``).  Returns a :class:`Dataset` whose
    ``data`` has one row of 64 pixels per image (row by row, top left first),
    ``images`` the same as (1797, 8, 8), and ``target`` the digit; or ``(X, y)``
    with ``return_X_y=True``, as in scikit-learn.  Divide by 16 to bring the
    pixels to [0, 1] before training.

    >>> X, y = load_digits(return_X_y=True)
    >>> X.shape, float(X.min()), float(X.max()), y[:10].tolist()
    ((1797, 64), 0.0, 16.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    return_X_y = as_flag(return_X_y, "return_X_y", "load_digits")
    packed = resources.files("nn.datasets").joinpath("digits.csv.gz").read_bytes()
    lines = gzip.decompress(packed).decode("ascii").splitlines()
    header = lines[0].split(",")
    if header != DIGIT_FEATURE_NAMES + ["digit"]:
        raise ValueError(f"load_digits: digits.csv.gz has an unexpected header {header[:3]}...; "
                         "the file in nn/datasets/ is damaged, reinstall the package")
    table = np.loadtxt(lines[1:], delimiter=",", dtype=np.int64, ndmin=2)
    X = table[:, :-1].astype(np.float64)
    y = table[:, -1]
    if return_X_y:
        return X, y
    images = X.reshape(-1, DIGIT_SIDE, DIGIT_SIDE)
    return Dataset(X, y, list(DIGIT_FEATURE_NAMES), list(DIGIT_TARGET_NAMES), _DIGITS_DESCRIPTION,
                   images=images)


def show_digit(image: Any, ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """Draw one digit, ink black on white paper; returns the matplotlib Axes.

    ``image`` is 64 pixel values (a row of ``load_digits().data``) or an 8x8
    array.  The grey scale runs from 0 (white) to 16, or to 1 when no pixel is
    above 1 (an image already divided by 16).  ``ax`` draws into an existing Axes
    (one cell of a grid of digits); without it a small figure is made.

    >>> digits = load_digits()
    >>> ax = show_digit(digits.images[0], title=f"label {digits.target[0]}")
    >>> ax.get_title(), ax.images[0].get_array().shape
    ('label 0', (8, 8))
    """
    where = "show_digit"
    pixels = _finite_array(image, "image", where)
    if pixels.size != DIGIT_SIDE * DIGIT_SIDE:
        raise ValueError(f"{where}: a digit is {DIGIT_SIDE}x{DIGIT_SIDE} = "
                         f"{DIGIT_SIDE * DIGIT_SIDE} pixels, got an array of shape {pixels.shape}")
    if pixels.min() < 0:
        raise ValueError(f"{where}: pixel values are 0..{DIGIT_MAX_PIXEL} (or 0..1), got "
                         f"{float(pixels.min())!r}; to draw numbers of both signs, such as weights, use "
                         "ax.imshow(values.reshape(8, 8), cmap='RdBu_r')")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(1.6, 1.6))
    brightest = DIGIT_MAX_PIXEL if pixels.max() > 1.0 else 1.0
    ax.imshow(pixels.reshape(DIGIT_SIDE, DIGIT_SIDE), cmap="gray_r", vmin=0.0, vmax=brightest,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:   # escaped as every plot title is: '$x^$' is drawn as written
        ax.set_title(drawable_text(title), fontsize=9)
    return ax
