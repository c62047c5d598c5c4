# Generated from chapters/08_training/ by tools/export.py. Do not edit.
"""Saving a model's weights to an ``.npz`` file and loading them back: bit for bit, and
never with pickle.

Derived in chapter 8, "Training" (chapters/08_training)."""

import json
import math
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO
import numpy as np
from nnlib import checks
from nnlib.callbacks import EarlyStopping
from nnlib.lr_scheduler import LRScheduler
from nnlib.module import Module
from nnlib.optim import Optimizer

__all__ = ["save", "load", "save_checkpoint", "load_checkpoint"]


def _npz_path(path):
    """``path`` as a ``Path``, with ``.npz`` appended if it has another suffix or none
    (as ``np.savez`` does); a file object is returned as it is."""
    if isinstance(path, (str, Path)):
        path = Path(path)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
    return path


def _write(arrays, path):
    """Write the dict ``arrays`` to the ``.npz`` file ``path`` in one step: into a
    temporary file next to it, then renamed over it. Returns where it wrote."""
    path = _npz_path(path)
    if not isinstance(path, Path):          # a file object: written where it stands
        np.savez(path, **arrays)
        return path
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)             # atomic: the old file or the new one
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def save(model: Module, path: str | Path | BinaryIO) -> Path | BinaryIO:
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
    return _write(state, path)


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


def _npy_header(member, where, owner):
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
        checks.fail(ValueError, owner, where, "NPY data with a readable header",
                    f"data that are not ({error})", _DAMAGED)
    return shape, dtype, fortran, member.tell()


def _headers(archive, name, owner):
    """For each array of ``archive`` (the file ``name``), from its member's header: the
    member, shape, dtype, Fortran order and header length."""
    found = {}
    for info in archive.infolist():
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        where = f"'{key}' in {name}"
        with archive.open(info) as member:
            shape, dtype, fortran, start = _npy_header(member, where, owner)
        if dtype.hasobject:
            checks.fail(ValueError, owner, where, "a numeric array",
                        "an object array, which only pickle reads", _NEVER_UNPICKLE)
        declared, held = math.prod(shape) * dtype.itemsize, info.file_size - start
        if declared != held:
            checks.fail(ValueError, owner, where, f"{declared} bytes of data, as its "
                        f"header declares (shape {shape}, {dtype})", held, _DAMAGED)
        found[key] = info, shape, dtype, fortran, start
    return found


def _check_fit(found, expected, name, owner="load", what="the model's state dict"):
    """Refuse arrays that are not ``expected`` (by default the model's state dict) in
    names, shapes and dtypes, before any data is read."""
    wrong = [f"missing key '{k}'" for k in expected if k not in found]
    wrong += [f"unexpected key '{k}'" for k in found if k not in expected]
    wrong += [f"'{k}' of shape {found[k][1]} where the model has {a.shape}"
              for k, a in expected.items() if k in found and found[k][1] != a.shape]
    dtypes = {k: found[k][2] for k, a in expected.items()
              if k in found and found[k][2] != a.dtype}
    fix = (f"convert the model with model.to(np.{next(iter(dtypes.values()))})"
           " first"
           if dtypes and not wrong and len(set(dtypes.values())) == 1
           else "load into a model of the saved architecture")
    wrong += [f"'{k}' of dtype {d} where the model has {expected[k].dtype}"
              for k, d in dtypes.items()]
    if wrong:
        checks.fail(ValueError, owner, f"the arrays of {name}", what, ", ".join(wrong),
                    fix)


def _member(archive, info, shape, dtype, fortran, start):
    """The array of one archive member whose header has been read: its data only."""
    with archive.open(info) as member:
        member.read(start)                              # the header, read before
        data = np.frombuffer(member.read(), dtype)      # zip's checksum verified
    return data.reshape(shape[::-1]).T if fortran else data.reshape(shape)


