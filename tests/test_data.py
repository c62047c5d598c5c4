"""nnlib.data (chapter 8): the training/validation split, standardization with training
statistics, and mini-batches in a seeded random order."""
import numpy as np
import pytest

from nnlib import DataLoader, Standardizer, train_val_split
from nnlib import data


def test_the_names_live_in_nnlib_data():
    assert data.DataLoader is DataLoader and data.Standardizer is Standardizer
    assert data.train_val_split is train_val_split


# -- DataLoader --------------------------------------------------------------------------

@pytest.mark.parametrize("n, size, drop_last, sizes", [
    (10, 3, False, [3, 3, 3, 1]), (10, 3, True, [3, 3, 3]), (9, 3, False, [3, 3, 3]),
    (5, 8, False, [5]), (5, 8, True, []), (5, None, False, [5])])
def test_data_loader_batch_sizes(n, size, drop_last, sizes):
    loader = DataLoader(np.arange(n), np.arange(n) * 2, batch_size=size, drop_last=drop_last)
    batches = list(loader)
    assert [len(xb) for xb, _ in batches] == sizes and len(loader) == len(sizes)
    assert all(np.array_equal(yb, 2 * xb) for xb, yb in batches)


def test_data_loader_epochs_hold_every_sample_once_and_seeds_replay_them():
    X = np.arange(103)
    loader = DataLoader(X, batch_size=10, shuffle=True, rng=42)
    epochs = [np.concatenate(list(loader)) for _ in range(3)]
    assert all(np.array_equal(np.sort(e), X) for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    replay = DataLoader(X, batch_size=10, shuffle=True, rng=np.random.default_rng(42))
    assert all(np.array_equal(e, np.concatenate(list(replay))) for e in epochs)
    unshuffled = DataLoader(X, batch_size=10)
    assert np.array_equal(np.concatenate(list(unshuffled)), X)
    assert all(np.shares_memory(b, X) for b in unshuffled)              # views, not copies
    dropped = np.concatenate(list(DataLoader(X, batch_size=10, shuffle=True, rng=1,
                                             drop_last=True)))
    assert len(dropped) == 100 and len(np.unique(dropped)) == 100


def test_data_loader_refuses_bad_input_wrong_types_with_type_error():
    with pytest.raises(ValueError, match=r"^DataLoader: X and y must be of the same length "
                                         r"\(one target per sample\), got 5 and 4 samples$"):
        DataLoader(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="^DataLoader: batch_size must be a positive integer, "
                                         "got 0$"):
        DataLoader(np.zeros((5, 2)), batch_size=0)
    with pytest.raises(TypeError, match="^DataLoader: batch_size must be a positive integer, "
                                        "got 2.0$"):
        DataLoader(np.zeros((5, 2)), batch_size=2.0)
    with pytest.raises(TypeError, match=r"DataLoader: X must be a NumPy array, got list; "
                                        r"convert it with np.asarray\(X\)"):
        DataLoader([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"DataLoader: X must be of shape \(N, \*\), got \(\)"):
        DataLoader(np.zeros(()))


# -- train_val_split ---------------------------------------------------------------------

def test_train_val_split_stratified_and_plain():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100)[:, None] * 1.0
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.2, rng=0,
                                                     stratify=True)
    assert np.bincount(y_val).tolist() == [10, 6, 4]
    assert np.bincount(y_train).tolist() == [40, 24, 16]
    assert np.array_equal(y[X_train[:, 0].astype(int)], y_train)             # rows stay paired
    assert sorted(np.concatenate([X_train[:, 0], X_val[:, 0]]).tolist()) == list(range(100))
    assert not np.all(np.diff(y_train) >= 0)                                 # not sorted by class
    again = train_val_split(X, y, val_fraction=0.2, rng=0, stratify=True)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, X_val, y_train, y_val)))
    y2 = np.repeat([0, 1, 2], [5, 5, 5])
    _, _, _, val2 = train_val_split(np.zeros((15, 1)), y2, val_fraction=0.3, rng=1,
                                    stratify=True)
    assert len(val2) == 5 and sorted(np.bincount(val2, minlength=3).tolist()) == [1, 2, 2]
    _, X_val, _, _ = train_val_split(X, y, val_fraction=0.25, rng=3)
    assert len(X_val) == 25
    _, _, _, column = train_val_split(X, y[:, None], val_fraction=0.2, rng=0, stratify=True)
    assert np.bincount(column[:, 0]).tolist() == [10, 6, 4]                  # (N, 1) labels


