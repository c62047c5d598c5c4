# Generated from chapters/01_neuron.ipynb by tools/export.py. Do not edit: change the notebook and re-export.
"""Shape and dtype checks with error messages that name the layer, the expected and the actual value.

Derived in chapter 1, "A neuron and a network" (chapters/01_neuron.ipynb)."""

import numpy as np

__all__ = ["check_shape", "format_shape", "check_dtype"]


def check_shape(x, expected, where):
    """Raise ``ValueError`` unless ``x`` is a NumPy array of the ``expected`` shape.

    Derived in chapter 1, "A neuron and a network": batches are ``(N, features)`` and a shape
    mismatch must stop the computation instead of broadcasting into a wrong result.

    Parameters
    ----------
    x : numpy.ndarray
        The array to check, of any shape and dtype.
    expected : tuple of (int or None)
        One entry per dimension: an int that the dimension must equal, or ``None`` for a
        dimension of any size (usually the batch dimension N).
    where : str or object
        Who is checking, for the message: a string, or the layer itself, whose ``repr`` (e.g.
        ``Linear(in_features=4, out_features=3, bias=True)``) is only formatted if the check fails.

    Returns
    -------
    numpy.ndarray
        ``x`` itself, so that a layer can write ``x = check_shape(x, (None, 4), self)``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: expected a NumPy array, got {type(x).__name__}")
    if x.ndim != len(expected) or any(e is not None and e != s for e, s in zip(expected, x.shape)):
        raise ValueError(f"{where}: expected input of shape {format_shape(expected)}, got {tuple(x.shape)}")
    return x


def format_shape(expected):
    """Write an expected shape the way the book does: ``(None, 4)`` becomes ``(N, 4)``.

    Derived in chapter 1, "A neuron and a network". Free dimensions are named, in order, N (the
    batch), then H and W (an image's height and width).
    """
    names = iter(["N", "H", "W"])
    dims = [next(names, "*") if e is None else str(e) for e in expected]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def check_dtype(x, dtype, where):
    """Raise ``ValueError`` unless the array ``x`` has exactly the given ``dtype``.

    Derived in chapter 1, "A neuron and a network": mixing float32 and float64 silently promotes
    the computation to float64, so layers with weights refuse input of another dtype.

    Parameters
    ----------
    x : numpy.ndarray
        The array to check.
    dtype : numpy.dtype or type
        The dtype the layer computes in, usually that of its weights.
    where : str or object
        Who is checking, for the message (a layer's ``repr`` is formatted only on failure).

    Returns
    -------
    numpy.ndarray
        ``x`` itself.
    """
    if x.dtype != dtype:
        raise ValueError(f"{where}: expected input of dtype {np.dtype(dtype).name}, got {x.dtype.name}; "
                         f"convert the input with .astype(np.{np.dtype(dtype).name}) or the layer with "
                         f".to(np.{x.dtype.name})")
    return x
