"""Write tests/data/torch_reference_optim.npz: PyTorch's answers for what chapter 7 adds to the
optimizers, for tests/test_torch_parity_optim.py.

Adagrad's trajectories, gradient clipping by norm (torch.nn.utils.clip_grad_norm_) alone and inside a
training loop, and the learning rates of LinearLR, OneCycleLR (with the momentum it cycles and the
trajectory it gives) and ReduceLROnPlateau, alone, chained with other schedulers on one optimizer, and
with a rate set by hand between two epochs. Like tests/torch_reference.py (whose cases it leaves alone),
it records PyTorch's numbers once, so that the parity tests run without PyTorch; re-record, with torch
installed, when a case is added:

    python tests/torch_reference_optim.py

Every case stores its inputs and PyTorch's outputs under keys "<case>/<name>", in float64.
"""
import math

import numpy as np

import recorded

STEPS = 20

ADAGRAD_CASES = [
    dict(),
    dict(lr=0.1, lr_decay=0.01),
    dict(weight_decay=0.1),
    dict(initial_accumulator_value=0.5, eps=1e-6),
    dict(lr=0.05, lr_decay=0.1, weight_decay=0.2, initial_accumulator_value=0.1),
]
# (max_norm, norm_type): three parameters with gradients, a fourth without
CLIP_CASES = [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.5, "inf"), (0.3, math.inf), (2.0, 3.0),
              (1.0, 0.5), (0.0, 2.0)]
CLIP_SHAPES = [(3, 4), (4,), (2, 2, 2)]
# clip_grad_norm_ before every step of an optimizer: (optimizer, options, max_norm, norm_type)
CLIPPED_TRAINING_CASES = [("SGD", dict(lr=0.1, momentum=0.9), 1.0, 2.0),
                          ("SGD", dict(lr=0.05, nesterov=True, momentum=0.5), 3.0, "inf"),
                          ("Adam", dict(lr=0.01), 0.5, 2.0)]