def _read_npz(file, name, check, owner="load"):
    """The arrays of the ``.npz`` archive ``file`` (called ``name`` in messages), read
    without pickle once ``check(found, read)`` has accepted their headers (``read(key)``
    reads one array, for a checkpoint's record)."""
    magic = _first_bytes(file)
    kind = "a pickle" if magic[:1] == b"\x80" else "another kind of file"
    writer = "save()" if owner == "load" else "save_checkpoint()"
    if magic not in _ZIP_MAGIC:
        checks.fail(ValueError, owner, name, f"an .npz archive written by {writer}",
                    kind, _NEVER_UNPICKLE)
    try:
        with zipfile.ZipFile(file) as archive:
            found = _headers(archive, name, owner)
            check(found, lambda key: _member(archive, *found[key]))
            return {key: _member(archive, *header) for key, header in found.items()}
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        checks.fail(ValueError, owner, name, "a complete .npz archive",
                    f"a damaged one ({error})", _DAMAGED)


def _existing(path):
    """``path`` as a ``Path``, with ``.npz`` appended if only that name exists (the name
    given to ``save``), and the file's name for messages; a file object as it is."""
    if not isinstance(path, (str, Path)):
        return path, "the file"
    path = Path(path)
    if not path.exists() and _npz_path(path).exists():
        path = _npz_path(path)
    return path, path.name


def load(model: Module, path: str | Path | BinaryIO) -> Module:
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
    path, name = _existing(path)
    expected = model.state_dict()
    model.load_state_dict(_read_npz(
        path, name, lambda found, read: _check_fit(found, expected, name)))
    return model


_FORMAT = "nnlib checkpoint 1"


def _generators(model, rng):
    """The random generators of a run, by name: ``"fit"``, the generator of ``fit``'s
    shuffles (if any), and ``"model.<path>.rng"`` for each module of ``model`` that
    draws from a generator of its own (a ``Dropout``)."""
    found = {} if rng is None else {"fit": rng}
    for name, module in model.named_modules():
        if isinstance(getattr(module, "rng", None), np.random.Generator):
            found[f"model.{name}.rng" if name else "model.rng"] = module.rng
    return found


def _checkpoint_arrays(model, optimizer_state, stopping=None):
    """The arrays of a checkpoint, by name: the model's state dict (``"model.<key>"``),
    the optimizer's state arrays (``"optimizer.<i>.<name>"``) and early stopping's best
    weights (``"early_stopping.<key>"``, from its ``state_dict()``, ``stopping``); and
    the optimizer's state that is not arrays (step counts), by parameter index."""
    arrays = {f"model.{key}": array for key, array in model.state_dict().items()}
    numbers: dict[int, dict] = {}
    for i, entries in optimizer_state["state"].items():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer.{i}.{key}"] = value
            else:
                numbers.setdefault(i, {})[key] = value
    for key, array in ((stopping or {}).get("best_state") or {}).items():
        arrays[f"early_stopping.{key}"] = array
    return arrays, numbers


def save_checkpoint(path: str | Path | BinaryIO, model: Module, optimizer: Optimizer,
                    scheduler: LRScheduler | None = None, epoch: int = 1,
                    history: dict | None = None,
                    rng: np.random.Generator | None = None,
                    early_stopping: EarlyStopping | None = None) -> Path | BinaryIO:
    """Save everything a run needs to go on exactly where it stopped, without pickle.

    Derived in chapter 8, "Training". One ``.npz`` file, written as ``save`` writes
    one: the arrays of the model, the optimizer and early stopping (``"model.<key>"``,
    ``"optimizer.<i>.<name>"``, ``"early_stopping.<key>"``), and a JSON record (a
    ``uint8`` array ``"checkpoint"``) of ``epoch``, ``history``, the optimizer's class,
    hyperparameters and step counts, the scheduler's class and ``state_dict()``, early
    stopping's ``state_dict()`` without its weights, and the state of every generator of
    the run (``rng`` and each ``Dropout.rng``). ``fit(checkpoint=path)`` calls this
    after every epoch; PyTorch users save the same dict with ``torch.save``.

    Parameters
    ----------
    path : str, pathlib.Path or a binary file object open for writing
    model, optimizer, scheduler : Module, Optimizer and LRScheduler (optional)
    epoch : int, default 1
        The number of epochs completed, >= 1.
    history, rng, early_stopping : optional
        ``fit``'s record so far (its ``History``), the generator of its shuffles and
        its early stopping.

    Returns
    -------
    pathlib.Path or the file object
    """
    owner = "save_checkpoint"
    checks.instance(model, "model", owner, Module)
    state = checks.instance(optimizer, "optimizer", owner, Optimizer).state_dict()
    stopping = None if early_stopping is None else checks.instance(
        early_stopping, "early_stopping", owner, EarlyStopping).state_dict()
    arrays, numbers = _checkpoint_arrays(model, state, stopping)
    if stopping is not None:
        del stopping["best_state"]                      # saved as arrays
    record = {"format": _FORMAT, "epoch": checks.positive_int(epoch, "epoch", owner),
              "history": {k: list(map(float, v)) for k, v in (history or {}).items()},
              "optimizer": {"class": type(optimizer).__name__, "state": numbers,
                            "param_groups": state["param_groups"]},
              "scheduler": scheduler and {"class": type(scheduler).__name__,
                                          "state": scheduler.state_dict()},
              "generators": {name: generator.bit_generator.state for name, generator
                             in _generators(model, rng).items()},
              "early_stopping": stopping}
    text = json.dumps(record, default=lambda number: number.item())  # NumPy scalars
    arrays["checkpoint"] = np.frombuffer(text.encode(), dtype=np.uint8)
    return _write(arrays, path)


