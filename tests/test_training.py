"""Training helpers (chapter 8): data loading, splits, standardization, accuracy, fit with validation,
early stopping and divergence handling, evaluate/predict, and saving models to .npz without pickle."""
import io
import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification

from nnlib import (Adam, CrossEntropyLoss, DataLoader, EarlyStopping, History, Linear, Module, MSELoss, ReLU,
                   SGD, Sequential, Sigmoid, StepLR, Standardizer, accuracy, evaluate, fit, load, plot_history,
                   predict, save, train_val_split)


def classifier(seed, n_in=10, hidden=32, n_out=3, dtype=np.float64):
    init = np.random.default_rng(seed)
    return Sequential(Linear(n_in, hidden, rng=init, dtype=dtype), ReLU(),
                      Linear(hidden, n_out, rng=init, dtype=dtype))


@pytest.fixture(scope="module")
def data():
    """A three-class problem the book does not use, standardized with training statistics."""
    X, y = make_classification(n_samples=600, n_features=10, n_informative=6, n_redundant=2, n_classes=3,
                               class_sep=1.5, random_state=11)
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.25, rng=0, stratify=True)
    scaler = Standardizer().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


class ModeProbe(Module):
    """Passes its input through and records the training flag it saw in every forward pass."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return x

    def backward(self, grad_output):
        return grad_output


# -- fit: accuracy, determinism, agreement with the hand-written loop --------------------------------

def run_fit(data, shuffle_seed=1, epochs=30):
    X_train, X_val, y_train, y_val = data
    model = classifier(0)
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), X_train, y_train, epochs,
                  batch_size=32, validation_data=(X_val, y_val), metrics={"accuracy": accuracy}, rng=shuffle_seed)
    return model, history


def test_fit_reaches_a_stated_accuracy_deterministically(data):
    model, history = run_fit(data)
    assert isinstance(history, History) and history.epochs == 30
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 30 and all(isinstance(x, float) for x in v) for v in history.values())
    assert history["val_accuracy"][-1] >= 0.85 and history["accuracy"][-1] >= 0.9
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    again_model, again = run_fit(data)
    assert again == history
    assert all(np.array_equal(a, b) for a, b in zip(model.state_dict().values(), again_model.state_dict().values()))
    _, other = run_fit(data, shuffle_seed=2)
    assert other != history


def test_fit_with_one_unshuffled_batch_is_the_hand_written_loop(data):
    X_train, _, y_train, _ = data
    by_hand, packaged = classifier(3), classifier(3)
    loss_fn, optimizer = CrossEntropyLoss(), SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        losses.append(loss_fn(by_hand(X_train), y_train))
        by_hand.backward(loss_fn.backward())
        optimizer.step()
    history = fit(packaged, CrossEntropyLoss(), SGD(packaged.parameters(), lr=0.1, momentum=0.9), X_train, y_train,
                  epochs=20, batch_size=None, shuffle=False)
    assert history["loss"] == losses
    assert all(np.array_equal(p.data, q.data) for p, q in zip(by_hand.parameters(), packaged.parameters()))


def test_fit_records_batch_size_weighted_means_and_metric_lists(data):
    X_train, _, y_train, _ = data
    X, y = X_train[:70], y_train[:70]                  # batches of 32, 32 and 6
    model, reference = classifier(4), classifier(4)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.0), X, y, epochs=1, batch_size=32,
                  shuffle=False, metrics=[accuracy])
    full = evaluate(reference, CrossEntropyLoss(), X, y, metrics=[accuracy])  # lr 0: the weights never move
    assert history["loss"][0] == pytest.approx(full["loss"], rel=1e-12)
    assert history["accuracy"][0] == pytest.approx(full["accuracy"], rel=1e-12)


def test_fit_steps_the_scheduler_once_per_epoch(data):
    X_train, _, y_train, _ = data
    model = classifier(5)
    optimizer = SGD(model.parameters(), lr=0.1)
    fit(model, CrossEntropyLoss(), optimizer, X_train, y_train, epochs=5, scheduler=StepLR(optimizer, 2, gamma=0.5),
        rng=0)
    assert optimizer.lr == 0.1 * 0.5 ** 2


def test_verbose_prints_one_line_per_epoch(data, capsys):
    X_train, X_val, y_train, y_val = data
    model = classifier(6)
    fit(model, CrossEntropyLoss(), Adam(model.parameters()), X_train, y_train, epochs=3, rng=0,
        validation_data=(X_val, y_val), metrics={"accuracy": accuracy}, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3: loss ") and "val_accuracy" in lines[2]


# -- early stopping ---------------------------------------------------------------------------------

def test_early_stopping_restores_the_best_weights(data):
    X_train, X_val, y_train, y_val = data
    X_small, y_small = X_train[:60], y_train[:60]        # few samples, a big network: it overfits
    model = classifier(7, hidden=128)
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), X_small, y_small, epochs=200,
                  batch_size=16, validation_data=(X_val, y_val), rng=0, early_stopping=EarlyStopping(patience=8))
    assert history.stopped_early and history.epochs < 200
    assert history.best_epoch == int(np.argmin(history["val_loss"])) + 1
    assert history.epochs == history.best_epoch + 8
    restored = evaluate(model, CrossEntropyLoss(), X_val, y_val)["loss"]
    assert restored == min(history["val_loss"])


def test_early_stopping_restores_even_without_stopping_and_respects_min_delta():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    model = classifier(8)
    assert not stopper.update(1, 1.0, model)
    assert not stopper.update(2, 0.95, model)          # an improvement smaller than min_delta
    assert stopper.update(3, 0.5 + 0.5, model)         # no improvement for 2 epochs: stop
    assert stopper.best_epoch == 1 and stopper.best == 1.0
    accuracy_stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    assert accuracy_stopper.mode == "max"
    assert not accuracy_stopper.update(1, 0.5, model) and not accuracy_stopper.update(2, 0.6, model)
    assert accuracy_stopper.update(3, 0.55, model) and accuracy_stopper.best_epoch == 2


def test_early_stopping_needs_the_monitored_value(data):
    X_train, _, y_train, _ = data
    model = classifier(9)
    with pytest.raises(ValueError, match="monitors 'val_loss'.*pass validation_data"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train, epochs=2,
            early_stopping=EarlyStopping())


# -- bad input and divergence ------------------------------------------------------------------------

def test_lengths_and_label_kinds_are_checked(data):
    X_train, X_val, y_train, y_val = data
    model = classifier(10)
    before = model.state_dict()
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="X has 450 samples and y has 449"):
        fit(model, CrossEntropyLoss(), optimizer, X_train, y_train[:-1], epochs=1)
    with pytest.raises(ValueError, match="X_val has 150 samples and y_val has 10"):
        fit(model, CrossEntropyLoss(), optimizer, X_train, y_train, epochs=1, validation_data=(X_val, y_val[:10]))
    with pytest.raises(ValueError, match="integer class labels"):
        fit(model, CrossEntropyLoss(), optimizer, X_train, y_train.astype(np.float64), epochs=1)
    with pytest.raises(TypeError, match="NumPy array"):
        fit(model, CrossEntropyLoss(), optimizer, X_train.tolist(), y_train, epochs=1)
    with pytest.raises(ValueError, match="NaN or inf"):
        fit(model, CrossEntropyLoss(), optimizer, np.where(X_train > 2, np.nan, X_train), y_train, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, CrossEntropyLoss(), optimizer, X_train, y_train, epochs=0)
    with pytest.raises(ValueError, match="no samples"):
        fit(model, CrossEntropyLoss(), optimizer, X_train[:0], y_train[:0], epochs=1)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())   # no step was taken


def regression_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    return X, X @ rng.normal(size=(5, 1)) + 0.1 * rng.normal(size=(64, 1))


def test_non_finite_data_are_refused_before_training():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN or inf"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y_bad, epochs=1)
    X_bad = X.copy()
    X_bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="X_val contains NaN or inf"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y, epochs=1, validation_data=(X_bad, y))


def test_a_diverging_loss_stops_fit_naming_the_epoch_and_the_learning_rate():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    with pytest.raises(FloatingPointError, match=r"loss became (inf|nan) at epoch \d+, batch \d+ of 4; "
                                                 r"training diverged: lower the learning rate \(it is 5; try 0\.5\)"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=5.0), X, y, epochs=500, batch_size=16, rng=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_after_divergence_the_weights_of_the_last_complete_epoch_are_restored():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    with pytest.raises(FloatingPointError, match=r"restored to those at the end of epoch (\d+)") as info:
        fit(model, MSELoss(), SGD(model.parameters(), lr=5.0), X, y, epochs=500, batch_size=16, rng=0)
    epoch = int(info.value.args[0].rsplit("epoch ", 1)[1])
    reference = Sequential(Linear(5, 1, rng=0))
    fit(reference, MSELoss(), SGD(reference.parameters(), lr=5.0), X, y, epochs=epoch, batch_size=16, rng=0)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(model.parameters(), reference.parameters()))


class NaNAfter(Module):
    """Identity until its forward has run `calls` times in training mode, then NaN."""

    def __init__(self, calls):
        self.calls, self.count = calls, 0

    def forward(self, x):
        self.count += self.training
        return x * np.nan if self.count > self.calls else x

    def backward(self, grad_output):
        return grad_output


def test_a_nan_output_names_epoch_and_batch_and_restores_the_previous_epoch(data):
    X_train, _, y_train, _ = data
    model = Sequential(Linear(10, 3, rng=0), NaNAfter(calls=15 + 2))    # 15 batches per epoch
    initial = model.state_dict()
    with pytest.raises(FloatingPointError, match=r"output became NaN or inf at epoch 2, batch 3 of 15;.*"
                                                 r"end of epoch 1"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train, epochs=5, rng=0)
    after_one = Sequential(Linear(10, 3, rng=0))
    fit(after_one, CrossEntropyLoss(), SGD(after_one.parameters(), lr=0.1), X_train, y_train, epochs=1, rng=0)
    assert np.array_equal(model[0].weight.data, after_one[0].weight.data)
    assert not np.array_equal(model[0].weight.data, initial["0.weight"])


def test_nan_weights_at_the_end_of_an_epoch_and_nan_before_any_step(data):
    X_train, X_val, y_train, y_val = data

    class Poisoning(SGD):
        def step(self):
            super().step()
            if self.t == 15:                     # the last step of epoch 1
                self.params[0].data[0, 0] = np.inf

    model = Sequential(Linear(10, 3, rng=0))
    initial = model.state_dict()
    with pytest.raises(FloatingPointError, match="weights became NaN or inf at epoch 1, batch 15 of 15.*before training"):
        fit(model, CrossEntropyLoss(), Poisoning(model.parameters(), lr=0.1), X_train, y_train, epochs=3, rng=0)
    assert all(np.array_equal(initial[k], v) for k, v in model.state_dict().items())

    broken = Sequential(Linear(10, 3, rng=0), NaNAfter(calls=0))
    with pytest.raises(FloatingPointError, match="before any training step: check the initial weights"):
        fit(broken, CrossEntropyLoss(), SGD(broken.parameters(), lr=0.1), X_train, y_train, epochs=1)

    class NaNInEval(NaNAfter):
        def forward(self, x):
            return x if self.training else x * np.nan

    model = Sequential(Linear(10, 3, rng=0), NaNInEval(0))
    with pytest.raises(FloatingPointError, match="validation data became NaN or inf at epoch 1;"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train, epochs=2,
            validation_data=(X_val, y_val))


def test_overflow_warnings_do_not_escape_fit():
    X, y = regression_data()
    model = Sequential(Linear(5, 64, rng=0), ReLU(), Linear(64, 64, rng=1), ReLU(), Linear(64, 1, rng=2))
    with pytest.raises(FloatingPointError):      # pytest turns RuntimeWarnings into errors (pyproject.toml)
        fit(model, MSELoss(), SGD(model.parameters(), lr=1.0), X, y, epochs=200, batch_size=8, rng=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


# -- evaluate and predict ---------------------------------------------------------------------------

def test_evaluate_and_predict_use_eval_mode_and_restore_the_mode(data):
    _, X_val, _, y_val = data
    probe = ModeProbe()
    model = Sequential(Linear(10, 3, rng=0), probe)
    for mode in (True, False):
        model.train(mode)
        out = predict(model, X_val)
        scores = evaluate(model, CrossEntropyLoss(), X_val, y_val, metrics={"accuracy": accuracy})
        assert probe.seen[-2:] == [False, False]
        assert model.training == mode and probe.training == mode
    assert set(scores) == {"loss", "accuracy"} and scores["accuracy"] == accuracy(out, y_val)
    batched = predict(model, X_val, batch_size=7)
    assert np.allclose(batched, out, rtol=1e-13, atol=0) and batched.shape == out.shape
    by_batches = evaluate(model, CrossEntropyLoss(), X_val, y_val, batch_size=16)
    assert by_batches["loss"] == pytest.approx(scores["loss"], rel=1e-12)


def test_fit_trains_in_training_mode_and_restores_mixed_modes(data):
    X_train, X_val, y_train, y_val = data
    probe = ModeProbe()
    model = Sequential(Linear(10, 3, rng=0), probe)
    model.eval()
    model[0].training = True                      # a mixed state is put back as it was
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train, epochs=1,
        validation_data=(X_val, y_val), rng=0)
    assert probe.seen[:-1] == [True] * 15 and probe.seen[-1] is False
    assert [m.training for m in model.modules()] == [False, True, False]


# -- DataLoader and train_val_split ------------------------------------------------------------------

@pytest.mark.parametrize("n, size, drop_last, sizes", [(10, 3, False, [3, 3, 3, 1]), (10, 3, True, [3, 3, 3]),
                                                       (9, 3, False, [3, 3, 3]), (5, 8, False, [5]),
                                                       (5, 8, True, []), (5, None, False, [5])])
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
    dropped = np.concatenate(list(DataLoader(X, batch_size=10, shuffle=True, rng=1, drop_last=True)))
    assert len(dropped) == 100 and len(np.unique(dropped)) == 100


def test_data_loader_refuses_bad_input():
    with pytest.raises(ValueError, match="X has 5 samples and y has 4"):
        DataLoader(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(np.zeros((5, 2)), batch_size=0)
    with pytest.raises(TypeError, match="NumPy array"):
        DataLoader([[1.0, 2.0]])


def test_train_val_split_stratified_and_plain():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    X = np.arange(100)[:, None] * 1.0
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.2, rng=0, stratify=True)
    assert np.bincount(y_val).tolist() == [10, 6, 4] and np.bincount(y_train).tolist() == [40, 24, 16]
    assert np.array_equal(y[X_train[:, 0].astype(int)], y_train)                   # rows stay paired
    assert sorted(np.concatenate([X_train[:, 0], X_val[:, 0]]).tolist()) == list(range(100))
    assert not np.all(np.diff(y_train) >= 0)                                       # not sorted by class
    again = train_val_split(X, y, val_fraction=0.2, rng=0, stratify=True)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, X_val, y_train, y_val)))
    y2 = np.repeat([0, 1, 2], [5, 5, 5])
    _, _, _, val2 = train_val_split(np.zeros((15, 1)), y2, val_fraction=0.3, rng=1, stratify=True)
    assert len(val2) == 5 and sorted(np.bincount(val2, minlength=3).tolist()) == [1, 2, 2]
    _, X_val, _, _ = train_val_split(X, y, val_fraction=0.25, rng=3)
    assert len(X_val) == 25
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(X, y, val_fraction=1.0)
    with pytest.raises(ValueError, match="X has 100 samples and y has 99"):
        train_val_split(X, y[:-1])


# -- Standardizer -----------------------------------------------------------------------------------

def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, val = rng.normal(3.0, 2.0, size=(200, 4)), rng.normal(5.0, 1.0, size=(50, 4))
    scaler = Standardizer().fit(train)
    assert np.allclose(scaler.mean, train.mean(axis=0)) and np.allclose(scaler.std, train.std(axis=0))
    assert np.allclose(scaler.transform(val), (val - train.mean(axis=0)) / train.std(axis=0))
    everything = np.vstack([train, val])
    assert not np.allclose(scaler.mean, everything.mean(axis=0))
    assert np.allclose(scaler.transform(train).mean(axis=0), 0) and np.allclose(scaler.transform(train).std(axis=0), 1)
    assert np.allclose(scaler.inverse_transform(scaler.transform(val)), val, rtol=1e-13)


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
    with pytest.raises(ValueError, match="floating-point"):
        Standardizer().fit(np.arange(6).reshape(3, 2))
    with pytest.raises(ValueError, match=r"expected samples of shape \(3,\)"):
        scaler.transform(np.zeros((2, 4)))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(X)


# -- accuracy ---------------------------------------------------------------------------------------

def test_accuracy_for_every_output_shape_and_threshold():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 2.0], [0.0, 1.0, 0.5]])
    assert accuracy(logits, np.array([0, 1, 1, 1])) == 0.75
    p = np.array([0.9, 0.4, 0.6, 0.2])
    labels = np.array([1, 0, 0, 0])
    assert accuracy(p, labels) == 0.75 and accuracy(p[:, None], labels) == 0.75
    assert accuracy(p[:, None], labels[:, None].astype(np.float64)) == 0.75
    assert accuracy(p, labels.astype(bool)) == 0.75
    assert accuracy(p, labels, threshold=0.65) == 1.0
    z = np.random.default_rng(0).normal(size=(500, 1))
    y = (np.random.default_rng(1).random(500) < 0.5).astype(int)
    assert accuracy(z, y, threshold=0.0) == accuracy(Sigmoid()(z), y)
    assert isinstance(accuracy(p, labels), float)


def test_accuracy_refuses_mismatches():
    with pytest.raises(ValueError, match="output has 4 samples and y has 3"):
        accuracy(np.zeros((4, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"y.reshape\(-1\)"):
        accuracy(np.zeros((4, 3)), np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match="one-hot"):
        accuracy(np.zeros((4, 3)), np.eye(3)[[0, 1, 2, 0]])
    with pytest.raises(ValueError, match="labels 0 and 1"):
        accuracy(np.zeros(4), np.array([0, 1, 2, 1]))


# -- save and load ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_is_bit_exact(tmp_path, dtype):
    model = classifier(12, dtype=dtype)
    for p in model.parameters():              # values with all their bits in use
        p.data[...] = np.random.default_rng(0).normal(size=p.shape).astype(dtype) / 3
    path = save(model, tmp_path / "model")
    assert path.name == "model.npz" and path.exists()
    copy = load(classifier(13, dtype=dtype), tmp_path / "model")
    for (k1, a), (k2, b) in zip(model.state_dict().items(), copy.state_dict().items()):
        assert k1 == k2 and a.dtype == b.dtype == dtype and a.tobytes() == b.tobytes()
    buffer = io.BytesIO()
    save(model, buffer)
    buffer.seek(0)
    again = load(classifier(14, dtype=dtype), buffer)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_load_names_missing_extra_and_misshapen_keys(tmp_path):
    model = classifier(15)
    state = model.state_dict()
    cases = {"missing": ({k: v for k, v in state.items() if k != "2.bias"}, "missing key '2.bias'"),
             "extra": ({**state, "5.weight": np.zeros(3)}, "unexpected key '5.weight'"),
             "shape": ({**state, "0.weight": np.zeros((10, 31))}, r"'0.weight' has shape \(10, 31\)"),
             "dtype": ({**state, "2.bias": state["2.bias"].astype(np.float32)}, "'2.bias' is float32")}
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
        target = classifier(16)
        before = target.state_dict()
        with pytest.raises(ValueError, match=message):
            load(target, tmp_path / f"{name}.npz")
        assert all(np.array_equal(before[k], v) for k, v in target.state_dict().items())   # unchanged


def test_load_refuses_pickled_data(tmp_path):
    model = classifier(17)
    np.savez(tmp_path / "object.npz", **{**model.state_dict(), "0.bias": np.array([None, 1], dtype=object)})
    with pytest.raises(ValueError, match="'0.bias' in object.npz needs pickle.*refused"):
        load(model, tmp_path / "object.npz")
    with open(tmp_path / "model.pkl", "wb") as f:
        pickle.dump(model.state_dict(), f)
    with pytest.raises(ValueError, match="model.pkl is a pickle"):
        load(model, tmp_path / "model.pkl")
    (tmp_path / "notes.npz").write_text("not an archive")
    with pytest.raises(ValueError, match="notes.npz is not an .npz archive"):
        load(model, tmp_path / "notes.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        load(model, tmp_path / "single.npy")


def test_save_refuses_object_arrays_and_non_modules(tmp_path):
    model = classifier(18)
    model.register_buffer("labels", np.array(["a", None], dtype=object))
    with pytest.raises(ValueError, match="'labels' is an object array"):
        save(model, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="Module"):
        save({"weight": np.zeros(2)}, tmp_path / "m.npz")


def test_plot_history_draws_the_requested_curves():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    history = History(loss=[1.0, 0.5, 0.25], val_loss=[1.1, 0.7, 0.8])
    history.best_epoch = 2
    ax = plot_history(history)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss", "best epoch (2)"]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    plt.close("all")
    ax = plot_history(History(loss=[1.0, 0.5]))             # no validation data: skipped
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    with pytest.raises(ValueError, match="no 'accuracy'"):
        plot_history(history, keys=["accuracy"])
    plt.close("all")