# schedulers stepped in turn at the end of every epoch of an SGD optimizer with lr 0.1:
# ([(name, options), ...], epochs, {epoch: learning rate set by hand before that epoch});
# ReduceLROnPlateau is stepped with PLATEAU_METRICS[epoch]
SCHEDULE_CASES = [
    ([("LinearLR", dict())], 12, {}),
    ([("LinearLR", dict(start_factor=0.1, total_iters=8))], 12, {}),
    ([("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=10))], 15, {}),
    ([("LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=4))], 8, {}),
    ([("LinearLR", dict(start_factor=0.1, total_iters=5)), ("ExponentialLR", dict(gamma=0.9))], 20, {}),
    ([("LinearLR", dict(start_factor=0.25, total_iters=4)),
      ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))], 25, {}),
    ([("StepLR", dict(step_size=3, gamma=0.5)), ("ExponentialLR", dict(gamma=0.95))], 20, {}),
    ([("CosineAnnealingLR", dict(T_max=8)), ("StepLR", dict(step_size=4, gamma=0.5))], 20, {}),
    ([("StepLR", dict(step_size=3, gamma=0.5))], 12, {7: 0.3}),
    ([("ExponentialLR", dict(gamma=0.9))], 15, {5: 0.02, 10: 0.5}),
    ([("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))], 40, {4: 0.05}),
    ([("CosineAnnealingLR", dict(T_max=6))], 30, {}),
    ([("LinearLR", dict(start_factor=0.2, total_iters=6))], 10, {3: 0.5}),
    ([("ReduceLROnPlateau", dict())], 30, {}),
    ([("ReduceLROnPlateau", dict(factor=0.5, patience=2))], 30, {}),
    ([("ReduceLROnPlateau", dict(patience=1, cooldown=2, min_lr=0.002, factor=0.5))], 30, {}),
    ([("ReduceLROnPlateau", dict(mode="max", patience=0, threshold_mode="abs", threshold=0.05))], 30, {}),
    ([("ReduceLROnPlateau", dict(factor=0.5, patience=0, threshold=0.01, eps=0.02))], 30, {}),
    ([("ReduceLROnPlateau", dict(factor=0.5, patience=1, threshold_mode="abs", threshold=0.0))], 30,
     {12: 0.4}),
    ([("LinearLR", dict(start_factor=0.5, total_iters=3)), ("ReduceLROnPlateau", dict(patience=1))],
     30, {9: 0.2}),
]
PLATEAU_METRICS = [1.0, 0.8, 0.7, 0.7, 0.71, 0.69995, 0.6, 0.61, 0.62, 0.63, 0.55, 0.55, 0.5501,
                   0.56, 0.4, 0.41, 0.4, 0.39999, 0.42, 0.3, 0.3, 0.31, 0.32, 0.33, 0.34, 0.2, 0.21,
                   0.2, 0.19, 0.22]
# (optimizer, its options, OneCycleLR's options): the rates, the momentum (or beta1) and the path
ONECYCLE_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), dict(max_lr=1.0, total_steps=20)),
    ("SGD", dict(lr=0.1), dict(max_lr=0.5, epochs=4, steps_per_epoch=7, anneal_strategy="linear",
                               cycle_momentum=False)),
    ("SGD", dict(lr=0.1, momentum=0.5, nesterov=True),
     dict(max_lr=0.2, total_steps=30, three_phase=True, pct_start=0.25, div_factor=10.0,
          final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("SGD", dict(lr=0.1), dict(max_lr=0.3, total_steps=15)),
    ("Adam", dict(), dict(max_lr=0.01, total_steps=25)),
    ("AdamW", dict(weight_decay=0.1), dict(max_lr=0.01, total_steps=16, three_phase=True,
                                           anneal_strategy="linear")),
    ("RMSprop", dict(), dict(max_lr=0.01, total_steps=12, pct_start=0.5)),
    ("Adagrad", dict(), dict(max_lr=0.1, total_steps=10, cycle_momentum=False, pct_start=0.0)),
]


def cases():
    """Every case's name, in a fixed order (the test reads the same list)."""
    names = [f"adagrad/{i}" for i in range(len(ADAGRAD_CASES))]
    names += [f"clip/{i}" for i in range(len(CLIP_CASES))] + ["clip-nonfinite"]
    names += [f"clipped-training/{i}" for i in range(len(CLIPPED_TRAINING_CASES))]
    names += [f"schedule/{i}" for i in range(len(SCHEDULE_CASES))]
    names += [f"onecycle/{i}" for i in range(len(ONECYCLE_CASES))]
    return names


def onecycle_steps(options):
    return options.get("total_steps") or options["epochs"] * options["steps_per_epoch"]


def record():
    import torch

    data = {}
    rng = np.random.default_rng(1415)

    for i, options in enumerate(ADAGRAD_CASES):
        start, gradients = rng.normal(size=(3, 4)), rng.normal(size=(STEPS, 3, 4))
        weight = torch.tensor(start.copy(), requires_grad=True)
        optimizer = torch.optim.Adagrad([weight], **options)
        path = []
        for g in gradients:
            weight.grad = torch.tensor(g)
            optimizer.step()
            path.append(weight.detach().numpy().copy())
        data.update({f"adagrad/{i}/start": start, f"adagrad/{i}/gradients": gradients,
                     f"adagrad/{i}/path": np.array(path)})

    for i, (max_norm, norm_type) in enumerate(CLIP_CASES):
        gradients = [rng.normal(size=shape) * 3 for shape in CLIP_SHAPES]
        tensors = [torch.zeros(shape, dtype=torch.float64, requires_grad=True) for shape in CLIP_SHAPES]
        tensors.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))    # no gradient
        for t, g in zip(tensors, gradients):
            t.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type)
        data[f"clip/{i}/total_norm"] = np.array(float(total))
        for j, (t, g) in enumerate(zip(tensors, gradients)):
            data[f"clip/{i}/grad{j}"] = g
            data[f"clip/{i}/clipped{j}"] = t.grad.numpy().copy()

    gradients = [rng.normal(size=shape) for shape in CLIP_SHAPES]
    gradients[1][2] = np.inf                      # a gradient that overflowed
    tensors = [torch.zeros(shape, dtype=torch.float64, requires_grad=True) for shape in CLIP_SHAPES]
    for t, g in zip(tensors, gradients):
        t.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(tensors, 1.0)
    data["clip-nonfinite/total_norm"] = np.array(float(total))
    for j, (t, g) in enumerate(zip(tensors, gradients)):
        data[f"clip-nonfinite/grad{j}"] = g
        data[f"clip-nonfinite/clipped{j}"] = t.grad.numpy().copy()

    for i, (name, options, max_norm, norm_type) in enumerate(CLIPPED_TRAINING_CASES):
        start, gradients = rng.normal(size=(3, 4)), rng.normal(scale=5.0, size=(STEPS, 3, 4))
        weight = torch.tensor(start.copy(), requires_grad=True)
        optimizer = getattr(torch.optim, name)([weight], **options)
        path, norms = [], []
        for g in gradients:
            weight.grad = torch.tensor(g)
            norms.append(float(torch.nn.utils.clip_grad_norm_([weight], max_norm, norm_type)))
            optimizer.step()
            path.append(weight.detach().numpy().copy())
        data.update({f"clipped-training/{i}/start": start, f"clipped-training/{i}/gradients": gradients,
                     f"clipped-training/{i}/path": np.array(path),
                     f"clipped-training/{i}/norms": np.array(norms)})

    for i, (chain, epochs, set_lr) in enumerate(SCHEDULE_CASES):
        weight = torch.zeros(3, requires_grad=True)
        optimizer = torch.optim.SGD([weight], lr=0.1)
        schedulers = [getattr(torch.optim.lr_scheduler, name)(optimizer, **options)
                      for name, options in chain]
        rates = []
        for epoch in range(epochs):
            if epoch in set_lr:
                optimizer.param_groups[0]["lr"] = set_lr[epoch]
            rates.append(optimizer.param_groups[0]["lr"])
            weight.grad = torch.zeros(3)
            optimizer.step()
            for scheduler in schedulers:
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(PLATEAU_METRICS[epoch])
                else:
                    scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
        data[f"schedule/{i}/lr"] = np.array(rates)

    for i, (name, options, schedule) in enumerate(ONECYCLE_CASES):
        steps = onecycle_steps(schedule)
        start, gradients = rng.normal(size=(3, 4)), rng.normal(size=(steps, 3, 4))
        weight = torch.tensor(start.copy(), requires_grad=True)
        optimizer = getattr(torch.optim, name)([weight], **options)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, **schedule)
        group = optimizer.param_groups[0]
        rates, momenta, path = [], [], []
        for step in range(steps + 1):                # the rates and momenta after each step
            rates.append(group["lr"])
            momenta.append(group["betas"][0] if "betas" in group else group.get("momentum", 0.0))
            if step < steps:
                weight.grad = torch.tensor(gradients[step])
                optimizer.step()
                scheduler.step()
                path.append(weight.detach().numpy().copy())
        data.update({f"onecycle/{i}/start": start, f"onecycle/{i}/gradients": gradients,
                     f"onecycle/{i}/path": np.array(path), f"onecycle/{i}/lr": np.array(rates),
                     f"onecycle/{i}/momentum": np.array(momenta)})

    # the cases' definitions too, so that chapter 7 can replay them with nnlib and compare
    recorded.write("torch_reference_optim", data, cases(), torch.__version__,
                   schedule_cases=[[chain, epochs, sorted(set_lr.items())]
                                   for chain, epochs, set_lr in SCHEDULE_CASES],
                   plateau_metrics=PLATEAU_METRICS,
                   onecycle_cases=[list(case) for case in ONECYCLE_CASES])


if __name__ == "__main__":
    record()
