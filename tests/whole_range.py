"""Values across a floating-point dtype's whole range, and a guard that turns every warning into an
error: for the tests that a max-shift (softmax, cross-entropy, attention) is silent and right
everywhere in that range."""
import contextlib
import warnings

import numpy as np
import pytest

DTYPE_RANGES = pytest.mark.parametrize(
    "dtype, low, high", [(np.float32, -45, 38.5), (np.float64, -300, 308)],
    ids=["float32", "float64"])


def rows_across_the_range(dtype, low, high):
    """Rows of four values of ``dtype``: magnitudes 10**low to 10**high, both signs, in four
    arrangements, then two rows whose spread (twice the dtype's largest value) is beyond it."""
    magnitudes = np.logspace(low, high, 2000)
    largest = np.finfo(dtype).max
    with np.errstate(under="ignore"):          # the smallest magnitudes round to subnormals: intended
        v = np.concatenate([-magnitudes[::-1], [0.0], magnitudes])
        rows = np.stack([v, -v, np.roll(v, 1000), np.roll(v, -1000)], axis=1)
        rows = np.concatenate([rows, [[largest, -largest, 0.0, 1.0], [-largest, largest, 1.0, 0.0]]])
        return rows.astype(dtype)


@contextlib.contextmanager
def no_warning():
    """Every Python warning and every floating-point problem (overflow, underflow, invalid,
    division by zero) raises inside this block."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield
