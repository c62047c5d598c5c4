"""nnlib.serialization (chapter 8): saving models to .npz, bit for bit, and loading them
back without pickle, all or nothing."""
import io
import pickle

import numpy as np
import pytest

from nnlib import Linear, ReLU, Sequential, load, save
from nnlib import serialization


def classifier(seed, dtype=np.float64):
    init = np.random.default_rng(seed)
    return Sequential(Linear(10, 32, rng=init, dtype=dtype), ReLU(),
                      Linear(32, 3, rng=init, dtype=dtype))


def test_the_names_live_in_nnlib_serialization():
    assert serialization.save is save and serialization.load is load


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
    assert all(a.tobytes() == b.tobytes()
               for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == list(model.state_dict())


def test_load_names_missing_extra_misshapen_and_mistyped_keys_and_changes_nothing(tmp_path):
    model = classifier(15)
    state = model.state_dict()
    cases = {"missing": ({k: v for k, v in state.items() if k != "2.bias"},
                         "missing key '2.bias'"),
             "extra": ({**state, "5.weight": np.zeros(3)}, "unexpected key '5.weight'"),
             "shape": ({**state, "0.weight": np.zeros((10, 31))},
                       r"'0.weight' has shape \(10, 31\)"),
             "dtype": ({**state, "2.bias": state["2.bias"].astype(np.float32)},
                       r"^load: '2.bias' in dtype.npz must be float64, got float32; convert "
                       r"the model with model.to\(np.float32\) first$")}
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
        target = classifier(16)
        before = target.state_dict()
        with pytest.raises(ValueError, match=message):
            load(target, tmp_path / f"{name}.npz")
        assert all(np.array_equal(before[k], v) for k, v in target.state_dict().items())


def test_load_refuses_pickled_data(tmp_path):
    model = classifier(17)
    np.savez(tmp_path / "object.npz",
             **{**model.state_dict(), "0.bias": np.array([None, 1], dtype=object)})
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^load: '0.bias' in object.npz must be a numeric "
                                         "array, got an object array, which only pickle "
                                         "reads; nnlib never unpickles, because unpickling "
                                         "can run arbitrary code$"):
        load(model, tmp_path / "object.npz")
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    with open(tmp_path / "model.pkl", "wb") as f:
        pickle.dump(model.state_dict(), f)
    with pytest.raises(ValueError, match=r"^load: model.pkl must be an .npz archive written "
                                         r"by save\(\), got a pickle; nnlib never unpickles"):
        load(model, tmp_path / "model.pkl")
    (tmp_path / "notes.npz").write_text("not an archive")
    with pytest.raises(ValueError, match="notes.npz must be an .npz archive written by "
                                         r"save\(\), got another kind of file"):
        load(model, tmp_path / "notes.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single.npy must be an .npz archive"):
        load(model, tmp_path / "single.npy")
    buffer = io.BytesIO(pickle.dumps(model.state_dict()))
    with pytest.raises(ValueError, match="the file must be an .npz archive"):
        load(model, buffer)
    assert buffer.tell() == 0                        # the file object is left where it was


def test_save_and_load_refuse_object_arrays_and_non_modules(tmp_path):
    model = classifier(18)
    model.register_buffer("labels", np.array(["a", None], dtype=object))
    with pytest.raises(ValueError, match="^save: 'labels' must be a numeric array, got an "
                                         "object array; only pickle could store it$"):
        save(model, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="^save: model must be a Module, got dict$"):
        save({"weight": np.zeros(2)}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="^load: model must be a Module, got dict$"):
        load({"weight": np.zeros(2)}, tmp_path / "m.npz")


def test_the_archive_holds_exactly_the_state_dict(tmp_path):
    """np.savez(path, allow_pickle=False, ...) stored allow_pickle as an array on NumPy < 2.2."""
    model = classifier(0)
    path = save(model, tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(model.state_dict())


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = save(classifier(0), tmp_path / "model.npz")
    before = path.read_bytes()

    def full_disk(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(serialization.np, "savez", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save(classifier(1), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"], "no temporary file left"
    monkeypatch.undo()
    restored = load(classifier(2), path)
    assert np.array_equal(restored[0].weight.data, classifier(0)[0].weight.data)


def test_save_replaces_an_existing_file_and_writes_to_file_objects(tmp_path):
    path = save(classifier(0), tmp_path / "model.npz")
    save(classifier(1), path)
    assert np.array_equal(load(classifier(2), path)[0].weight.data, classifier(1)[0].weight.data)
    buffer = io.BytesIO()
    assert save(classifier(3), buffer) is buffer
    buffer.seek(0)
    assert np.array_equal(load(classifier(4), buffer)[0].weight.data,
                          classifier(3)[0].weight.data)
