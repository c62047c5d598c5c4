"""Chapter 8 against PyTorch itself: mini-batches as torch.utils.data.DataLoader cuts them,
an optimizer of part of a model freezing the rest as torch.optim does, and an empty input
giving an empty output. Skipped where PyTorch is not installed (the floor environment)."""
import numpy as np
import pytest

from nnlib import SGD, DataLoader, Linear, MSELoss, ReLU, Sequential, fit, predict

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch itself")


@pytest.mark.parametrize("n, batch_size, drop_last", [
    (10, 3, False), (10, 3, True), (9, 3, False), (5, 8, False), (5, 8, True), (1, 1, False)])
def test_batches_are_those_of_torch_data_loader(n, batch_size, drop_last):
    X, y = np.arange(2.0 * n).reshape(n, 2), np.arange(n)
    ours = DataLoader(X, y, batch_size=batch_size, drop_last=drop_last)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    theirs = torch.utils.data.DataLoader(dataset, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for (xb, yb), (tx, ty) in zip(ours, theirs, strict=True):
        assert np.array_equal(xb, tx.numpy()) and np.array_equal(yb, ty.numpy())


def test_an_optimizer_of_the_last_layer_trains_as_in_pytorch():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)), rng.normal(size=(32, 1))
    init = np.random.default_rng(1)
    model = Sequential(Linear(4, 8, rng=init), ReLU(), Linear(8, 1, rng=init))
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for ours, theirs in [(model[0], reference[0]), (model[2], reference[2])]:
            theirs.weight.copy_(torch.from_numpy(ours.weight.data.T))   # (in, out) -> (out, in)
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    first = model[0].weight.data.copy()
    fit(model, MSELoss(), SGD(model[2].parameters(), lr=0.05, momentum=0.9), X, y, epochs=25,
        batch_size=None, shuffle=False)
    optimizer = torch.optim.SGD(reference[2].parameters(), lr=0.05, momentum=0.9)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(25):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(reference(inputs), targets).backward()
        optimizer.step()
    assert np.array_equal(model[0].weight.data, first)
    assert np.array_equal(reference[0].weight.detach().numpy().T, first)
    assert np.allclose(model[2].weight.data, reference[2].weight.detach().numpy().T,
                       rtol=1e-12, atol=1e-14)
    assert np.allclose(model[2].bias.data, reference[2].bias.detach().numpy(), rtol=1e-12,
                       atol=1e-14)


def test_an_empty_input_gives_an_empty_output_as_in_pytorch():
    model = Sequential(Linear(4, 8, rng=0), ReLU(), Linear(8, 3, rng=1))
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 3)).double()
    empty = np.zeros((0, 4))
    expected = tuple(reference(torch.from_numpy(empty)).shape)
    assert predict(model, empty).shape == predict(model, empty, batch_size=16).shape == expected
