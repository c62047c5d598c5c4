"""nnlib.training (chapter 8): fit with validation, early stopping and divergence handling;
evaluate and predict in evaluation mode."""
import inspect
import sys

import numpy as np
import pytest


import nnlib
from nnlib import (Adam, Callback, CrossEntropyLoss, DataLoader, EarlyStopping, History,
                   Linear, Module, MSELoss, OneCycleLR, ReduceLROnPlateau, ReLU, SGD,
                   Sequential, StepLR, Standardizer, accuracy, evaluate, fit, predict,
                   train_val_split)
from nnlib import checks, training


def classifier(seed, n_in=10, hidden=32, n_out=3, dtype=np.float64):
    init = np.random.default_rng(seed)
    return Sequential(Linear(n_in, hidden, rng=init, dtype=dtype), ReLU(),
                      Linear(hidden, n_out, rng=init, dtype=dtype))


@pytest.fixture(scope="module")
def data():
    """A three-class problem the book does not use, standardized with training statistics:
    three overlapping Gaussian clouds in 10 dimensions, made with NumPy alone (these tests
    also run where only NumPy is installed)."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 3, size=600)
    centres = rng.normal(scale=1.5, size=(3, 10))
    X = centres[y] + rng.normal(size=(600, 10)) @ rng.normal(scale=0.5, size=(10, 10))
    X_train, X_val, y_train, y_val = train_val_split(X, y, val_fraction=0.25, rng=0,
                                                     stratify=True)
    scaler = Standardizer().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


class ModeProbe(Module):
    """Passes its input through and records the training flag it saw in every forward pass."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return x

    def backward(self, grad_output, input_grad=True):
        return grad_output if input_grad else None


def test_the_names_live_in_nnlib_training():
    assert (training.fit, training.evaluate, training.predict, training.History) == \
        (fit, evaluate, predict, History)


def test_fit_reads_in_one_screen():
    source = inspect.getsource(fit)
    docstring = inspect.getdoc(fit)
    lines = [line for line in source.splitlines() if line.strip()]
    body = len(lines) - len([line for line in docstring.splitlines() if line.strip()])
    assert body <= 60
    assert "inspect" not in inspect.getsource(training)


# -- fit: accuracy, determinism, agreement with the hand-written loop --------------------

def run_fit(data, shuffle_seed=1, epochs=30):
    X_train, X_val, y_train, y_val = data
    model = classifier(0)
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), X_train,
                  y_train, epochs, batch_size=32, validation_data=(X_val, y_val),
                  metrics={"accuracy": accuracy}, rng=shuffle_seed)
    return model, history


def test_fit_reaches_a_stated_accuracy_deterministically(data):
    model, history = run_fit(data)
    assert isinstance(history, History) and history.epochs == 30
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 30 and all(isinstance(x, float) for x in v) for v in history.values())
    assert history["val_accuracy"][-1] >= 0.85 and history["accuracy"][-1] >= 0.9
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    again_model, again = run_fit(data)
    assert again == history
    assert all(np.array_equal(a, b) for a, b in zip(model.state_dict().values(),
                                                    again_model.state_dict().values()))
    _, other = run_fit(data, shuffle_seed=2)
    assert other != history


def test_fit_with_one_unshuffled_batch_is_the_hand_written_loop(data):
    X_train, _, y_train, _ = data
    by_hand, packaged = classifier(3), classifier(3)
    loss_fn, optimizer = CrossEntropyLoss(), SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = loss_fn(by_hand(X_train), y_train)
        by_hand.backward(loss_fn.backward())
        optimizer.step()
        losses.append(loss)
    history = fit(packaged, CrossEntropyLoss(),
                  SGD(packaged.parameters(), lr=0.1, momentum=0.9), X_train, y_train,
                  epochs=20, batch_size=None, shuffle=False)
    assert history["loss"] == losses
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(by_hand.parameters(), packaged.parameters()))


class Recorder(Module):
    """A model that records the ``input_grad`` its backward pass is asked for."""

    def __init__(self, inner):
        self.inner, self.asked = inner, []

    def forward(self, x):
        return self.inner(x)

    def backward(self, grad_output, input_grad=True):
        self.asked.append(input_grad)
        return self.inner.backward(grad_output, input_grad=input_grad)


