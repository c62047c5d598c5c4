"""Checkpoints (chapter 8): save_checkpoint, load_checkpoint and fit(checkpoint=...,
resume_from=...). A run interrupted after epoch k and resumed equals the uninterrupted run bit
for bit; a checkpoint of another run, or a damaged or crafted file, is refused."""
import io
import json
import zipfile

import numpy as np
import pytest

from nnlib import (SGD, Adam, Callback, CrossEntropyLoss, Dropout, EarlyStopping, Linear,
                   OneCycleLR, ReduceLROnPlateau, ReLU, Sequential, StepLR, fit, load,
                   load_checkpoint, save, save_checkpoint, serialization)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, size=240)
    X = rng.normal(size=(3, 6))[y] + rng.normal(size=(240, 6))
    return X[:180], X[180:], y[:180], y[180:]


def make_run(seed, kind):
    """The pieces of a run, all built from ``seed``: a classifier with dropout, an
    optimizer and a scheduler of ``kind``, and fit's shuffling generator."""
    init = np.random.default_rng(seed)
    model = Sequential(Linear(6, 16, rng=init), ReLU(), Dropout(0.25, rng=seed + 1),
                       Linear(16, 3, rng=init))
    if kind == "sgd":
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
        scheduler = StepLR(optimizer, 2, gamma=0.5)
    elif kind == "adam":
        optimizer = Adam(model.parameters(), lr=0.01)
        scheduler = OneCycleLR(optimizer, max_lr=0.02, total_steps=6 * 12)
    else:
        optimizer = Adam(model.parameters(), lr=0.01)
        scheduler = ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    return model, optimizer, scheduler, np.random.default_rng(seed + 2)


def train(run, data, epochs=6, **options):
    model, optimizer, scheduler, shuffler = run
    X_train, X_val, y_train, y_val = data
    return fit(model, CrossEntropyLoss(), optimizer, X_train, y_train, epochs,
               batch_size=16, validation_data=(X_val, y_val), rng=shuffler,
               scheduler=scheduler, **options)


