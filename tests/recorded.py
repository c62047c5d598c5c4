"""PyTorch's recorded answers, ``tests/data/<name>.npz``: written by the ``*_reference.py`` scripts
where PyTorch is installed, read by the tests, which then run without it. A file holds the arrays by
name and, under ``__meta__``, the PyTorch version and the cases it was recorded for (a test compares
them with the script's current cases, so a stale recording fails)."""
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"


def write(name: str, data: dict, cases: object, torch_version: str, **more: object) -> None:
    """Save ``data`` (name -> array) and the metadata, with ``more`` entries if given, as
    ``tests/data/<name>.npz``."""
    path = DATA / f"{name}.npz"
    DATA.mkdir(exist_ok=True)
    meta = {"torch": torch_version, "cases": cases, **more}
    np.savez_compressed(path, __meta__=np.array(json.dumps(meta)), **data)
    print(f"wrote {path} ({len(data)} arrays) with torch {torch_version}")


def read(name: str) -> tuple:
    """The recording ``name``: its arrays (a ``numpy.lib.npyio.NpzFile``, opened without pickle)
    and its metadata (a dict)."""
    reference = np.load(DATA / f"{name}.npz", allow_pickle=False)
    return reference, json.loads(str(reference["__meta__"]))
