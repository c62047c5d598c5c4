# Generated from chapters/08_training.ipynb by tools/export.py. Do not edit.
"""Saving a model's weights to an ``.npz`` file and loading them back: bit for bit, and
never with pickle.

Derived in chapter 8, "Training" (chapters/08_training.ipynb)."""

import math
import os
import tempfile
import zipfile
import zlib
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
_DAMAGED = "the file is damaged or was not written by save(); save the model again"


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


def _npy_header(member, where):
    """The shape, dtype and Fortran order that an archive member declares in its NPY
    header, and the header's length, read without reading the data."""
    try:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"an unknown NPY version {version}")
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read(member)
    except (ValueError, SyntaxError) as error:          # not NPY data, or a bad header
        checks.fail(ValueError, "load", where, "NPY data with a readable header",
                    f"data that are not ({error})", _DAMAGED)
    return shape, dtype, fortran, member.tell()


def _headers(archive, name):
    """For each array of ``archive`` (the file ``name``), from its member's header: the
    member, shape, dtype, Fortran order and header length."""
    found = {}
    for info in archive.infolist():
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        where = f"'{key}' in {name}"
        with archive.open(info) as member:
            shape, dtype, fortran, start = _npy_header(member, where)
        if dtype.hasobject:
            checks.fail(ValueError, "load", where, "a numeric array",
                        "an object array, which only pickle reads", _NEVER_UNPICKLE)
        declared, held = math.prod(shape) * dtype.itemsize, info.file_size - start
        if declared != held:
            checks.fail(ValueError, "load", where, f"{declared} bytes of data, as its "
                        f"header declares (shape {shape}, {dtype})", held, _DAMAGED)
        found[key] = info, shape, dtype, fortran, start
    return found


def _check_fit(found, expected, name):
    """Refuse arrays that are not the model's state dict ``expected`` in names, shapes
    and dtypes, before any data is read."""
    wrong = [f"missing key '{k}'" for k in expected if k not in found]
    wrong += [f"unexpected key '{k}'" for k in found if k not in expected]
    wrong += [f"'{k}' of shape {found[k][1]} where the model has {a.shape}"
              for k, a in expected.items() if k in found and found[k][1] != a.shape]
    if wrong:
        checks.fail(ValueError, "load", f"the arrays of {name}", "the model's state "
                    "dict", ", ".join(wrong), "load into a model of the saved "
                    "architecture")
    for key, array in expected.items():
        dtype = found[key][2]
        if dtype != array.dtype:
            checks.fail(ValueError, "load", f"'{key}' in {name}", array.dtype, dtype,
                        f"convert the model with model.to(np.{dtype}) first")


def _read_npz(file, name, expected):
    """The arrays of the ``.npz`` archive ``file`` (called ``name`` in messages), read
    without pickle once their headers match the state dict ``expected``."""
    magic = _first_bytes(file)
    kind = "a pickle" if magic[:1] == b"\x80" else "another kind of file"
    if magic not in _ZIP_MAGIC:
        checks.fail(ValueError, "load", name, "an .npz archive written by save()", kind,
                    _NEVER_UNPICKLE)
    try:
        with zipfile.ZipFile(file) as archive:
            found = _headers(archive, name)
            _check_fit(found, expected, name)
            state = {}
            for key, (info, shape, dtype, fortran, start) in found.items():
                with archive.open(info) as member:
                    member.read(start)                       # the header, read before
                    data = np.frombuffer(member.read(), dtype)  # checksum verified
                state[key] = (data.reshape(shape[::-1]).T if fortran
                              else data.reshape(shape))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        checks.fail(ValueError, "load", name, "a complete .npz archive",
                    f"a damaged one ({error})", _DAMAGED)
    return state


def load(model, path):
    """Load weights written by ``save`` into ``model``, in place. Pickled, damaged and
    crafted files are refused before anything is changed.

    Derived in chapter 8, "Training". Every member's NPY header is read first, and
    before any data is read the file is refused with a ``ValueError`` naming it and
    what is wrong: a file that is not an ``.npz`` archive (a pickle, for one); a member
    that is not NPY data or whose header cannot be read; an object array, which only
    pickle reads (unpickling can run arbitrary code, and nnlib never unpickles); a
    member that holds another number of bytes than its header declares (a truncated
    or crafted file: nothing is allocated for the declared size); arrays that do not
    match the model's state dict in name, shape and dtype. A truncated archive, or a
    member whose zip checksum fails, is refused the same way. The model is changed only
    when every check has passed.

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
    model.load_state_dict(_read_npz(path, name, model.state_dict()))
    return model