class Interrupt(Callback):
    """Raise KeyboardInterrupt at batch 3 of epoch ``epoch``, as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch, self.now = epoch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.now = epoch

    def on_batch_begin(self, batch, logs=None):
        if self.now == self.epoch and batch == 3:
            raise KeyboardInterrupt


def same_state(a, b):
    return all(x.tobytes() == y.tobytes()
               for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.mark.parametrize("kind", ["sgd", "adam", "plateau"])
@pytest.mark.parametrize("k", [1, 3])
def test_a_run_interrupted_after_epoch_k_and_resumed_is_the_uninterrupted_run(
        tmp_path, data, kind, k):
    whole = make_run(0, kind)
    history = train(whole, data)
    path = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt):
        train(make_run(0, kind), data, checkpoint=path, callbacks=[Interrupt(k + 1)])
    resumed = make_run(7, kind)                  # other initial weights and other seeds
    again = train(resumed, data, resume_from=path, checkpoint=path)
    assert again == history and list(again) == list(history)
    assert same_state(whole[0], resumed[0])
    assert whole[1].state_dict()["param_groups"] == resumed[1].state_dict()["param_groups"]
    assert whole[2].state_dict() == resumed[2].state_dict()
    for a, b in [(whole[3], resumed[3]), (whole[0][2].rng, resumed[0][2].rng)]:
        assert a.bit_generator.state == b.bit_generator.state
    epoch, saved = load_checkpoint(path, *make_run(9, kind))
    assert epoch == 6 and saved == dict(history)


def test_the_checkpoint_holds_every_piece_without_pickle(tmp_path, data):
    run = make_run(0, "adam")
    train(run, data, epochs=2, checkpoint=tmp_path / "run")       # .npz appended
    with np.load(tmp_path / "run.npz", allow_pickle=False) as archive:
        names = set(archive.files)
        record = json.loads(archive["checkpoint"].tobytes())
    assert {f"model.{k}" for k in run[0].state_dict()} < names
    assert {"optimizer.0.exp_avg", "optimizer.3.exp_avg_sq"} < names
    assert record["epoch"] == 2 and len(record["history"]["loss"]) == 2
    assert record["optimizer"]["class"] == "Adam"
    assert record["scheduler"]["class"] == "OneCycleLR"
    assert sorted(record["generators"]) == ["fit", "model.2.rng"]
    assert record["generators"]["fit"] == run[3].bit_generator.state


@pytest.mark.parametrize("piece", ["optimizer", "scheduler", "fit", "dropout"])
def test_leaving_out_any_piece_changes_the_resumed_run(tmp_path, data, piece):
    whole = make_run(0, "sgd")
    train(whole, data)
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=3, checkpoint=path)
    run = make_run(7, "sgd")
    model, optimizer, scheduler, shuffler = run
    epoch, history = load_checkpoint(path, *run)
    fresh = make_run(7, "sgd")
    if piece == "optimizer":
        optimizer.state.clear()
    elif piece == "scheduler":
        scheduler.load_state_dict(fresh[2].state_dict())
    elif piece == "fit":
        shuffler.bit_generator.state = fresh[3].bit_generator.state
    else:
        model[2].rng.bit_generator.state = fresh[0][2].rng.bit_generator.state
    save_checkpoint(path, model, optimizer, scheduler, epoch, history, shuffler)
    train(run, data, resume_from=path)
    assert not same_state(whole[0], model)


def test_a_checkpoint_of_another_run_is_refused_and_changes_nothing(tmp_path, data):
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=2, checkpoint=path)

    def refused(model, optimizer, scheduler=None, rng=None, match=""):
        before = model.state_dict(), optimizer.state_dict()
        states = rng and rng.bit_generator.state
        with pytest.raises(ValueError, match=match):
            load_checkpoint(path, model, optimizer, scheduler, rng)
        assert same_state(model, Sequential()) or all(
            np.array_equal(before[0][k], v) for k, v in model.state_dict().items())
        assert optimizer.state_dict()["param_groups"] == before[1]["param_groups"]
        assert (rng and rng.bit_generator.state) == states

    model, _, scheduler, rng = make_run(1, "sgd")
    adam = Adam(model.parameters())
    refused(model, adam, StepLR(adam, 2), rng,
            r"^load_checkpoint: run.npz must be a checkpoint of a run with optimizer Adam, "
            r"scheduler StepLR, generators \['fit', 'model.2.rng'\], got one with optimizer "
            "SGD, ")
    model, optimizer, scheduler, rng = make_run(1, "sgd")
    refused(model, optimizer, None, rng, "scheduler None, .* got one with .*scheduler StepLR")
    refused(model, optimizer, scheduler, None, r"generators \['model.2.rng'\], got one with "
            r".*generators \['fit', 'model.2.rng'\]")
    wide = Sequential(Linear(6, 32), ReLU(), Dropout(0.25), Linear(32, 3))
    sgd = SGD(wide.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    refused(wide, sgd, StepLR(sgd, 2), rng,
            r"^load_checkpoint: the arrays of run.npz must be the state of this model and "
            r"optimizer, got 'model.0.weight' of shape \(6, 16\) where the model has \(6, 32\)")
    few = SGD(model[0].parameters(), lr=0.05, momentum=0.9, nesterov=True)
    refused(model, few, StepLR(few, 2), rng, "unexpected key 'optimizer.2.momentum_buffer'")


def test_fit_refuses_to_resume_a_complete_run(tmp_path, data):
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=2, checkpoint=path)
    with pytest.raises(ValueError, match=r"^fit: epochs must be more than the 2 epochs "
                                         r"already run in .*run.npz, got 2; the run is complete"):
        train(make_run(0, "sgd"), data, epochs=2, resume_from=path)


def crafted(path, change):
    """Rewrite the checkpoint ``path`` with its JSON record changed by ``change``."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    record = json.loads(arrays["checkpoint"].tobytes())
    text = change(record)
    arrays["checkpoint"] = np.frombuffer(
        text if isinstance(text, bytes) else json.dumps(text).encode(), np.uint8)
    np.savez(path, **arrays)