def test_train_val_split_refuses_bad_arguments():
    X, y = np.arange(100)[:, None] * 1.0, np.repeat([0, 1], 50)
    with pytest.raises(ValueError, match=r"^train_val_split: val_fraction must be a real "
                                         r"number in \(0, 1\), got 1.0$"):
        train_val_split(X, y, val_fraction=1.0)
    with pytest.raises(TypeError, match="val_fraction must be a real number"):
        train_val_split(X, y, val_fraction="0.2")
    with pytest.raises(ValueError, match="^train_val_split: val_fraction must be a share "
                                         "that leaves a sample in each part, got 0.001: 0 "
                                         "of 100$"):
        train_val_split(X, y, val_fraction=0.001)
    with pytest.raises(ValueError, match="X and y must be of the same length"):
        train_val_split(X, y[:-1])
    with pytest.raises(ValueError, match=r"^train_val_split\(stratify=True\): y must be of "
                                         r"shape \(N,\), got \(100, 2\)$"):
        train_val_split(X, np.zeros((100, 2)), stratify=True)
    with pytest.raises(TypeError, match=r"^train_val_split: y must be a NumPy array of "
                                        r"targets, got None; to split X alone, split its "
                                        r"row numbers: train_val_split\(X, "
                                        r"np.arange\(len\(X\)\)\)$"):
        train_val_split(X, None)


# -- Standardizer ------------------------------------------------------------------------

def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, val = rng.normal(3.0, 2.0, size=(200, 4)), rng.normal(5.0, 1.0, size=(50, 4))
    scaler = Standardizer().fit(train)
    assert np.allclose(scaler.mean, train.mean(axis=0))
    assert np.allclose(scaler.std, train.std(axis=0))
    assert np.allclose(scaler.transform(val), (val - train.mean(axis=0)) / train.std(axis=0))
    everything = np.vstack([train, val])
    assert not np.allclose(scaler.mean, everything.mean(axis=0))
    assert np.allclose(scaler.transform(train).mean(axis=0), 0)
    assert np.allclose(scaler.transform(train).std(axis=0), 1)
    assert np.allclose(scaler.inverse_transform(scaler.transform(val)), val, rtol=1e-13)
    assert repr(scaler) == "Standardizer(features=4)" and repr(Standardizer()) == "Standardizer()"


def test_standardizer_constant_features_and_dtypes():
    X = np.column_stack([np.full(7, 0.1), np.arange(7.0), np.full(7, -3.0)])
    scaler = Standardizer().fit(X)
    out = scaler.transform(X)
    assert np.all(out[:, 0] == 0) and np.all(out[:, 2] == 0) and scaler.std[0] == 1
    assert np.allclose(scaler.inverse_transform(out), X)
    X32 = X.astype(np.float32)
    scaler32 = Standardizer().fit(X32)
    assert scaler32.mean.dtype == scaler32.std.dtype == np.float32
    assert scaler32.transform(X32).dtype == np.float32 and scaler.transform(X32).dtype == np.float32
    assert scaler32.inverse_transform(X32).dtype == np.float32