def test_fit_asks_for_no_input_gradient_and_starts_every_step_from_none(data):
    X_train, _, y_train, _ = data
    model = Recorder(classifier(4))
    seen = []

    class Watching(SGD):
        def step(self):
            seen.append(all(p.grad is not None for p in self.params))
            super().step()

        def zero_grad(self, set_to_none=True):
            super().zero_grad(set_to_none)
            seen.append(all(p.grad is None for p in self.params))

    fit(model, CrossEntropyLoss(), Watching(model.parameters(), lr=0.1), X_train, y_train,
        epochs=2, rng=0)
    assert model.asked == [False] * 30 and all(seen) and len(seen) == 60


def test_fit_records_batch_size_weighted_means_and_metric_lists(data):
    X_train, _, y_train, _ = data
    X, y = X_train[:70], y_train[:70]                  # batches of 32, 32 and 6
    model, reference = classifier(4), classifier(4)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.0), X, y, epochs=1,
                  batch_size=32, shuffle=False, metrics=[accuracy])
    full = evaluate(reference, CrossEntropyLoss(), X, y, metrics=[accuracy])  # lr 0: no change
    assert history["loss"][0] == pytest.approx(full["loss"], rel=1e-12)
    assert history["accuracy"][0] == pytest.approx(full["accuracy"], rel=1e-12)


def test_fit_steps_the_scheduler_once_per_epoch(data):
    X_train, _, y_train, _ = data
    model = classifier(5)
    optimizer = SGD(model.parameters(), lr=0.1)
    fit(model, CrossEntropyLoss(), optimizer, X_train, y_train, epochs=5,
        scheduler=StepLR(optimizer, 2, gamma=0.5), rng=0)
    assert optimizer.lr == 0.1 * 0.5 ** 2


def test_fit_steps_one_cycle_after_every_batch_as_the_hand_written_loop(data):
    X_train, _, y_train, _ = data
    by_hand, packaged = classifier(21), classifier(21)
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.5, epochs=4, steps_per_epoch=15)
    loader, rates = DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=3), []
    for _ in range(4):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(by_hand(xb), yb)
            by_hand.backward(loss_fn.backward())
            rate = optimizer.lr
            optimizer.step()
            scheduler.step()
        rates.append(rate)
    optimizer = SGD(packaged.parameters(), lr=0.1, momentum=0.9)
    history = fit(packaged, loss_fn, optimizer, X_train, y_train, epochs=4, batch_size=32,
                  rng=3, scheduler=OneCycleLR(optimizer, max_lr=0.5, epochs=4,
                                              steps_per_epoch=15))
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(by_hand.parameters(), packaged.parameters()))
    assert history["lr"] == rates and len(set(rates)) == 4       # the rate of each last step


def test_fit_steps_reduce_on_plateau_with_the_validation_loss_as_the_hand_written_loop(data):
    X_train, X_val, y_train, y_val = data
    by_hand, packaged = classifier(22), classifier(22)
    loss_fn = CrossEntropyLoss()
    optimizer = Adam(by_hand.parameters(), lr=0.05)
    scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    loader, rates = DataLoader(X_train, y_train, batch_size=64, shuffle=True, rng=4), []
    for _ in range(12):
        by_hand.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(by_hand(xb), yb)
            by_hand.backward(loss_fn.backward())
            optimizer.step()
        rates.append(optimizer.lr)
        scheduler.step(evaluate(by_hand, loss_fn, X_val, y_val)["loss"])
    optimizer = Adam(packaged.parameters(), lr=0.05)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    history = fit(packaged, loss_fn, optimizer, X_train, y_train, epochs=12, batch_size=64,
                  rng=4, validation_data=(X_val, y_val), scheduler=plateau)
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(by_hand.parameters(), packaged.parameters()))
    assert history["lr"] == rates and rates[-1] < rates[0]       # it did reduce
    assert plateau.best == min(history["val_loss"])
    model = classifier(23)
    optimizer = Adam(model.parameters())
    plateau = ReduceLROnPlateau(optimizer)
    history = fit(model, loss_fn, optimizer, X_train, y_train, epochs=3, rng=4,
                  scheduler=plateau)          # no validation data: watches the loss
    assert plateau.best == min(history["loss"]) and plateau.last_epoch == 3


