"""nnlib.estimators: NeuralNetClassifier and NeuralNetRegressor in scikit-learn's machinery.

The tests that use the estimators need scikit-learn and ask for it with pytest.importorskip inside the
test, since nnlib's tests also run where only NumPy is installed. scikit-learn's own test of an
estimator, check_estimator, runs on both classes; every check passes (none is expected to fail), and
the only checks that may be skipped are those that need pandas, when it is not installed.
"""
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import BatchNorm1d, Linear, Module, ReLU, SGD, Sequential

ROOT = Path(__file__).resolve().parent.parent

# check name -> why it may not pass. Empty: every check of scikit-learn 1.7.2 passes.
EXPECTED_FAILED_CHECKS = {}
# A check skips itself when an optional package it needs is missing (pandas, for data frames).
OPTIONAL_PACKAGES = ("pandas",)


def estimators():
    from nnlib import NeuralNetClassifier, NeuralNetRegressor
    return NeuralNetClassifier, NeuralNetRegressor


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_scikit_learns_check_estimator_passes(kind):
    pytest.importorskip("sklearn")
    from sklearn.utils.estimator_checks import check_estimator
    from sklearn.exceptions import SkipTestWarning
    estimator = dict(zip(["classifier", "regressor"], estimators()))[kind](random_state=0)
    with warnings.catch_warnings():          # a skipped check warns; it is reported below
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(estimator, on_fail=None,
                                  expected_failed_checks=EXPECTED_FAILED_CHECKS)
    assert len(results) > 50
    failed = {r["check_name"]: repr(r["exception"]) for r in results if r["status"] == "failed"}
    assert not failed, failed
    skipped = {r["check_name"]: str(r["exception"]) for r in results if r["status"] == "skipped"}
    for check, reason in skipped.items():
        assert any(f"{package} is not installed" in reason for package in OPTIONAL_PACKAGES), \
            f"{check} was skipped: {reason}"
    assert all(r["status"] in ("passed", "skipped", "xfail") for r in results)


