# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""Saving a model's weights to an ``.npz`` file and loading them back: bit for bit, and
never with pickle.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

import os
import tempfile
from pathlib import Path
import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["save", "load"]


def _npz_path(path):
    """``path`` as a ``Path``, with ``.npz`` appended if it has another suffix or none
    (as ``np.savez`` does); a file object is returned as it is."""
    if isinstance(path, (str, Path)):
        path = Path(path)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    return path


def save(model, path):
    """Write the model's ``state_dict()`` to an ``.npz`` file, without pickle.

    Derived in chapter 8, "Training". Each parameter and buffer becomes one array of the
    archive, named as in the state dict (``"0.weight"``), with its exact shape, dtype
    and bits. ``.npz`` is appended to a file name that does not end with it, as
    ``np.savez`` does. A file is written next to its target and then renamed over it in
    one step, so a save that fails half-way (a full disk) leaves the previous file
    intact.

    Parameters
    ----------
    model : Module
    path : str, pathlib.Path or a binary file object open for writing

    Returns
    -------
    pathlib.Path or the file object
        Where the model was written.
    """
    checks.instance(model, "model", "save", Module)
    state = model.state_dict()
    for name, array in state.items():
        if array.dtype.hasobject:
            checks.fail(ValueError, "save", f"'{name}'", "a numeric array",
                        "an object array", "only pickle could store it")
    path = _npz_path(path)
    if not isinstance(path, Path):          # a file object: written where it stands
        np.savez(path, **state)
        return path
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **state)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)             # atomic: the old file or the new one
    except BaseException:
        os.unlink(temporary)
        raise
    return path


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")     # the first bytes of every zip archive
_NEVER_UNPICKLE = "nnlib never unpickles, because unpickling can run arbitrary code"


def _first_bytes(file):
    """The first 4 bytes of a file: a ``Path``, or a file object, read from where it
    stands and put back there."""
    if isinstance(file, Path):
        with open(file, "rb") as f:
            return f.read(4)
    start = file.tell()
    magic = file.read(4)
    file.seek(start)
    return magic


def _read_npz(file, name):
    """Every array of the ``.npz`` archive ``file`` (called ``name`` in messages), read
    without pickle."""
    magic = _first_bytes(file)
    kind = "a pickle" if magic[:1] == b"\x80" else "another kind of file"
    if magic not in _ZIP_MAGIC:
        checks.fail(ValueError, "load", name, "an .npz archive written by save()", kind,
                    _NEVER_UNPICKLE)
    state, refused = {}, []
    with np.load(file, allow_pickle=False) as archive:
        for key in archive.files:
            try:
                state[key] = archive[key]
            except ValueError:                   # an object array: only pickle reads it
                refused.append(key)
    if refused:
        checks.fail(ValueError, "load", f"'{refused[0]}' in {name}", "a numeric array",
                    "an object array, which only pickle reads", _NEVER_UNPICKLE)
    return state


def load(model, path):
    """Load weights written by ``save`` into ``model``, in place. Pickled data are
    refused.

    Derived in chapter 8, "Training". The file is read with ``np.load(path,
    allow_pickle=False)``: unpickling can run arbitrary code, so a pickle, or an archive
    with an array that needs pickle (an object array), is refused with a
    ``ValueError``, as is any file that is not an ``.npz`` archive. Every array must
    match the model's state dict in name, shape and dtype; otherwise a ``ValueError``
    names the keys, and the model is left unchanged.

    Parameters
    ----------
    model : Module
        A model of the saved model's architecture and dtype.
    path : str, pathlib.Path or a binary file object open for reading
        If no file has this name, ``.npz`` is appended, as ``save`` does.

    Returns
    -------
    Module
        ``model``, holding the loaded weights.
    """
    checks.instance(model, "model", "load", Module)
    if isinstance(path, (str, Path)):
        path = Path(path)
        if not path.exists() and _npz_path(path).exists():    # the name given to save()
            path = _npz_path(path)
    name = path.name if isinstance(path, Path) else "the file"
    state, expected = _read_npz(path, name), model.state_dict()
    for key in sorted(state.keys() & expected.keys()):
        dtype = state[key].dtype
        if dtype != expected[key].dtype:
            checks.fail(ValueError, "load", f"'{key}' in {name}", expected[key].dtype,
                        dtype, f"convert the model with model.to(np.{dtype}) first")
    model.load_state_dict(state)
    return model
