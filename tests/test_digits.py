"""The handwritten digits: the UCI test set as documented, shipped with the package, drawable."""
import fnmatch
import tomllib
from importlib import resources
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from nn.data import Dataset, load_digits, show_digit

ROOT = Path(__file__).resolve().parents[1]
# The class counts UCI publishes for the test set (optdigits.tes), digits 0 to 9.
UCI_TEST_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_digits_are_the_uci_test_set(digits):
    X, y = digits.data, digits.target
    assert isinstance(digits, Dataset)
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert np.all(X == np.round(X)) and X.min() == 0 and X.max() == 16
    assert np.bincount(y).tolist() == UCI_TEST_COUNTS
    assert digits.target_names == [str(d) for d in range(10)]
    assert digits.feature_names[:2] == ["pixel_0_0", "pixel_0_1"] and len(digits.feature_names) == 64


def test_return_X_y_gives_the_same_numbers(digits):
    X, y = load_digits(return_X_y=True)
    assert np.array_equal(X, digits.data) and np.array_equal(y, digits.target)


def test_images_are_the_rows_read_row_by_row(digits):
    assert digits.images.shape == (1797, 8, 8)
    assert np.array_equal(digits.images[5, 2, 3], digits.data[5, 2 * 8 + 3])
    assert np.array_equal(digits.images.reshape(1797, 64), digits.data)


def test_the_pictures_look_like_their_labels(digits):
    mean = {d: digits.images[digits.target == d].mean(axis=0) for d in range(10)}
    # A zero is a ring: ink around the middle, almost none in it.
    assert mean[0][3:5, 3:5].mean() < 1.0 and mean[0][3:5, 2].mean() > 10
    # A one is a stroke down the middle.
    assert mean[1][1:7, 3:5].mean() > 10
    # Labels belong to their pictures: the nearest class mean names most digits right
    # (a shuffled label column would give about 10%).
    centres = np.array([mean[d].ravel() for d in range(10)])
    distances = ((digits.data[:, None, :] - centres[None]) ** 2).sum(axis=2)
    assert np.mean(distances.argmin(axis=1) == digits.target) > 0.85


def test_the_file_has_the_fingerprint_of_scikit_learns_copy(digits):
    # Measured on sklearn/datasets/data/digits.csv.gz when the file was made: a column
    # shifted, a row lost or the images transposed would change one of these.
    blank = [digits.feature_names[j] for j in np.flatnonzero(digits.data.max(axis=0) == 0)]
    assert blank == ["pixel_0_0", "pixel_4_0", "pixel_4_7"]
    assert digits.data.sum() == 561_718
    assert digits.data[0].reshape(8, 8)[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_the_file_ships_as_package_data_with_its_licence():
    shipped = resources.files("nn.datasets")
    assert shipped.joinpath("digits.csv.gz").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["nn"]
    for name in ("datasets/digits.csv.gz", "datasets/README.md"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in package_data), name
    readme = shipped.joinpath("README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "10.24432/C50P49" in readme and "Alpaydin" in readme
    assert "CC BY 4.0" in load_digits().description


def test_the_file_is_compact():
    assert (ROOT / "nn" / "datasets" / "digits.csv.gz").stat().st_size < 100_000


def test_repr_abbreviates_the_64_pixel_names(digits):
    text = repr(digits)
    assert text.startswith("Dataset(1797 samples") and "'pixel_0_1', ..., 'pixel_7_7'] (64)" in text


# -- show_digit ------------------------------------------------------------------------

@pytest.fixture
def axes():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_show_digit_draws_ink_black_on_a_scale_of_16(digits, axes):
    show_digit(digits.data[0], ax=axes, title="0")
    image = axes.images[0]
    assert image.get_array().shape == (8, 8)
    assert np.array_equal(image.get_array(), digits.images[0])
    assert image.get_clim() == (0.0, 16.0) and image.get_cmap().name == "gray_r"
    assert axes.get_title() == "0"


def test_show_digit_scales_to_one_for_images_divided_by_16(digits, axes):
    show_digit(digits.images[3] / 16, ax=axes)
    assert axes.images[0].get_clim() == (0.0, 1.0)


def test_show_digit_without_axes_makes_a_small_figure(digits):
    ax = show_digit(digits.images[1])
    try:
        assert isinstance(ax, matplotlib.axes.Axes) and len(ax.images) == 1
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("image, error, message", [
    (np.zeros(63), ValueError, r"show_digit: a digit is 8x8 = 64 pixels, got an array of shape \(63,\)"),
    (np.full(64, -1.0), ValueError, "show_digit: pixel values are 0..16 .*got -1.0.*RdBu_r"),
    (np.full(64, np.nan), ValueError, "show_digit: image must hold finite numbers only, got nan"),
    (["a"] * 64, TypeError, "show_digit: image must hold numbers only, got str 'a'"),
])
def test_show_digit_refuses_what_is_not_a_digit(image, error, message):
    with pytest.raises(error, match=message):
        show_digit(image)