def verbose_run(data, verbose, **options):
    X_train, X_val, y_train, y_val = data
    model = classifier(6)
    return fit(model, CrossEntropyLoss(), Adam(model.parameters()), X_train, y_train, epochs=3,
               rng=0, validation_data=(X_val, y_val), metrics={"accuracy": accuracy},
               verbose=verbose, **options)


def test_verbose_2_prints_one_line_per_epoch_and_false_nothing(data, capsys):
    verbose_run(data, 2, early_stopping=EarlyStopping(patience=5, verbose=True))
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch 1/3: loss ") and not captured.err
    assert lines[2].endswith(", lr 0.0010") and "val_accuracy" in lines[2]
    assert lines[3].startswith("restored weights of epoch ")
    verbose_run(data, False)
    assert capsys.readouterr() == ("", "")


def test_verbose_true_without_tqdm_prints_the_lines_of_verbose_2(data, capsys, monkeypatch):
    verbose_run(data, 2)
    lines = capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "tqdm", None)          # tqdm made unimportable
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    verbose_run(data, True)
    assert capsys.readouterr() == (lines, "") and lines.count("\n") == 3


def test_verbose_true_with_tqdm_draws_one_bar_of_every_step(data, capsys):
    pytest.importorskip("tqdm", reason="the progress bar of verbose=True draws with tqdm")
    history = verbose_run(data, True)
    captured = capsys.readouterr()
    final = captured.err.split("\r")[-1]
    assert captured.out == "" and "epoch 3/3" in final and "45/45" in final    # 3 x 15 steps
    assert "val_loss=" in final and history.epochs == 3


def test_fit_checks_each_input_once(data, monkeypatch):
    X_train, X_val, y_train, y_val = data
    calls = []
    for name in ("samples", "finite"):
        original = getattr(checks, name)

        def counting(x, *args, _original=original, _name=name, **kwargs):
            calls.append((_name, id(x)))
            return _original(x, *args, **kwargs)

        monkeypatch.setattr(checks, name, counting)
    model = classifier(7)
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
        epochs=3, validation_data=(X_val, y_val), rng=0)
    on_X_val = [name for name, x in calls if x == id(X_val)]
    assert sorted(on_X_val) == ["finite", "samples"]        # once, not once an epoch


# -- early stopping ------------------------------------------------------------------------

def test_early_stopping_restores_the_best_weights(data):
    X_train, X_val, y_train, y_val = data
    X_small, y_small = X_train[:60], y_train[:60]        # few samples, a big network: it overfits
    model = classifier(7, hidden=128)
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), X_small, y_small,
                  epochs=200, batch_size=16, validation_data=(X_val, y_val), rng=0,
                  early_stopping=EarlyStopping(patience=8))
    assert history.stopped_early and history.epochs < 200
    assert history.best_epoch == int(np.argmin(history["val_loss"])) + 1
    assert history.epochs == history.best_epoch + 8
    restored = evaluate(model, CrossEntropyLoss(), X_val, y_val)["loss"]
    assert restored == min(history["val_loss"])


def test_early_stopping_restores_even_without_stopping(data):
    X_train, X_val, y_train, y_val = data
    model, stopper = classifier(8), EarlyStopping(patience=100)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.5), X_train, y_train,
                  epochs=6, validation_data=(X_val, y_val), rng=0, early_stopping=stopper)
    assert not history.stopped_early and history.epochs == 6
    assert history.best_epoch == stopper.best_epoch
    assert evaluate(model, CrossEntropyLoss(), X_val, y_val)["loss"] == stopper.best
    again = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.5), X_train, y_train,
                epochs=1, validation_data=(X_val, y_val), rng=0, early_stopping=stopper)
    assert again.best_epoch == 1                  # reset before the run: a fresh start


def test_early_stopping_needs_the_monitored_value(data):
    X_train, _, y_train, _ = data
    model = classifier(9)
    with pytest.raises(ValueError, match=r"^EarlyStopping\(patience=5, .*\): monitor must "
                                         r"be one of 'loss', 'lr', got 'val_loss'; 'val_...' "
                                         "values need validation_data$"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
            epochs=2, early_stopping=EarlyStopping())
    with pytest.raises(TypeError, match="^fit: early_stopping must be an EarlyStopping, "
                                        "got int"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
            epochs=2, early_stopping=5)


