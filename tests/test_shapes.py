"""nnlib.check_shape (chapter 1), imported from the installed package: the export pipeline end to end."""
import numpy as np
import pytest

import nnlib
from nnlib import check_shape, format_shape


def test_public_api_reexports_chapter_1():
    assert "check_shape" in nnlib.__all__
    assert nnlib.check_shape is nnlib.shapes.check_shape


@pytest.mark.parametrize("expected, text", [((None, 4), "(N, 4)"), ((None,), "(N,)"),
                                            ((None, 3, None, None), "(N, 3, H, W)"), ((2, 5), "(2, 5)")])
def test_format_shape(expected, text):
    assert format_shape(expected) == text


def test_accepts_matching_shapes_and_returns_the_same_array():
    x = np.zeros((7, 4))
    assert check_shape(x, (None, 4), "layer") is x
    assert check_shape(np.zeros((1, 3, 5, 6)), (None, 3, None, None), "conv") is not None


@pytest.mark.parametrize("shape", [(7, 5), (7,), (7, 4, 1), (4,)])
def test_rejects_other_shapes_naming_the_caller_and_both_shapes(shape):
    with pytest.raises(ValueError) as info:
        check_shape(np.zeros(shape), (None, 4), "Linear(in_features=4, out_features=2)")
    assert str(info.value) == f"Linear(in_features=4, out_features=2): expected input of shape (N, 4), got {shape}"


def test_rejects_non_arrays():
    with pytest.raises(TypeError, match="layer: expected a NumPy array, got list"):
        check_shape([[1.0, 2.0]], (None, 2), "layer")


def test_check_dtype_accepts_the_same_dtype_and_names_both_otherwise():
    x = np.zeros((2, 3), dtype=np.float32)
    assert nnlib.check_dtype(x, np.float32, "layer") is x
    with pytest.raises(ValueError) as info:
        nnlib.check_dtype(x, np.float64, "Linear(in_features=3, out_features=1)")
    assert str(info.value).startswith("Linear(in_features=3, out_features=1): expected input of dtype "
                                      "float64, got float32; convert the input with .astype(np.float64)")
