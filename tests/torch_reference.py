"""Write tests/data/torch_reference.npz: PyTorch's results on fixed inputs, for the parity tests.

nnlib promises PyTorch's update rules, losses and layer conventions. PyTorch is not a dependency of
the book or its tests, so its answers are recorded once, here, and tests/test_torch_parity.py compares
nnlib with the recording on every run. Regenerate (with torch installed) when a case is added:

    pip install torch==2.13.0
    python tests/torch_reference.py

Every case stores its inputs and PyTorch's outputs under keys "<case>/<name>", in float64.
"""

import numpy as np

import recorded


OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.8, weight_decay=0.05, nesterov=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.02, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(centered=True)),
    ("RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(weight_decay=0.2)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.5)),
]
SCHEDULER_CASES = [("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.9)),
                   ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))]
LOSS_CASES = ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]
CONV_CASES = [  # input shape, out channels, kernel, stride, padding
    ((2, 3, 7, 5), 4, (3, 2), (1, 1), (0, 0)),
    ((2, 3, 7, 5), 4, (3, 2), (2, 2), (1, 1)),
    ((1, 1, 7, 5), 1, (3, 2), (1, 1), (2, 2)),
    ((2, 2, 8, 9), 3, (4, 3), (3, 2), (2, 1)),
    ((1, 2, 6, 7), 2, (2, 3), (2, 1), (0, 2)),
    ((2, 2, 5, 5), 2, (3, 3), (3, 3), (2, 2)),
]
POOL_CASES = [((2, 3, 6, 6), (2, 2), (2, 2)), ((2, 3, 7, 5), (2, 2), (2, 2)), ((1, 2, 8, 8), (3, 3), (1, 1)),
              ((2, 1, 9, 7), (3, 3), (2, 2)), ((1, 2, 7, 7), (3, 2), (1, 2))]
BATCHNORM_SHAPES = [(7, 3), (2, 3), (4, 3, 5, 2), (1, 3, 2, 3)]
STEPS = 20


def cases():
    """Every case's name and its description, in a fixed order (the test reads the same list)."""
    names = [f"optim/{i}" for i in range(len(OPTIMIZER_CASES))]
    names += [f"scheduler/{i}" for i in range(len(SCHEDULER_CASES))]
    names += [f"loss/{name}" for name in LOSS_CASES] + ["loss/BCELoss-cap"]
    names += [f"conv/{i}" for i in range(len(CONV_CASES))]
    names += [f"{kind}/{i}" for kind in ("maxpool", "maxpool-ties", "avgpool") for i in range(len(POOL_CASES))]
    names += [f"batchnorm/{i}" for i in range(len(BATCHNORM_SHAPES))]
    return names