# -- bad input and divergence --------------------------------------------------------------

def test_bad_arguments_are_refused_before_any_step(data):
    X_train, X_val, y_train, y_val = data
    model = classifier(10)
    before = model.state_dict()
    optimizer = SGD(model.parameters(), lr=0.1)
    loss_fn = CrossEntropyLoss()
    stopper = EarlyStopping()
    cases = [
        (ValueError, "X and y must be of the same length .one target per sample., got 450 "
                     "and 449 samples", dict(y=y_train[:-1])),
        (ValueError, "X_val and y_val must be of the same length",
         dict(validation_data=(X_val, y_val[:10]))),
        (TypeError, r"^fit: validation_data must be a pair \(X_val, y_val\), got ndarray$",
         dict(validation_data=X_val)),
        (TypeError, "validation_data must be a pair", dict(validation_data=(X_val, y_val, 1))),
        (ValueError, "integer class labels", dict(y=y_train.astype(np.float64))),
        (TypeError, r"^fit: X must be a NumPy array, got list; convert it with np.asarray\(X\)$",
         dict(X=X_train.tolist())),
        (ValueError, "^fit: X must be finite, got NaN or inf; clean the data before training$",
         dict(X=np.where(X_train > 2, np.nan, X_train))),
        (ValueError, "^fit: epochs must be a positive integer, got 0$", dict(epochs=0)),
        (TypeError, "^fit: epochs must be a positive integer, got 2.0$", dict(epochs=2.0)),
        (ValueError, "^fit: X must be at least one sample, got none$",
         dict(X=X_train[:0], y=y_train[:0])),
        (TypeError, "^fit: model must be a Module, got list$", dict(model=[])),
        (TypeError, "^fit: metric 'accuracy' must be a function, got str$",
         dict(metrics={"accuracy": "accuracy"})),
        (ValueError, "^fit: a metric's name must be neither 'loss' nor 'val_...'.*got 'val_acc'$",
         dict(metrics={"val_acc": accuracy})),
        (ValueError, "batch_size must be a positive integer, got 0", dict(batch_size=0)),
        (TypeError, r"^fit: y must be a NumPy array of targets, got None; fit compares the "
                    "outputs with targets: one per sample$", dict(y=None)),
        (TypeError, "^fit: y_val must be a NumPy array of targets, got None",
         dict(validation_data=(X_val, None))),
        (ValueError, r"^fit: optimizer must be an optimizer of the model's parameters \(at "
                     r"least one\), got one of 4 parameters, none of them the model's; build "
                     r"it from this model: SGD\(model.parameters\(\), ...\)$",
         dict(optimizer=SGD(classifier(10).parameters(), lr=0.1))),
        (TypeError, "^fit: optimizer must be an Optimizer, got list$", dict(optimizer=[])),
        (TypeError, r"^fit: callbacks must be a list of Callback objects, got one "
                    r"EarlyStopping; wrap it in a list: \[callback\]$",
         dict(callbacks=EarlyStopping())),
        (TypeError, r"^fit: callbacks\[1\] must be a Callback, got function$",
         dict(callbacks=[Callback(), lambda: 0])),
        (ValueError, "^fit: callbacks must be distinct objects, got one callback twice",
         dict(callbacks=[stopper, stopper])),
        (ValueError, "^fit: verbose must be one of 0, 1, 2, got 3$", dict(verbose=3)),
    ]
    for error, message, change in cases:
        arguments = dict(model=model, loss_fn=loss_fn, optimizer=optimizer, X=X_train,
                         y=y_train, epochs=1) | change
        with pytest.raises(error, match=message):
            fit(**arguments)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def regression_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    return X, X @ rng.normal(size=(5, 1)) + 0.1 * rng.normal(size=(64, 1))


def test_non_finite_data_are_refused_before_training():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(ValueError, match="^fit: y must be finite, got NaN or inf"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y_bad, epochs=1)
    X_bad = X.copy()
    X_bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="^fit: X_val must be finite, got NaN or inf"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y, epochs=1,
            validation_data=(X_bad, y))


