"""Write tests/data/torch_reference_core.npz: PyTorch's answers for the losses L1Loss and HuberLoss
(values and gradients, at and away from their kinks, in float64 and float32) and for batch
normalization without running statistics in evaluation mode, for tests/test_torch_parity_core.py.

A separate recording from tests/torch_reference.py, with the same pattern: every case stores its
inputs and PyTorch's outputs under keys "<case>/<name>", and the test checks that the recorded cases
are this script's. Regenerate with torch installed (it is, in the project's .venv):

    .venv/bin/python tests/torch_reference_core.py
"""

import numpy as np

import recorded


# (loss, keyword arguments, dtype): the prediction and target of each case come from kink_inputs
LOSS_CASES = [
    ("L1Loss", {}, "float64"),
    ("L1Loss", {}, "float32"),
    ("HuberLoss", {}, "float64"),
    ("HuberLoss", {"delta": 0.5}, "float64"),
    ("HuberLoss", {"delta": 2.0}, "float64"),
    ("HuberLoss", {"delta": 1.0}, "float32"),
]
BATCHNORM_SHAPES = [(4, 3), (2, 3), (3, 3, 2, 2)]      # without running statistics, in eval mode


def kink_inputs(rng, delta):
    """A (6, 4) prediction and target: residuals of every kind, among them exactly 0 (the kink of
    |r|), exactly +delta and -delta (where Huber's pieces meet), small and large ones."""
    target = rng.normal(size=(6, 4))
    residual = rng.normal(scale=2 * delta, size=(6, 4))
    residual.flat[[0, 5, 10]] = 0.0
    residual.flat[[1, 6]] = delta
    residual.flat[[2, 7]] = -delta
    target.flat[:12] = np.round(target.flat[:12], 2)     # exactly representable sums below
    prediction = target + residual
    prediction.flat[[0, 5, 10]] = target.flat[[0, 5, 10]]
    return prediction, target


def cases():
    """Every case's name, in a fixed order (the test reads the same list)."""
    names = [f"loss/{i}" for i in range(len(LOSS_CASES))]
    names += [f"batchnorm-no-stats/{i}" for i in range(len(BATCHNORM_SHAPES))]
    return names


def record():
    import torch

    data = {}
    rng = np.random.default_rng(1415)
    for i, (name, options, dtype) in enumerate(LOSS_CASES):
        p, t = kink_inputs(rng, options.get("delta", 1.0))
        p, t = p.astype(dtype), t.astype(dtype)
        x = torch.tensor(p, requires_grad=True)
        value = getattr(torch.nn, name)(**options)(x, torch.tensor(t))
        value.backward()
        data.update({f"loss/{i}/prediction": p, f"loss/{i}/target": t,
                     f"loss/{i}/value": np.array(value.item()), f"loss/{i}/grad": x.grad.numpy()})

    for i, shape in enumerate(BATCHNORM_SHAPES):
        layer = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(
            3, track_running_stats=False, dtype=torch.float64).eval()
        gamma, beta = rng.uniform(0.5, 2.0, size=3), rng.normal(size=3)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(gamma))
            layer.bias.copy_(torch.from_numpy(beta))
        x, g = rng.normal(loc=1.0, scale=2.0, size=shape), rng.normal(size=shape)
        xt = torch.from_numpy(x).requires_grad_(True)
        y = layer(xt)
        y.backward(torch.from_numpy(g))
        data.update({f"batchnorm-no-stats/{i}/{key}": np.array(value) for key, value in [
            ("x", x), ("grad_output", g), ("weight", gamma), ("bias", beta),
            ("y", y.detach().numpy()), ("dx", xt.grad.numpy()),
            ("dweight", layer.weight.grad.numpy()), ("dbias", layer.bias.grad.numpy())]})

    recorded.write("torch_reference_core", data, cases(), torch.__version__)


if __name__ == "__main__":
    record()