def test_standardizer_refuses_bad_input():
    scaler = Standardizer().fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="^Standardizer.fit: X must be float32 or float64, "
                                         "got int64"):
        Standardizer().fit(np.arange(6, dtype=np.int64).reshape(3, 2))
    with pytest.raises(ValueError, match=r"^Standardizer.fit: len\(X\) must be a positive "
                                         r"integer, got 0$"):
        Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="^Standardizer.fit: X must be finite, got NaN or inf"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(TypeError, match="^Standardizer.transform: X must be a NumPy array"):
        scaler.transform([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"^Standardizer.transform: X must be of shape "
                                         r"\(N, 3\), got \(2, 4\)$"):
        scaler.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"^Standardizer.inverse_transform: X must be of "
                                         r"shape \(N, 3\)"):
        scaler.inverse_transform(np.zeros((2, 4)))
    with pytest.raises(RuntimeError, match=r"^Standardizer.transform: call fit\(\) first"):
        Standardizer().transform(np.zeros((2, 3)))


def test_standardizer_refuses_a_1d_array_and_says_how_to_reshape_it():
    one = "a 1-D array is ambiguous: X.reshape\\(-1, 1\\) makes it N samples of one feature"
    with pytest.raises(ValueError, match=r"^Standardizer.fit: X must be of shape \(N, D, \*\), "
                                         r"got \(5,\); " + one):
        Standardizer().fit(np.arange(5.0))
    scaler = Standardizer().fit(np.arange(5.0).reshape(-1, 1))
    assert np.allclose(scaler.transform(np.arange(5.0)[:, None]).std(), 1)
    with pytest.raises(ValueError, match=r"^Standardizer.transform: X must be of shape "
                                         r"\(N, 1\), got \(5,\); " + one):
        scaler.transform(np.arange(5.0))
    with pytest.raises(ValueError, match=r"X must be of shape \(N, 1\), got \(5, 2\)$"):
        scaler.transform(np.zeros((5, 2)))                    # no reshape advice for 2-D
    images = np.random.default_rng(0).normal(size=(6, 2, 3, 3))    # (N, C, H, W) works
    assert Standardizer().fit(images).mean.shape == (2, 3, 3)


def test_standardizer_follows_the_transformer_protocol():
    X, y = np.random.default_rng(1).normal(3.0, 2.0, size=(40, 3)), np.arange(40) % 2
    scaler = Standardizer()
    assert scaler.get_params() == {} and scaler.get_params(deep=False) == {}
    assert scaler.set_params() is scaler
    with pytest.raises(ValueError, match="^Standardizer.set_params: a parameter must be one of "
                                         "the constructor's, and Standardizer\\(\\) takes none, "
                                         "got 'with_mean'$"):
        scaler.set_params(with_mean=False)
    assert not scaler.__sklearn_is_fitted__()
    out = scaler.fit_transform(X, y)                          # y is accepted and ignored
    assert scaler.__sklearn_is_fitted__()
    assert np.array_equal(out, Standardizer().fit(X).transform(X))
    assert scaler.fit(X, y) is scaler


def test_standardizer_works_with_scikit_learn_clone_and_pipeline():
    pytest.importorskip("sklearn")
    import warnings
    from sklearn.base import clone
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted
    rng = np.random.default_rng(3)
    X = rng.normal(5.0, [1.0, 10.0, 100.0], size=(80, 3))
    y = X @ np.array([1.0, -0.2, 0.01]) + rng.normal(scale=0.1, size=80)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # no warning from scikit-learn
        fitted = Standardizer().fit(X)
        copy = clone(fitted)
        assert isinstance(copy, Standardizer) and copy is not fitted and copy.mean is None
        check_is_fitted(fitted)
        ours = Pipeline([("scale", Standardizer()), ("model", LinearRegression())]).fit(X, y)
        theirs = Pipeline([("scale", StandardScaler()), ("model", LinearRegression())]).fit(X, y)
        assert np.allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
        assert np.allclose(ours[0].mean, theirs[0].mean_) and np.allclose(ours[0].std,
                                                                          theirs[0].scale_)
        cloned = clone(ours)
        assert cloned[0].mean is None and isinstance(cloned[0], Standardizer)
        scaled_only = Pipeline([("scale", Standardizer())]).fit(X)
        assert np.allclose(scaled_only.transform(X), theirs[0].transform(X))
        assert np.allclose(scaled_only.inverse_transform(scaled_only.transform(X)), X)