def test_a_diverging_loss_stops_fit_naming_the_epoch_and_the_learning_rate():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    with pytest.raises(FloatingPointError,
                       match=r"^fit: the loss became (inf|nan) at epoch \d+, batch \d+ of 4; "
                             r"training diverged: lower the learning rate \(it is 5; try "
                             r"0\.5\), and start again"):
        fit(model, MSELoss(), SGD(model.parameters(), lr=5.0), X, y, epochs=500, batch_size=16,
            rng=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_after_divergence_the_weights_of_the_last_complete_epoch_are_restored():
    X, y = regression_data()
    model = Sequential(Linear(5, 1, rng=0))
    with pytest.raises(FloatingPointError, match=r"restored to those at the end of epoch (\d+)") \
            as info:
        fit(model, MSELoss(), SGD(model.parameters(), lr=5.0), X, y, epochs=500, batch_size=16,
            rng=0)
    epoch = int(info.value.args[0].rsplit("epoch ", 1)[1])
    reference = Sequential(Linear(5, 1, rng=0))
    fit(reference, MSELoss(), SGD(reference.parameters(), lr=5.0), X, y, epochs=epoch,
        batch_size=16, rng=0)
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(model.parameters(), reference.parameters()))


class NaNAfter(Module):
    """Identity until its forward has run `calls` times in training mode, then NaN."""

    def __init__(self, calls):
        self.calls, self.count = calls, 0

    def forward(self, x):
        self.count += self.training
        return x * np.nan if self.count > self.calls else x

    def backward(self, grad_output, input_grad=True):
        return grad_output if input_grad else None


def test_a_nan_output_names_epoch_and_batch_and_restores_the_previous_epoch(data):
    X_train, _, y_train, _ = data
    model = Sequential(Linear(10, 3, rng=0), NaNAfter(calls=15 + 2))    # 15 batches per epoch
    initial = model.state_dict()
    with pytest.raises(FloatingPointError, match=r"output became NaN or inf at epoch 2, batch 3 "
                                                 r"of 15;.*end of epoch 1$"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
            epochs=5, rng=0)
    after_one = Sequential(Linear(10, 3, rng=0))
    fit(after_one, CrossEntropyLoss(), SGD(after_one.parameters(), lr=0.1), X_train, y_train,
        epochs=1, rng=0)
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
    with pytest.raises(FloatingPointError, match="weights became NaN or inf at epoch 1; "
                                                 "training diverged.*before training"):
        fit(model, CrossEntropyLoss(), Poisoning(model.parameters(), lr=0.1), X_train, y_train,
            epochs=3, rng=0)
    assert all(np.array_equal(initial[k], v) for k, v in model.state_dict().items())

    broken = Sequential(Linear(10, 3, rng=0), NaNAfter(calls=0))
    with pytest.raises(FloatingPointError, match="at epoch 1, batch 1 of 15; this is before any "
                                                 "training step: check the initial weights"):
        fit(broken, CrossEntropyLoss(), SGD(broken.parameters(), lr=0.1), X_train, y_train,
            epochs=1)

    class NaNInEval(NaNAfter):
        def forward(self, x):
            return x if self.training else x * np.nan

    model = Sequential(Linear(10, 3, rng=0), NaNInEval(0))
    with pytest.raises(FloatingPointError, match="the output on the validation data became NaN "
                                                 "or inf at epoch 1; training diverged.*"
                                                 "their values before training$"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
            epochs=2, validation_data=(X_val, y_val))
    assert model.training                         # the mode is restored after the error


def test_overflow_warnings_do_not_escape_fit():
    X, y = regression_data()
    model = Sequential(Linear(5, 64, rng=0), ReLU(), Linear(64, 64, rng=1), ReLU(),
                       Linear(64, 1, rng=2))
    with pytest.raises(FloatingPointError):      # pytest turns RuntimeWarnings into errors
        fit(model, MSELoss(), SGD(model.parameters(), lr=1.0), X, y, epochs=200, batch_size=8,
            rng=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())


# -- evaluate and predict ------------------------------------------------------------------

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
    assert set(scores) == {"loss", "accuracy"} and scores["accuracy"] == accuracy(y_val, out)
    batched = predict(model, X_val, batch_size=7)
    assert np.allclose(batched, out, rtol=1e-13, atol=0) and batched.shape == out.shape
    by_batches = evaluate(model, CrossEntropyLoss(), X_val, y_val, batch_size=16)
    assert by_batches["loss"] == pytest.approx(scores["loss"], rel=1e-12)
    assert all(p.grad is None for p in model.parameters())          # no gradient touched