@pytest.mark.parametrize("change, match", [
    (lambda r: b"\xff\xfe not JSON", "without a valid checkpoint record"),
    (lambda r: {**r, "format": "something else"}, "without a valid checkpoint record"),
    (lambda r: {**r, "epoch": "3"}, "without a valid checkpoint record"),
    (lambda r: {**r, "history": {"loss": 1.0}}, "without a valid checkpoint record"),
    (lambda r: {**r, "generators": {**r["generators"], "fit": {"bit_generator": "PCG64"}}},
     "does not fit this run"),
    (lambda r: {**r, "optimizer": {**r["optimizer"], "param_groups": [{}]}},
     "does not fit this run"),
])
def test_a_crafted_record_is_refused_and_changes_nothing(tmp_path, data, change, match):
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=2, checkpoint=path)
    crafted(path, change)
    model, optimizer, scheduler, rng = run = make_run(1, "sgd")
    before = model.state_dict(), rng.bit_generator.state, scheduler.state_dict()
    with pytest.raises(ValueError, match=match):
        load_checkpoint(path, *run)
    assert all(np.array_equal(before[0][k], v) for k, v in model.state_dict().items())
    assert rng.bit_generator.state == before[1] and scheduler.state_dict() == before[2]
    assert optimizer.state_dict()["state"] == {}


def test_damaged_files_are_refused_as_load_refuses_them(tmp_path, data):
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=1, checkpoint=path)
    good = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[:len(good) // 2])
    with pytest.raises(ValueError, match="^load_checkpoint: cut.npz must be a complete .npz"):
        load_checkpoint(tmp_path / "cut.npz", *make_run(1, "sgd"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "|u1", "fortran_order": False, "shape": (10**12,)})
        archive.writestr("checkpoint.npy", header.getvalue())
    (tmp_path / "huge.npz").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="^load_checkpoint: 'checkpoint' in huge.npz must be "
                                         "1000000000000 bytes of data"):
        load_checkpoint(tmp_path / "huge.npz", *make_run(1, "sgd"))
    model = make_run(1, "sgd")[0]
    save(model, tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="^load_checkpoint: weights.npz must be a checkpoint "
                                         r"written by save_checkpoint\(\).*load\(\)$"):
        load_checkpoint(tmp_path / "weights.npz", *make_run(1, "sgd"))
    with pytest.raises(ValueError, match="^load: the arrays of run.npz must be the model's"):
        load(model, path)


def test_a_record_declared_larger_than_the_limit_is_never_read(tmp_path, data, monkeypatch):
    path = tmp_path / "run.npz"
    train(make_run(0, "sgd"), data, epochs=1, checkpoint=path)
    monkeypatch.setattr(serialization, "_LONGEST_RECORD", 100)
    with pytest.raises(ValueError, match="without a valid checkpoint record"):
        load_checkpoint(path, *make_run(1, "sgd"))


