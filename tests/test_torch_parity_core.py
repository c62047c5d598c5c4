"""nnlib against PyTorch's recorded answers in tests/data/torch_reference_core.npz (written by
tests/torch_reference_core.py): L1Loss and HuberLoss at and away from their kinks, and batch
normalization without running statistics in evaluation mode. Runs without PyTorch installed; the
live tests at the end compare with PyTorch itself where it is."""

import numpy as np
import pytest

import nnlib
from nnlib import BatchNorm1d, BatchNorm2d
import recorded
from torch_reference_core import BATCHNORM_SHAPES, LOSS_CASES, cases

REFERENCE, META = recorded.read("torch_reference_core")


def ref(key):
    return REFERENCE[key]


def test_the_recording_covers_every_case():
    meta = META
    assert meta["cases"] == cases(), "re-run tests/torch_reference_core.py with torch installed"


@pytest.mark.parametrize("i", range(len(LOSS_CASES)), ids=lambda i: str(LOSS_CASES[i]))
def test_loss_value_and_gradient_match_torch_at_and_away_from_the_kinks(i):
    name, options, dtype = LOSS_CASES[i]
    loss_fn = getattr(nnlib, name)(**options)
    prediction, target = ref(f"loss/{i}/prediction"), ref(f"loss/{i}/target")
    assert prediction.dtype == dtype
    value = loss_fn(prediction, target)
    grad = loss_fn.backward()
    rtol = 1e-12 if dtype == "float64" else 1e-6
    assert value == pytest.approx(float(ref(f"loss/{i}/value")), rel=rtol)
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, ref(f"loss/{i}/grad"), rtol=rtol, atol=1e-15)
    at_kink = prediction == target
    assert at_kink.sum() == 3 and np.all(ref(f"loss/{i}/grad")[at_kink] == 0)   # PyTorch: 0 there
    assert np.all(grad[at_kink] == 0)


@pytest.mark.parametrize("i", range(len(BATCHNORM_SHAPES)), ids=str)
def test_batchnorm_without_running_statistics_uses_the_batch_in_evaluation_mode(i):
    shape = BATCHNORM_SHAPES[i]
    layer = (BatchNorm2d if len(shape) == 4 else BatchNorm1d)(3, track_running_stats=False).eval()
    layer.weight.data[...] = ref(f"batchnorm-no-stats/{i}/weight")
    layer.bias.data[...] = ref(f"batchnorm-no-stats/{i}/bias")
    y = layer(ref(f"batchnorm-no-stats/{i}/x"))
    dx = layer.backward(ref(f"batchnorm-no-stats/{i}/grad_output"))
    for name, ours in [("y", y), ("dx", dx), ("dweight", layer.weight.grad),
                       ("dbias", layer.bias.grad)]:
        np.testing.assert_allclose(ours, ref(f"batchnorm-no-stats/{i}/{name}"), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


# -- live, where PyTorch is installed ---------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1)])
def test_one_value_per_channel_without_running_statistics_is_refused_in_evaluation_mode_too(shape):
    torch = pytest.importorskip("torch")
    torch_layer = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(
        3, track_running_stats=False).eval()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        torch_layer(torch.ones(shape))
    layer = (BatchNorm2d if len(shape) == 4 else BatchNorm1d)(3, track_running_stats=False).eval()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(np.ones(shape))


@pytest.mark.parametrize("delta", [0.1, 1.0, 3.0])
def test_huber_and_l1_match_torch_live_on_random_residuals(delta):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(int(10 * delta))
    p, t = rng.normal(scale=2 * delta, size=(7, 5)), rng.normal(size=(7, 5))
    p[0, :2] = t[0, :2]
    for ours, theirs in [(nnlib.HuberLoss(delta), torch.nn.HuberLoss(delta=delta)),
                         (nnlib.L1Loss(), torch.nn.L1Loss())]:
        x = torch.tensor(p, requires_grad=True)
        value = theirs(x, torch.tensor(t))
        value.backward()
        assert ours(p, t) == pytest.approx(value.item(), rel=1e-12)
        np.testing.assert_allclose(ours.backward(), x.grad.numpy(), rtol=1e-12, atol=1e-16)