def data(n=120, seed=0, scales=(1, 1, 1, 1)):
    """Three classes of points in four dimensions, whose features have the scales given."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + X[:, 2] > 0).astype(int) + (X[:, 3] > 0.5)
    return X * scales, y


def test_fit_predict_predict_proba_score_and_classes():
    pytest.importorskip("sklearn")
    Classifier, _ = estimators()
    X, y = data()
    names = np.array(["low", "middle", "high"])[y]
    clf = Classifier(hidden_layer_sizes=(16,), epochs=30, random_state=0)
    assert clf.fit(X, names) is clf
    assert clf.classes_.tolist() == ["high", "low", "middle"]      # sorted
    assert clf.n_features_in_ == 4 and isinstance(clf.model_, Module)
    assert len(clf.history_["loss"]) == 30 and clf.history_["loss"][-1] < clf.history_["loss"][0]
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 3) and np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, names) == np.mean(clf.predict(X) == names) > 0.8


def test_the_regressor_learns_one_or_several_outputs_in_ys_shape():
    pytest.importorskip("sklearn")
    _, Regressor = estimators()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = np.column_stack([X[:, 0] - 2 * X[:, 1], np.sin(X[:, 2])])
    for y in (Y[:, 0], Y):
        reg = Regressor(hidden_layer_sizes=(32,), epochs=40, random_state=0).fit(X, y)
        assert reg.predict(X).shape == y.shape and reg.predict(X).dtype == np.float64
        assert reg.score(X, y) > 0.9


def test_a_seed_makes_fits_reproducible_and_none_does_not():
    pytest.importorskip("sklearn")
    Classifier, _ = estimators()
    X, y = data()
    first = Classifier(hidden_layer_sizes=(8,), epochs=3, random_state=5).fit(X, y)
    second = Classifier(hidden_layer_sizes=(8,), epochs=3, random_state=5).fit(X, y)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    unseeded = [Classifier(hidden_layer_sizes=(8,), epochs=3).fit(X, y).predict_proba(X)
                for _ in range(2)]
    assert not np.array_equal(*unseeded)
    state = np.random.RandomState(0)                # a RandomState: every fit advances it
    shared = Classifier(hidden_layer_sizes=(8,), epochs=3, random_state=state)
    assert not np.array_equal(shared.fit(X, y).predict_proba(X), shared.fit(X, y).predict_proba(X))


def test_a_model_factory_an_optimizer_and_its_arguments():
    pytest.importorskip("sklearn")
    Classifier, _ = estimators()
    X, y = data()
    calls = []

    def network(n_features, n_outputs, rng):
        calls.append((n_features, n_outputs))
        return Sequential(Linear(n_features, 8, rng=rng), BatchNorm1d(8), ReLU(),
                          Linear(8, n_outputs, rng=rng))

    clf = Classifier(module=network, optimizer=SGD, lr=0.1, optimizer_kwargs={"momentum": 0.9},
                     epochs=20, batch_size=16, random_state=0).fit(X, y)
    assert calls == [(4, 3)] and isinstance(clf.model_[1], BatchNorm1d)
    assert clf.score(X, y) > 0.8
    float32 = Classifier(module=lambda n, k, rng: Sequential(Linear(n, k, rng=rng,
                                                                    dtype=np.float32)),
                         epochs=2, random_state=0).fit(X, y)
    assert float32.predict_proba(X).dtype == np.float32     # X follows the network's dtype
    with pytest.raises(TypeError, match="module's network must be a Module, got list"):
        Classifier(module=lambda n, k, rng: [Linear(n, k)]).fit(X, y)
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'momentum'"):
        Classifier(optimizer_kwargs={"momentum": 0.9}).fit(X, y)     # Adam has no momentum


def test_clone_pickle_pipeline_cross_val_score_and_grid_search():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    Classifier, _ = estimators()
    X, y = data(240, scales=(1, 100, 0.01, 10))       # for the scaler of the pipeline
    net = Classifier(hidden_layer_sizes=(16,), epochs=20, random_state=0)
    fitted = clone(net).fit(X, y)
    twin = clone(fitted)
    assert twin.get_params() == net.get_params() and not hasattr(twin, "model_")
    copy = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(copy.predict_proba(X), fitted.predict_proba(X))
    pipeline = make_pipeline(StandardScaler(), net)
    assert cross_val_score(pipeline, X, y, cv=3).mean() > 0.8
    search = GridSearchCV(pipeline, {"neuralnetclassifier__lr": [1e-4, 1e-2]}, cv=3).fit(X, y)
    assert search.best_params_ == {"neuralnetclassifier__lr": 1e-2}
    assert search.score(X, y) > 0.8
    assert net.set_params(epochs=7) is net and net.epochs == 7
    with pytest.raises(ValueError, match="Invalid parameter 'epoch'"):
        net.set_params(epoch=7)
    assert repr(net) == "NeuralNetClassifier(epochs=7, hidden_layer_sizes=(16,), random_state=0)"


def test_import_nnlib_imports_scikit_learn_only_when_an_estimator_is_used():
    code = ("import sys, nnlib\n"
            "before = 'sklearn' in sys.modules\n"
            "from nnlib import NeuralNetClassifier\n"
            "print(before, 'sklearn' in sys.modules, NeuralNetClassifier.__module__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    try:
        import sklearn  # noqa: F401
    except ModuleNotFoundError:
        assert "nnlib.NeuralNetClassifier needs sklearn, which is not installed" in result.stderr
        return
    assert result.stdout.split() == ["False", "True", "nnlib.estimators"], result.stderr
    assert "NeuralNetRegressor" in dir(nnlib)
    with pytest.raises(AttributeError, match="module 'nnlib' has no attribute 'NeuralNet'"):
        nnlib.NeuralNet