def test_save_checkpoint_checks_its_arguments_and_writes_atomically(tmp_path, data,
                                                                   monkeypatch):
    model, optimizer, scheduler, rng = make_run(0, "sgd")
    with pytest.raises(TypeError, match="^save_checkpoint: optimizer must be an Optimizer"):
        save_checkpoint(tmp_path / "x.npz", model, [], scheduler)
    with pytest.raises(ValueError, match="^save_checkpoint: epoch must be a positive integer"):
        save_checkpoint(tmp_path / "x.npz", model, optimizer, scheduler, epoch=0)
    path = save_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler, 1, None, rng)
    before = path.read_bytes()

    def full_disk(file, **arrays):
        file.write(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(serialization.np, "savez", full_disk)
    with pytest.raises(OSError):
        save_checkpoint(path, model, optimizer, scheduler, 2, None, rng)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def stopped_early(run, data, **options):
    """``train`` for up to 40 epochs with early stopping of patience 3."""
    return train(run, data, epochs=40, early_stopping=options.pop("stopper", None)
                 or EarlyStopping(patience=3), **options)


def test_a_run_with_early_stopping_resumes_bit_for_bit(tmp_path, data):
    whole = make_run(0, "plateau")
    history = stopped_early(whole, data)
    assert history.stopped_early and history.epochs == history.best_epoch + 3
    path = tmp_path / "run.npz"
    with pytest.raises(KeyboardInterrupt):          # the checkpoint holds best_epoch + 1
        stopped_early(make_run(0, "plateau"), data, checkpoint=path,
                      callbacks=[Interrupt(history.best_epoch + 2)])
    resumed, stopper = make_run(7, "plateau"), EarlyStopping(patience=3)
    again = stopped_early(resumed, data, resume_from=path, stopper=stopper)
    assert again == history and again.best_epoch == history.best_epoch
    assert again.stopped_early and stopper.wait == 3 and same_state(whole[0], resumed[0])
    # without the state of early stopping the resumed run ends elsewhere
    run = make_run(7, "plateau")
    epoch, saved = load_checkpoint(path, *run, EarlyStopping(patience=3))
    save_checkpoint(path, *run[:3], epoch, saved, run[3], EarlyStopping(patience=3))
    forgetful = stopped_early(run, data, resume_from=path)
    assert forgetful.epochs > history.epochs and not same_state(whole[0], run[0])


def test_early_stopping_state_must_match_the_run(tmp_path, data):
    path, plain = tmp_path / "run.npz", tmp_path / "plain.npz"
    history = stopped_early(make_run(0, "sgd"), data, checkpoint=path)
    train(make_run(0, "sgd"), data, epochs=2, checkpoint=plain)
    with pytest.raises(ValueError, match=r"^load_checkpoint: run.npz must be a checkpoint "
                       r"of a run with .*'model.2.rng'\], no early stopping, got one with "
                       r".*'model.2.rng'\], early stopping; build the pieces"):
        train(make_run(1, "sgd"), data, epochs=40, resume_from=path)
    with pytest.raises(ValueError, match=r"plain.npz must be .*\], early stopping, got "
                                         r"one with .*\], no early stopping;"):
        stopped_early(make_run(1, "sgd"), data, resume_from=plain)
    ended = EarlyStopping(patience=3)
    with pytest.raises(ValueError, match=r"^fit: resume_from must be a checkpoint of a run "
                       rf"in progress, got .*run.npz, which early stopping ended after "
                       rf"epoch {history.epochs}; the run is complete$"):
        stopped_early(make_run(1, "sgd"), data, resume_from=path, stopper=ended)
    assert ended.best is None and ended.wait == 0      # not resumed: nothing kept
    stopper = EarlyStopping(monitor="val_loss", mode="max")
    model, optimizer, scheduler, rng = run = make_run(1, "sgd")
    before = model.state_dict(), rng.bit_generator.state
    with pytest.raises(ValueError, match=r"does not fit this run: EarlyStopping"
                                         r".load_state_dict: state_dict must be the state "
                                         r"of EarlyStopping\(.*\), got mode 'min'"):
        load_checkpoint(path, *run, stopper)
    assert stopper.best is None and rng.bit_generator.state == before[1]
    assert all(np.array_equal(before[0][k], v) for k, v in model.state_dict().items())


def test_early_stopping_state_dict_round_trip_and_refusals():
    stopper = EarlyStopping(patience=4)
    stopper.best, stopper.best_epoch, stopper.wait = 0.25, 3, 2
    stopper.best_state = {"0.weight": np.ones((2, 2))}
    state = stopper.state_dict()
    state["best_state"]["0.weight"][0, 0] = 5.0                  # a copy
    assert stopper.best_state["0.weight"][0, 0] == 1.0
    other = EarlyStopping(patience=4)
    other.load_state_dict(stopper.state_dict())
    assert (other.best, other.best_epoch, other.wait) == (0.25, 3, 2)
    assert np.array_equal(other.best_state["0.weight"], np.ones((2, 2)))
    for wrong in [{**state, "wait": -1}, {**state, "best": "low"}, {"best": 0.1},
                  {**state, "monitor": "val_accuracy"}, []]:
        fresh = EarlyStopping()
        with pytest.raises((ValueError, TypeError), match="^EarlyStopping.load_state_dict"):
            fresh.load_state_dict(wrong)
        assert fresh.best is None and fresh.wait == 0