_LONGEST_RECORD = 2**26          # bytes of JSON; a run's record takes far fewer


def _is_record(record):
    """Whether ``record``, read from JSON, has the form ``save_checkpoint`` gives it:
    its format, a positive epoch and a history of lists."""
    return (isinstance(record, dict) and record.get("format") == _FORMAT
            and isinstance(record.get("epoch"), int) and record["epoch"] >= 1
            and isinstance(record.get("history"), dict)
            and all(isinstance(v, list) for v in record["history"].values())
            and isinstance(record.get("early_stopping"), (dict, type(None))))


def _record(found, read, name, owner):
    """The JSON record of a checkpoint whose headers are ``found``; ``ValueError`` if
    there is none or it is not a checkpoint's."""
    header, record = found.get("checkpoint"), None
    if header is not None and len(header[1]) == 1 and header[2] == np.uint8 \
            and header[1][0] <= _LONGEST_RECORD:
        try:
            record = json.loads(read("checkpoint").tobytes())
        except ValueError:                       # not UTF-8, or not JSON
            pass
    if not _is_record(record):
        checks.fail(ValueError, owner, name, "a checkpoint written by "
                    "save_checkpoint()", "a file without a valid checkpoint record",
                    "a model's weights alone are loaded with load()")
    return record


def _expected(found, model, optimizer):
    """The arrays a checkpoint must hold: the model's state dict, an array of
    parameter i's shape and dtype for each ``"optimizer.<i>.<name>"`` it holds, and
    the model's state dict again as ``"early_stopping.<key>"`` if it holds any."""
    weights = model.state_dict()
    expected = {f"model.{key}": array for key, array in weights.items()}
    for key in found:
        i = key.split(".")[1] if key.startswith("optimizer.") else ""
        if i.isdigit() and int(i) < len(optimizer.params):
            expected[key] = optimizer.params[int(i)].data
    if any(key.startswith("early_stopping.") for key in found):   # the best weights
        expected.update({f"early_stopping.{key}": a for key, a in weights.items()})
    record = np.broadcast_to(np.uint8(0), found["checkpoint"][1])  # no allocation
    return {**expected, "checkpoint": record}


def _optimizer_state(saved, arrays):
    """The optimizer's ``state_dict()`` from a checkpoint's record and arrays."""
    state = {int(i): dict(entries) for i, entries in saved["state"].items()}
    for key, array in arrays.items():
        if key.startswith("optimizer."):
            _, i, entry = key.split(".", 2)
            state.setdefault(int(i), {})[entry] = array
    group = {k: tuple(v) if isinstance(v, list) and k != "params" else v
             for k, v in saved["param_groups"][0].items()}     # JSON has no tuples
    return {"state": state, "param_groups": [group]}


def _states(model, optimizer, scheduler, generators):
    """What loading a checkpoint changes, to put back if a piece refuses its state."""
    return (model.state_dict(), optimizer.state_dict(),
            scheduler.state_dict() if scheduler is not None else None,
            {name: g.bit_generator.state for name, g in generators.items()})