def test_evaluate_and_predict_check_their_arguments(data):
    _, X_val, _, y_val = data
    model = classifier(11)
    with pytest.raises(TypeError, match="^predict: X must be a NumPy array, got list"):
        predict(model, X_val.tolist())
    with pytest.raises(TypeError, match="^predict: model must be a Module, got function"):
        predict(lambda x: x, X_val)
    with pytest.raises(ValueError, match="^evaluate: X and y must be of the same length"):
        evaluate(model, CrossEntropyLoss(), X_val, y_val[:-1])
    with pytest.raises(ValueError, match="^evaluate: a metric's name must be neither 'loss'"):
        evaluate(model, CrossEntropyLoss(), X_val, y_val, metrics={"loss": accuracy})
    with pytest.raises(TypeError, match="^evaluate: y must be a NumPy array of targets, got "
                                        "None; evaluate compares the outputs with targets"):
        evaluate(model, CrossEntropyLoss(), X_val, None)


def test_predict_on_an_empty_input_gives_an_empty_output_with_or_without_batches(data):
    _, X_val, _, _ = data
    model = classifier(12)
    whole, batched = predict(model, X_val[:0]), predict(model, X_val[:0], batch_size=8)
    assert whole.shape == batched.shape == (0, 3) and batched.dtype == np.float64
    assert predict(model, X_val[:0].astype(np.float32).astype(np.float64),
                   batch_size=1).shape == (0, 3)


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


def test_every_public_name_is_importable_from_nnlib():
    for name in ["train_val_split", "Standardizer", "DataLoader", "accuracy", "predict",
                 "evaluate", "History", "fit", "Callback", "plot_history", "EarlyStopping",
                 "EpochPrinter", "ProgressBar", "save", "load"]:
        assert name in nnlib.__all__ and getattr(nnlib, name).__doc__.count(
            'Derived in chapter 8, "Training"') == 1


# -- metrics in scikit-learn's order ---------------------------------------------------------

def test_fit_and_evaluate_call_every_metric_with_the_targets_first(data):
    X_train, X_val, y_train, y_val = data
    seen = []

    def order(y_true, y_pred):
        seen.append((y_true.shape, y_pred.shape, y_true.dtype.kind))
        return 0.0

    model = classifier(13)
    fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train, epochs=1,
        batch_size=None, validation_data=(X_val, y_val), metrics=[order])
    evaluate(model, CrossEntropyLoss(), X_val, y_val, metrics=[order])
    assert seen == [((450,), (450, 3), "i"), ((150,), (150, 3), "i"), ((150,), (150, 3), "i")]


def test_scikit_learn_r2_score_through_fit_and_evaluate_is_r2_score():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 4))
    y = X @ np.array([[0.8], [-0.5], [0.3], [0.1]]) + rng.normal(scale=0.5, size=(120, 1))
    X_train, X_val, y_train, y_val = X[:90], X[90:], y[:90], y[90:]
    model = Sequential(Linear(4, 1, rng=0))
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.05), X_train, y_train,
                  epochs=15, batch_size=None, validation_data=(X_val, y_val),
                  metrics={"r2": sklearn_metrics.r2_score})
    predictions = predict(model, X_val)
    direct = sklearn_metrics.r2_score(y_val, predictions)
    scores = evaluate(model, MSELoss(), X_val, y_val, metrics={"r2": sklearn_metrics.r2_score})
    assert scores["r2"] == direct == history["val_r2"][-1]
    assert 0.5 < direct < 0.6                                   # a model half-way there
    assert sklearn_metrics.r2_score(predictions, y_val) > direct + 0.1      # order matters
    assert all(type(v) is float for v in history["r2"] + history["val_r2"])


# -- callbacks -----------------------------------------------------------------------------

class HookRecorder(Callback):
    """Records every hook with its arguments, and what fit gave it."""

    def __init__(self, stop_after=None):
        self.calls, self.stop_after = [], stop_after

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin", logs))
        self.seen = (self.model, self.history, dict(self.params))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs), logs["size"]))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs), self.history.epochs))
        self.stop_training = epoch == self.stop_after

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", logs))


