"""nnlib.serialization (chapter 8): saving models to .npz, bit for bit, and loading them
back without pickle, all or nothing."""
import io
import pickle
import struct
import tracemalloc
import zipfile

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
                       r"^load: the arrays of shape.npz must be the model's state dict, got "
                       r"'0.weight' of shape \(10, 31\) where the model has \(10, 32\); load "
                       "into a model of the saved architecture$"),
             "dtype": ({**state, "2.bias": state["2.bias"].astype(np.float32)},
                       r"^load: the arrays of dtype.npz must be the model's state dict, got "
                       r"'2.bias' of dtype float32 where the model has float64; convert the "
                       r"model with model.to\(np.float32\) first$")}
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


# -- damaged and crafted files: one ValueError naming the file, before any large allocation ---

def npy_header(shape, descr="<f8"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


def archive(tmp_path, name, members):
    with zipfile.ZipFile(tmp_path / name, "w") as file:
        for member, data in members.items():
            file.writestr(member, data)
    return tmp_path / name


def refused(model, path, message):
    """load(model, path) raises one ValueError matching message; the model is unchanged."""
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        load(model, path)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def first_member_data(raw):
    """The offset of the first member's data (its NPY header) in a zip archive."""
    name_length, extra_length = struct.unpack("<HH", raw[26:30])
    return 30 + name_length + extra_length


def test_a_flipped_header_byte_is_a_damaged_header_not_pickle(tmp_path):
    """Members rewritten with a valid zip checksum, so that the header itself is read."""
    state = classifier(20).state_dict()
    members = {}
    for key, value in state.items():
        buffer = io.BytesIO()
        np.save(buffer, value)
        members[f"{key}.npy"] = buffer.getvalue()
    for offset, what in [(6, "an unknown NPY version"),                  # the version byte
                         (12, "Header does not contain the correct keys"),  # 'descr'
                         (0, "the magic string is not correct")]:
        flipped = bytearray(members["0.weight.npy"])
        flipped[offset] ^= 0x01
        path = archive(tmp_path, "flipped.npz", {**members, "0.weight.npy": bytes(flipped)})
        refused(classifier(21), path,
                r"^load: '0.weight' in flipped.npz must be NPY data with a readable header, "
                rf"got data that are not \({what}.*\); the file is damaged or was not written "
                r"by save\(\); save the model again$")
    raw = bytearray(save(classifier(20), tmp_path / "model.npz").read_bytes())
    raw[first_member_data(raw) + 12] ^= 0x01                    # damage: the checksum fails
    (tmp_path / "model.npz").write_bytes(bytes(raw))
    refused(classifier(21), tmp_path / "model.npz",
            r"^load: model.npz must be a complete .npz archive, got a damaged one \(Bad CRC-32 "
            r"for file '0.weight.npy'\)")


def test_a_flipped_data_byte_fails_the_checksum(tmp_path):
    raw = bytearray(save(classifier(22), tmp_path / "model.npz").read_bytes())
    raw[first_member_data(raw) + 200] ^= 0x01                  # inside 0.weight's numbers
    (tmp_path / "model.npz").write_bytes(bytes(raw))
    refused(classifier(23), tmp_path / "model.npz",
            r"^load: model.npz must be a complete .npz archive, got a damaged one \(Bad CRC-32 "
            r"for file '0.weight.npy'\); the file is damaged")


def test_a_truncated_file_is_refused_by_name(tmp_path):
    raw = save(classifier(24), tmp_path / "model.npz").read_bytes()
    for length in (len(raw) // 2, len(raw) - 10, 40):
        (tmp_path / "cut.npz").write_bytes(raw[:length])
        refused(classifier(25), tmp_path / "cut.npz",
                r"^load: cut.npz must be a complete .npz archive, got a damaged one "
                r"\(File is not a zip file\); the file is damaged")


def test_a_huge_declared_shape_is_refused_before_anything_is_allocated(tmp_path):
    path = archive(tmp_path, "huge.npz", {"0.weight.npy": npy_header((10**12,))})
    assert path.stat().st_size < 300
    tracemalloc.start()
    try:
        refused(classifier(26), path,
                r"^load: '0.weight' in huge.npz must be 8000000000000 bytes of data, as its "
                r"header declares \(shape \(1000000000000,\), float64\), got 0; the file is "
                "damaged")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10**7                                         # nothing near 8 TB, or 8 MB


def test_a_declared_shape_that_matches_the_size_but_not_the_model_is_never_read(tmp_path):
    big = npy_header((4000, 1000)) + bytes(8 * 4000 * 1000)     # honest, 32 MB, not the model's
    path = archive(tmp_path, "other.npz", {"0.weight.npy": big})
    refused(classifier(27), path, r"^load: the arrays of other.npz must be the model's state "
                                  r"dict, got missing key '0.bias', missing key '2.weight', "
                                  r"missing key '2.bias', '0.weight' of shape \(4000, 1000\) "
                                  r"where the model has \(10, 32\)")


def test_a_member_holding_more_or_fewer_bytes_than_declared_is_refused(tmp_path):
    state = classifier(28).state_dict()
    members = {f"{k}.npy": npy_header(v.shape) + v.tobytes() for k, v in state.items()}
    members["2.bias.npy"] += b"\x00" * 8                       # one number too many
    refused(classifier(29), archive(tmp_path, "long.npz", members),
            r"^load: '2.bias' in long.npz must be 24 bytes of data, as its header declares "
            r"\(shape \(3,\), float64\), got 32")
    members["2.bias.npy"] = members["2.bias.npy"][:-16]
    refused(classifier(29), archive(tmp_path, "short.npz", members), "got 16")


def test_a_member_that_is_not_npy_data_is_refused(tmp_path):
    path = archive(tmp_path, "text.npz", {"0.weight.npy": b"hello, I am not an array",
                                          "0.bias.npy": npy_header((32,)) + bytes(256)})
    refused(classifier(30), path, r"^load: '0.weight' in text.npz must be NPY data with a "
                                  r"readable header, got data that are not \(the magic string "
                                  r"is not correct")
    readme = archive(tmp_path, "readme.npz", {"README.txt": b"weights below"})
    refused(classifier(30), readme, r"^load: 'README.txt' in readme.npz must be NPY data")


def test_a_crafted_archive_that_fits_loads_exactly(tmp_path):
    """The reader of the headers reads what np.save writes, in both memory orders."""
    model = classifier(31)
    state = model.state_dict()
    members = {}
    for key, value in state.items():
        buffer = io.BytesIO()
        np.save(buffer, np.asfortranarray(value) if key == "0.weight" else value)
        members[f"{key}.npy"] = buffer.getvalue()
    copy = load(classifier(32), archive(tmp_path, "fortran.npz", members))
    assert all(np.array_equal(state[k], v) for k, v in copy.state_dict().items())
