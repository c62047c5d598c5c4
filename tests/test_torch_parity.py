"""nnlib against PyTorch's recorded answers (tests/data/torch_reference.npz, written by
tests/torch_reference.py): optimizer trajectories, learning-rate schedules, losses and their gradients,
convolution, pooling and batch normalization. Runs without PyTorch installed."""

import numpy as np
import pytest

import nnlib
from nnlib import (AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, MaxPool2d, Parameter, SGD)
import recorded
from torch_reference import (BATCHNORM_SHAPES, CONV_CASES, LOSS_CASES, OPTIMIZER_CASES, POOL_CASES,
                             SCHEDULER_CASES, cases)

REFERENCE, META = recorded.read("torch_reference")


def ref(key):
    return REFERENCE[key]


def test_the_recording_covers_every_case():
    meta = META
    assert meta["cases"] == cases(), "re-run tests/torch_reference.py with torch installed"


@pytest.mark.parametrize("i", range(len(OPTIMIZER_CASES)), ids=lambda i: f"{OPTIMIZER_CASES[i]}")
def test_optimizer_follows_torch_trajectory(i):
    name, options = OPTIMIZER_CASES[i]
    weight = Parameter(ref(f"optim/{i}/start").copy())
    optimizer = getattr(nnlib, name)([weight], **options)
    for g, expected in zip(ref(f"optim/{i}/gradients"), ref(f"optim/{i}/path")):
        optimizer.zero_grad()
        weight.grad = g.copy()
        optimizer.step()
        np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("i", range(len(SCHEDULER_CASES)), ids=lambda i: SCHEDULER_CASES[i][0])
def test_scheduler_gives_torch_learning_rates(i):
    name, options = SCHEDULER_CASES[i]
    optimizer = SGD([Parameter(np.zeros(3))], lr=0.1)
    scheduler = getattr(nnlib, name)(optimizer, **options)
    for expected in ref(f"scheduler/{i}/lr"):
        assert optimizer.lr == pytest.approx(expected, rel=1e-12, abs=1e-15)
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("name", LOSS_CASES + ["BCELoss-cap"])
def test_loss_value_and_gradient_match_torch(name):
    loss_fn = getattr(nnlib, name.removesuffix("-cap"))()
    prediction, target = ref(f"loss/{name}/prediction"), ref(f"loss/{name}/target")
    value = loss_fn(prediction, target)
    assert value == pytest.approx(float(ref(f"loss/{name}/value")), rel=1e-12)
    np.testing.assert_allclose(loss_fn.backward(), ref(f"loss/{name}/grad"), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("i", range(len(CONV_CASES)), ids=str)
def test_conv2d_matches_torch(i):
    shape, out_channels, kernel, stride, padding = CONV_CASES[i]
    layer = Conv2d(shape[1], out_channels, kernel, stride, padding)
    layer.weight.data[...] = ref(f"conv/{i}/weight")
    layer.bias.data[...] = ref(f"conv/{i}/bias")
    y = layer(ref(f"conv/{i}/x"))
    dx = layer.backward(ref(f"conv/{i}/grad_output"))
    for ours, key in [(y, "y"), (dx, "dx"), (layer.weight.grad, "dweight"), (layer.bias.grad, "dbias")]:
        np.testing.assert_allclose(ours, ref(f"conv/{i}/{key}"), rtol=0, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("kind", ["maxpool", "maxpool-ties", "avgpool"])
@pytest.mark.parametrize("i", range(len(POOL_CASES)), ids=str)
def test_pooling_matches_torch(kind, i):
    _, kernel, stride = POOL_CASES[i]
    layer = (AvgPool2d if kind == "avgpool" else MaxPool2d)(kernel, stride)
    y = layer(ref(f"{kind}/{i}/x"))
    dx = layer.backward(ref(f"{kind}/{i}/grad_output"))
    np.testing.assert_allclose(y, ref(f"{kind}/{i}/y"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, ref(f"{kind}/{i}/dx"), rtol=0, atol=1e-12)


@pytest.mark.parametrize("i", range(len(BATCHNORM_SHAPES)), ids=lambda i: str(BATCHNORM_SHAPES[i]))
def test_batchnorm_matches_torch_in_training_and_evaluation(i):
    layer = (BatchNorm2d if len(BATCHNORM_SHAPES[i]) == 4 else BatchNorm1d)(3, momentum=0.2)
    layer.weight.data[...] = ref(f"batchnorm/{i}/weight")
    layer.bias.data[...] = ref(f"batchnorm/{i}/bias")
    for step in range(5):
        if step == 4:
            layer.eval()
        layer.zero_grad()
        y = layer(ref(f"batchnorm/{i}/x")[step])
        dx = layer.backward(ref(f"batchnorm/{i}/grad_output")[step])
        for ours, key in [(y, "y"), (dx, "dx"), (layer.weight.grad, "dweight"), (layer.bias.grad, "dbias"),
                          (layer.running_mean, "running_mean"), (layer.running_var, "running_var")]:
            expected = ref(f"batchnorm/{i}/{key}")[step]
            scale = max(1e-8, float(np.abs(expected).max()))
            assert np.abs(ours - expected).max() / scale < 1e-10, f"step {step}: {key}"
