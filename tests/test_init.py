"""The weight initializers (chapter 4, nnlib.init): statistics, seeds, dtypes, errors."""
import math

import numpy as np
import pytest

from nnlib import he_normal, he_uniform, xavier_normal, xavier_uniform
from nnlib.init import he_uniform as he_uniform_from_its_module

INITIALIZERS = [  # function, std formula, uniform bound (None for the normal ones)
    (xavier_uniform, lambda i, o: math.sqrt(2 / (i + o)), lambda i, o: math.sqrt(6 / (i + o))),
    (xavier_normal, lambda i, o: math.sqrt(2 / (i + o)), None),
    (he_uniform, lambda i, o: math.sqrt(2 / i), lambda i, o: math.sqrt(6 / i)),
    (he_normal, lambda i, o: math.sqrt(2 / i), None),
]


@pytest.mark.parametrize("init, std, bound", INITIALIZERS, ids=lambda v: getattr(v, "__name__", ""))
def test_initializer_statistics(init, std, bound):
    fan_in, fan_out = 800, 600
    w = init(fan_in, fan_out, rng=0)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert abs(w.mean()) < 0.01 * std(fan_in, fan_out)
    assert abs(w.std() / std(fan_in, fan_out) - 1) < 0.02
    if bound is not None:
        assert np.abs(w).max() <= bound(fan_in, fan_out)
        assert np.abs(w).max() > 0.99 * bound(fan_in, fan_out)


@pytest.mark.parametrize("init", [i[0] for i in INITIALIZERS])
def test_initializer_seeds_dtypes_and_arguments(init):
    assert np.array_equal(init(5, 4, rng=3), init(5, 4, rng=3))
    assert np.array_equal(init(5, 4, np.random.default_rng(3)), init(5, 4, rng=3))
    assert not np.array_equal(init(5, 4, rng=3), init(5, 4, rng=4))
    w32 = init(5, 4, rng=3, dtype=np.float32)
    assert w32.dtype == np.float32 and np.array_equal(w32, init(5, 4, rng=3).astype(np.float32))
    assert init(5, 4).shape == (5, 4)                                         # unseeded


@pytest.mark.parametrize("init", [i[0] for i in INITIALIZERS])
def test_initializer_arguments_are_checked_and_the_message_names_the_initializer(init):
    name = init.__name__
    with pytest.raises(ValueError, match=f"^{name}: fan_in must be a positive integer, got 0$"):
        init(0, 4)
    with pytest.raises(ValueError, match=f"^{name}: fan_out must be a positive integer, got -1$"):
        init(5, -1)
    with pytest.raises(TypeError, match=f"^{name}: fan_in must be a positive integer, got 2.5$"):
        init(2.5, 4)
    with pytest.raises(ValueError, match=f"^{name}: dtype must be float32 or float64, got int64"):
        init(5, 4, rng=0, dtype=np.int64)
    with pytest.raises(TypeError, match=f"^{name}: dtype must be a NumPy dtype"):
        init(5, 4, rng=0, dtype="not a dtype")
    assert init(np.int64(5), np.int32(4), rng=0).shape == (5, 4)


def test_the_initializers_live_in_nnlib_init():
    assert he_uniform is he_uniform_from_its_module
    assert all(f.__module__ == "nnlib.init" for f in (xavier_uniform, xavier_normal, he_uniform, he_normal))