def test_the_hooks_are_called_in_keras_order_with_their_logs(data):
    X_train, X_val, y_train, y_val = data
    model, recorder = classifier(14), HookRecorder()
    optimizer = SGD(model.parameters(), lr=0.1)
    history = fit(model, CrossEntropyLoss(), optimizer, X_train[:5], y_train[:5], epochs=2,
                  batch_size=2, shuffle=False, validation_data=(X_val, y_val),
                  metrics={"accuracy": accuracy}, scheduler=StepLR(optimizer, 1, gamma=0.5),
                  callbacks=[recorder])
    names = [call[0] for call in recorder.calls]
    one_epoch = ["epoch_begin"] + ["batch_begin", "batch_end"] * 3 + ["epoch_end"]
    assert names == ["train_begin"] + one_epoch * 2 + ["train_end"]
    assert recorder.seen == (model, history, {"epochs": 2, "steps": 3, "verbose": False,
                                              "metrics": ["loss", "accuracy", "val_loss",
                                                          "val_accuracy", "lr"]})
    batches = [call for call in recorder.calls if call[0] == "batch_end"]
    assert [(b[1], b[3]) for b in batches] == [(1, 2), (2, 2), (3, 1)] * 2
    assert batches[0][2] == ["accuracy", "loss", "size"]
    epochs = [call for call in recorder.calls if call[0] == "epoch_end"]
    assert [e[1] for e in epochs] == [1, 2] and [e[3] for e in epochs] == [0, 1]
    assert epochs[1][2] == {key: values[1] for key, values in history.items()}
    assert history["lr"] == [0.1, 0.05] and recorder.calls[-1] == ("train_end", epochs[1][2])


def test_a_callback_stops_training_and_the_history_says_so(data):
    X_train, _, y_train, _ = data
    model, recorder = classifier(15), HookRecorder(stop_after=2)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
                  epochs=5, rng=0, callbacks=(recorder,))
    assert history.epochs == 2 and history.stopped_early and history.best_epoch is None
    again = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
                epochs=1, rng=0, callbacks=[HookRecorder(stop_after=1)])
    assert again.epochs == 1 and not again.stopped_early       # stopped at its last epoch


def test_early_stopping_as_a_callback_is_the_early_stopping_argument(data):
    X_train, X_val, y_train, y_val = data
    runs = []
    for option in ("callbacks", "early_stopping"):
        model, stopper = classifier(7, hidden=128), EarlyStopping(patience=4)
        arguments = {option: [stopper] if option == "callbacks" else stopper}
        runs.append((fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01),
                         X_train[:60], y_train[:60], epochs=100, batch_size=16, rng=0,
                         validation_data=(X_val, y_val), **arguments), model.state_dict()))
    (first, weights), (second, other) = runs
    assert first == second and first.best_epoch == second.best_epoch and first.stopped_early
    assert all(np.array_equal(weights[k], other[k]) for k in weights)


def test_a_stop_asked_in_an_earlier_run_is_forgotten(data):
    X_train, _, y_train, _ = data
    callback = Callback()
    callback.stop_training = True
    model = classifier(16)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X_train, y_train,
                  epochs=3, rng=0, callbacks=[callback])
    assert history.epochs == 3 and not history.stopped_early


# -- the optimizer and the model ----------------------------------------------------------

def test_an_optimizer_of_some_parameters_freezes_the_others_as_in_pytorch(data):
    X_train, _, y_train, _ = data
    model = classifier(17)
    first = model[0].weight.data.copy()
    history = fit(model, CrossEntropyLoss(), Adam(model[2].parameters(), lr=0.01), X_train,
                  y_train, epochs=5, rng=0)
    assert np.array_equal(model[0].weight.data, first)
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("function", ["predict", "evaluate", "fit"])
def test_a_batch_size_of_0_is_refused_by_the_function_called(function):
    model, X, y = Linear(1, 1), np.zeros((2, 1)), np.zeros((2, 1))
    arguments = {"predict": (model, X), "evaluate": (model, MSELoss(), X, y),
                 "fit": (model, MSELoss(), SGD(model.parameters(), 0.1), X, y, 1)}
    with pytest.raises(ValueError, match=f"^{function}: batch_size must be a positive "
                       "integer, got 0$"):
        getattr(nnlib, function)(*arguments[function], batch_size=0)
