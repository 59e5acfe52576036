"""Data generators: the geometry each one promises, seeded reproducibility, iris, and bad numbers refused."""
import numpy as np
import pytest

from nn.data import (
    Dataset, load_iris, make_blobs, make_circles, make_linear_regression, make_moons,
    make_spirals, make_xor, xor_truth_table,
)

CLASSIFICATION = [
    (make_moons, dict(noise=0.1), 2),
    (make_circles, dict(noise=0.05, factor=0.5), 2),
    (make_blobs, dict(centers=4), 4),
    (make_spirals, dict(n_classes=3), 3),
    (make_xor, dict(noise=0.1), 2),
]


@pytest.mark.parametrize("make, kwargs, n_classes", CLASSIFICATION)
def test_classification_sets_have_balanced_integer_labels(make, kwargs, n_classes):
    X, y = make(n_samples=101, seed=0, **kwargs)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("make, kwargs, n_classes", CLASSIFICATION)
def test_the_same_seed_gives_the_same_data(make, kwargs, n_classes):
    X1, y1 = make(n_samples=50, seed=7, **kwargs)
    X2, y2 = make(n_samples=50, seed=7, **kwargs)
    X3, _ = make(n_samples=50, seed=8, **kwargs)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = make_moons(n_samples=40, seed=0)
    top, bottom = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(top[:, 0], top[:, 1]), 1.0) and np.all(top[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(bottom[:, 0] - 1.0, bottom[:, 1] - 0.5), 1.0)
    assert np.all(bottom[:, 1] <= 0.5 + 1e-12)


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(n_samples=30, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_blobs_gather_around_their_centres():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X, y = make_blobs(n_samples=300, centers=centers, cluster_std=0.5, seed=0)
    for k, center in enumerate(centers):
        assert np.allclose(X[y == k].mean(axis=0), center, atol=0.2)
        assert np.all(np.linalg.norm(X[y == k] - center, axis=1) < 0.5 * 5)
    X, y, drawn = make_blobs(n_samples=20, centers=2, n_features=3, seed=1, return_centers=True)
    assert X.shape == (20, 3) and drawn.shape == (2, 3) and np.all(np.abs(drawn) <= 10)


def test_spiral_arms_turn_four_radians_from_evenly_spaced_starts():
    X, y = make_spirals(n_samples=90, n_classes=3, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() >= 0.0 and r.max() == pytest.approx(1.0)
    outer = r > 0.05  # the angle of the centre point is undefined
    start = np.arctan2(X[outer, 1], X[outer, 0]) - 4.0 * r[outer]
    expected = 2 * np.pi * y[outer] / 3
    assert np.allclose(np.cos(start - expected), 1.0)


def test_xor_labels_are_the_xor_of_the_nearest_corner():
    X, y = make_xor(n_samples=200, noise=0.1, seed=0)
    corner = np.round(np.clip(X, 0, 1)).astype(int)
    assert np.mean((corner[:, 0] ^ corner[:, 1]) == y) > 0.99
    X, y = xor_truth_table()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [a ^ b for a, b in X.astype(int).tolist()]


def test_linear_regression_targets_follow_the_returned_weights():
    X, y, w, b = make_linear_regression(n_samples=50, n_features=3, seed=0)
    assert X.shape == (50, 3) and y.shape == (50,) and w.shape == (3,)
    assert np.allclose(y, X @ w + b)
    X, y, w, b = make_linear_regression(n_samples=4000, noise=0.5, seed=1, weights=[2.0], bias=-1.0)
    assert w.tolist() == [2.0] and b == -1.0
    assert np.std(y - (X @ w + b)) == pytest.approx(0.5, rel=0.05)


def test_iris_has_fishers_well_known_statistics():
    iris = load_iris()
    assert isinstance(iris, Dataset)
    X, y = iris.data, iris.target
    assert X.shape == (150, 4) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert X.mean(axis=0) == pytest.approx([5.843, 3.057, 3.758, 1.199], abs=5e-4)
    assert X.std(axis=0, ddof=1) == pytest.approx([0.828, 0.436, 1.765, 0.762], abs=5e-4)
    setosa_means = X[y == 0].mean(axis=0)
    assert setosa_means == pytest.approx([5.006, 3.428, 1.462, 0.246], abs=1e-9)
    # Setosa's petals are shorter than every other flower's: a linearly separable class.
    assert X[y == 0, 2].max() < X[y != 0, 2].min()
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert len(iris.feature_names) == 4 and "petal length" in iris.feature_names[2]
    X2, y2 = load_iris(return_X_y=True)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: make_moons(0), ValueError, "n_samples must be a positive integer, got 0"),
    (lambda: make_moons(10.5), TypeError, "n_samples must be an integer"),
    (lambda: make_moons(10, noise=-0.1), ValueError, "noise"),
    (lambda: make_circles(10, factor=1.0), ValueError, "factor"),
    (lambda: make_spirals(10, n_classes=1), ValueError, "n_classes must be at least 2"),
    (lambda: make_blobs(10, centers=3, cluster_std=[1.0, 2.0]), ValueError, "cluster_std"),
    (lambda: make_linear_regression(10, n_features=2, weights=[1.0]), ValueError, "weights"),
    (lambda: make_xor(10, seed="zero"), TypeError, "seed"),
])
def test_bad_arguments_are_reported(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- every number a maker is given must be a real, finite number (issue 17) -------------

MAKERS_WITH_NOISE = [make_moons, make_circles, make_spirals, make_xor, make_linear_regression]
NOT_A_NUMBER = [(True, TypeError, "noise must be a number, got bool True"),
                ("0.1", TypeError, "noise must be a number, got str '0.1'"),
                ([0.1], TypeError, "noise must be a number, got list"),
                (float("nan"), ValueError, "noise must be a finite number, got nan"),
                (float("inf"), ValueError, "noise must be a finite number, got inf"),
                (-0.5, ValueError, "noise is a standard deviation and must be >= 0, got -0.5")]


@pytest.mark.parametrize("make", MAKERS_WITH_NOISE, ids=lambda m: m.__name__)
@pytest.mark.parametrize("noise, error, message", NOT_A_NUMBER, ids=repr)
def test_noise_that_is_not_a_finite_nonnegative_number_is_refused(make, noise, error, message):
    with pytest.raises(error, match=f"^{make.__name__}: {message}"):
        make(20, noise=noise, seed=0)


ALL_MAKERS = [make_moons, make_circles, make_blobs, make_spirals, make_xor, make_linear_regression]


@pytest.mark.parametrize("make", ALL_MAKERS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("n_samples, error, message", [
    (-5, ValueError, "n_samples must be a positive integer, got -5"),
    (True, TypeError, "n_samples must be an integer, got bool True"),
    ("10", TypeError, "n_samples must be an integer, got str '10'"),
    (float("inf"), TypeError, "n_samples must be an integer, got float inf"),
], ids=repr)
def test_a_count_that_is_not_a_positive_integer_is_refused(make, n_samples, error, message):
    with pytest.raises(error, match=f"^{make.__name__}: {message}"):
        make(n_samples, seed=0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: make_circles(10, factor=float("nan")), ValueError, "factor must be a finite number, got nan"),
    (lambda: make_circles(10, factor=True), TypeError, "factor must be a number, got bool"),
    (lambda: make_circles(10, factor="0.5"), TypeError, "factor must be a number, got str"),
    (lambda: make_blobs(10, cluster_std=float("inf")), ValueError,
     "cluster_std must hold finite numbers only, got inf"),
    (lambda: make_blobs(10, cluster_std=[1.0, float("nan"), 1.0]), ValueError,
     "cluster_std must hold finite numbers only, got nan"),
    (lambda: make_blobs(10, cluster_std=True), TypeError, "cluster_std must hold numbers only, got bool"),
    (lambda: make_blobs(10, cluster_std="1.0"), TypeError, "cluster_std must hold numbers only, got str"),
    (lambda: make_blobs(10, cluster_std=-1.0), ValueError, "cluster_std must be >= 0"),
    (lambda: make_blobs(10, centers=[[0.0, 0.0], [float("inf"), 1.0]]), ValueError,
     "centers must hold finite numbers only, got inf"),
    (lambda: make_blobs(10, centers=True), TypeError, "centers must hold numbers only, got bool"),
    (lambda: make_blobs(10, centers=[[0, "1"]]), TypeError, "centers must hold numbers only, got str"),
    (lambda: make_blobs(10, center_box=(-float("inf"), 1.0)), ValueError,
     "center_box must hold finite numbers only, got -inf"),
    (lambda: make_blobs(10, center_box=(5.0, -5.0)), ValueError, "low <= high"),
    (lambda: make_blobs(10, n_features=0), ValueError, "n_features must be a positive integer"),
    (lambda: make_spirals(10, n_classes=True), TypeError, "n_classes must be an integer, got bool"),
    (lambda: make_linear_regression(10, weights=[float("nan")]), ValueError,
     "weights must hold finite numbers only, got nan"),
    (lambda: make_linear_regression(10, weights=[True]), TypeError, "weights must hold numbers only, got bool"),
    (lambda: make_linear_regression(10, bias=float("inf")), ValueError, "bias must be a finite number, got inf"),
    (lambda: make_linear_regression(10, bias="1"), TypeError, "bias must be a number, got str '1'"),
    (lambda: make_linear_regression(10, n_features=-1), ValueError, "n_features must be a positive integer"),
])
def test_other_bad_numbers_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_numpy_numbers_and_zero_noise_are_still_accepted():
    X, y = make_moons(np.int64(10), noise=np.float32(0.0), seed=0)
    assert np.array_equal(X, make_moons(10, seed=0)[0])
    X, y = make_blobs(10, centers=np.array([[0, 0], [5, 5]]), cluster_std=np.array([0.1, 0.2]), seed=0)
    assert np.all(np.isfinite(X))
    X, y, w, b = make_linear_regression(5, n_features=2, weights=np.array([1, 2]), bias=np.float64(0.5))
    assert w.tolist() == [1.0, 2.0] and b == 0.5


@pytest.mark.parametrize("call", [
    lambda: make_moons(50, noise=1e308, seed=0),
    lambda: make_blobs(50, cluster_std=1e308, seed=0),
    lambda: make_linear_regression(50, noise=1e308, seed=0),
    lambda: make_linear_regression(50, weights=[1e308], bias=1e308, seed=0),
], ids=["moons", "blobs", "regression noise", "regression weights"])
def test_finite_settings_that_overflow_are_an_error_not_infinite_data(call):
    with pytest.raises(ValueError, match="overflowed to infinity"):
        call()