def _put(model, optimizer, scheduler, generators, states):
    """Load ``states`` (as ``_states`` returns them) into the pieces of a run."""
    model_state, optimizer_state, scheduler_state, generator_states = states
    model.load_state_dict(model_state)
    optimizer.load_state_dict(optimizer_state)
    if scheduler is not None:
        scheduler.load_state_dict(scheduler_state)
    for name, generator in generators.items():
        generator.bit_generator.state = generator_states[name]


def _saved_states(record, arrays):
    """The states a checkpoint holds, as ``_states`` gives a run's, and early
    stopping's best weights (an empty dict if it holds none)."""
    states = ({key[6:]: a for key, a in arrays.items() if key.startswith("model.")},
              _optimizer_state(record["optimizer"], arrays),
              (record["scheduler"] or {}).get("state"), record["generators"])
    best = {key[15:]: array for key, array in arrays.items()
            if key.startswith("early_stopping.")}
    return states, best


def _check_same_run(record, optimizer, scheduler, generators, early_stopping, name):
    """Refuse (``ValueError``, naming the file ``name``) a checkpoint whose record
    describes another run than these pieces: another optimizer or scheduler class,
    other generators, or early stopping's state where the run has none, or the other
    way round."""
    stops = [record["early_stopping"] is not None, early_stopping is not None]
    run = ("optimizer {}, scheduler {}, generators {}" + ", {}early stopping"
           * any(stops)).format
    saved = run(record["optimizer"]["class"], (record["scheduler"] or {}).get("class"),
                sorted(record["generators"]), "" if stops[0] else "no ")
    own = run(type(optimizer).__name__, scheduler and type(scheduler).__name__,
              sorted(generators), "" if stops[1] else "no ")
    if saved != own:
        checks.fail(ValueError, "load_checkpoint", name,
                    f"a checkpoint of a run with {own}", f"one with {saved}",
                    "build the pieces of the run as it did")


def load_checkpoint(path: str | Path | BinaryIO, model: Module, optimizer: Optimizer,
                    scheduler: LRScheduler | None = None,
                    rng: np.random.Generator | None = None,
                    early_stopping: EarlyStopping | None = None) -> tuple[int, dict]:
    """Load a checkpoint written by ``save_checkpoint`` into the pieces of a run, in
    place; return ``(epoch, history)``, the epochs completed and the record so far.

    Derived in chapter 8, "Training". The pieces must be built as the run that wrote
    the checkpoint built them (architecture, dtype, classes, generators, early stopping
    or none); their initial values do not matter, and every generator is set to its
    saved state. The file is checked as ``load`` checks one, before any array is read;
    another run's checkpoint is refused with a ``ValueError`` naming the file and what
    differs. All or nothing: if any piece refuses its state, the others are put back.

    Parameters
    ----------
    path : str, pathlib.Path or a binary file object open for reading
    model, optimizer, scheduler, rng, early_stopping
        As for ``save_checkpoint``.

    Returns
    -------
    epoch : int
    history : dict of name -> list of float
    """
    owner = "load_checkpoint"
    checks.instance(model, "model", owner, Module)
    checks.instance(optimizer, "optimizer", owner, Optimizer)
    generators = _generators(model, rng)
    path, name = _existing(path)
    record = {}

    def check(found, read):
        record.update(_record(found, read, name, owner))
        _check_fit(found, _expected(found, model, optimizer), name, owner,
                   "the state of this model and optimizer")
    arrays = _read_npz(path, name, check, owner)
    _check_same_run(record, optimizer, scheduler, generators, early_stopping, name)
    before = _states(model, optimizer, scheduler, generators)
    states, best = _saved_states(record, arrays)
    try:
        _put(model, optimizer, scheduler, generators, states)
        if early_stopping is not None:     # last: it changes nothing if it refuses
            early_stopping.load_state_dict({**record["early_stopping"],
                                            "best_state": best or None})
    except (ValueError, TypeError, KeyError) as error:
        _put(model, optimizer, scheduler, generators, before)
        raise ValueError(f"{owner}: {name} does not fit this run: {error}") from None
    return record["epoch"], record["history"]