def record():
    import torch

    data = {}
    rng = np.random.default_rng(2026)

    for i, (name, options) in enumerate(OPTIMIZER_CASES):
        start, gradients = rng.normal(size=(3, 4)), rng.normal(size=(STEPS, 3, 4))
        weight = torch.tensor(start.copy(), requires_grad=True)
        optimizer = getattr(torch.optim, name)([weight], **options)
        path = []
        for g in gradients:
            weight.grad = torch.tensor(g)
            optimizer.step()
            path.append(weight.detach().numpy().copy())
        data.update({f"optim/{i}/start": start, f"optim/{i}/gradients": gradients, f"optim/{i}/path": np.array(path)})

    for i, (name, options) in enumerate(SCHEDULER_CASES):
        weight = torch.zeros(3, requires_grad=True)
        optimizer = torch.optim.SGD([weight], lr=0.1)
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **options)
        rates = []
        for _ in range(25):
            rates.append(optimizer.param_groups[0]["lr"])
            weight.grad = torch.zeros(3)
            optimizer.step()
            scheduler.step()
        data[f"scheduler/{i}/lr"] = np.array(rates)

    for name in LOSS_CASES:
        if name == "MSELoss":
            p, t = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
        elif name == "BCELoss":
            p, t = rng.uniform(0.05, 0.95, size=(6, 4)), rng.integers(0, 2, size=(6, 4)).astype(float)
        elif name == "BCEWithLogitsLoss":
            p, t = rng.normal(scale=3, size=(6, 4)), rng.integers(0, 2, size=(6, 4)).astype(float)
        else:
            p, t = rng.normal(scale=3, size=(6, 4)), rng.integers(0, 4, size=6)
        x = torch.tensor(p, requires_grad=True)
        value = getattr(torch.nn, name)()(x, torch.tensor(t))
        value.backward()
        data.update({f"loss/{name}/prediction": p, f"loss/{name}/target": t,
                     f"loss/{name}/value": np.array(value.item()), f"loss/{name}/grad": x.grad.numpy()})
    p = np.array([0.0, 1.0, 1e-13, 1 - 1e-13, 0.3, 0.0])          # BCELoss at its clamp and cap
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    x = torch.tensor(p, requires_grad=True)
    value = torch.nn.BCELoss()(x, torch.tensor(t))
    value.backward()
    data.update({"loss/BCELoss-cap/prediction": p, "loss/BCELoss-cap/target": t,
                 "loss/BCELoss-cap/value": np.array(value.item()), "loss/BCELoss-cap/grad": x.grad.numpy()})

    for i, (shape, out_channels, kernel, stride, padding) in enumerate(CONV_CASES):
        x = rng.normal(size=shape)
        w = rng.normal(size=(out_channels, shape[1], *kernel))
        b = rng.normal(size=out_channels)
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        y = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
        g = rng.normal(size=tuple(y.shape))
        y.backward(torch.tensor(g))
        data.update({f"conv/{i}/x": x, f"conv/{i}/weight": w, f"conv/{i}/bias": b, f"conv/{i}/grad_output": g,
                     f"conv/{i}/y": y.detach().numpy(), f"conv/{i}/dx": xt.grad.numpy(),
                     f"conv/{i}/dweight": wt.grad.numpy(), f"conv/{i}/dbias": bt.grad.numpy()})

    for i, (shape, kernel, stride) in enumerate(POOL_CASES):
        n = int(np.prod(shape))
        inputs = {"maxpool": rng.permutation(n).reshape(shape) / n,
                  "maxpool-ties": rng.integers(0, 2, size=shape).astype(float),
                  "avgpool": rng.normal(size=shape)}
        for kind, x in inputs.items():
            function = torch.nn.functional.avg_pool2d if kind == "avgpool" else torch.nn.functional.max_pool2d
            xt = torch.tensor(x, requires_grad=True)
            y = function(xt, kernel, stride)
            g = rng.normal(size=tuple(y.shape))
            y.backward(torch.tensor(g))
            data.update({f"{kind}/{i}/x": x, f"{kind}/{i}/grad_output": g,
                         f"{kind}/{i}/y": y.detach().numpy(), f"{kind}/{i}/dx": xt.grad.numpy()})

    for i, shape in enumerate(BATCHNORM_SHAPES):
        layer = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(
            3, momentum=0.2, dtype=torch.float64)
        gamma, beta = rng.uniform(0.5, 2.0, size=3), rng.normal(size=3)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(gamma))
            layer.bias.copy_(torch.from_numpy(beta))
        record_steps = {"x": [], "grad_output": [], "y": [], "dx": [], "dweight": [], "dbias": [],
                        "running_mean": [], "running_var": []}
        for step in range(5):                     # four training steps, then one in evaluation mode
            if step == 4:
                layer.eval()
            x = rng.normal(loc=step - 1.0, scale=1.0 + step, size=shape)
            g = rng.normal(size=shape)
            layer.zero_grad()
            xt = torch.from_numpy(x).requires_grad_(True)
            y = layer(xt)
            y.backward(torch.from_numpy(g))
            for key, value in [("x", x), ("grad_output", g), ("y", y), ("dx", xt.grad),
                               ("dweight", layer.weight.grad), ("dbias", layer.bias.grad),
                               ("running_mean", layer.running_mean), ("running_var", layer.running_var)]:
                value = value.detach().numpy() if hasattr(value, "detach") else value
                record_steps[key].append(np.array(value, copy=True))
        data.update({f"batchnorm/{i}/{key}": np.array(v) for key, v in record_steps.items()})
        data.update({f"batchnorm/{i}/weight": gamma, f"batchnorm/{i}/bias": beta})

    recorded.write("torch_reference", data, cases(), torch.__version__)


if __name__ == "__main__":
    record()
