"""The benchmark script runs, checks that every side computes the same thing, and writes its JSON.

Only with --quick (tiny sizes, one repeat): this tests that the benchmarks work on a fresh setup, with
and without PyTorch; it measures nothing (speed is never asserted in tests).
"""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "run.py"
WORKLOADS = ["mlp_epoch", "mlp_inference", "tiny_epoch", "conv2d", "maxpool2d", "digits_cnn",
             "tape_epoch", "transformer"]


def load_run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_quick(tmp_path, *extra):
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--json", str(out), *extra],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, json.loads(out.read_text())


def check_results(stdout, data, with_torch):
    assert [w["name"] for w in data["workloads"]] == WORKLOADS
    assert data["gemm_gflops"] > 0 and data["machine"]["blas_threads"] >= 1
    for w in data["workloads"]:
        assert f"\n{w['name']} " in stdout                      # a row of the printed table
        seconds = w["seconds"]
        assert all(t > 0 for t in seconds.values())
        assert ("torch" in seconds) == with_torch
        for side, ratio in w["ratios"].items():
            assert ratio == pytest.approx(seconds["nnlib"] / seconds[side])
        for side, difference in w["max_relative_difference"].items():
            assert side in seconds and difference <= 1e-3
    mlp = data["workloads"][0]
    assert {"numpy", "sklearn"} <= set(mlp["seconds"])
    assert set(mlp["extra_seconds"]) == {"sklearn, float64 data", "nnlib, with dL/dx"}
    tape = next(w for w in data["workloads"] if w["name"] == "tape_epoch")   # and with layers
    assert set(tape["extra_seconds"]) == {"nnlib layers (Sequential)"}
    assert "tape/layers" in tape["notes"]["nnlib"] and "numpy" in tape["seconds"]


def test_quick_run_without_torch(tmp_path):
    stdout, data = run_quick(tmp_path, "--no-torch")
    installed = importlib.util.find_spec("torch") is not None
    reason = "PyTorch is left out (--no-torch)" if installed else "PyTorch is not installed"
    assert reason in stdout and "no PyTorch column" in stdout
    assert data["machine"]["torch"] is None
    check_results(stdout, data, with_torch=False)


def test_quick_run_with_torch(tmp_path):
    pytest.importorskip("torch", reason="PyTorch is optional (pip install torch==2.13.0)")
    stdout, data = run_quick(tmp_path)
    check_results(stdout, data, with_torch=True)


def test_a_side_that_computes_something_else_stops_the_benchmark():
    run = load_run_module()
    assert run.agree("mlp_epoch", "numpy", 1e-6, 1e-3) == 1e-6
    with pytest.raises(SystemExit, match="mlp_epoch: numpy does not compute what nnlib computes"):
        run.agree("mlp_epoch", "numpy", 0.5, 1e-3)


def test_the_bare_numpy_epoch_is_the_nnlib_epoch():
    """The reference must do the same arithmetic as nnlib: the same weights after an epoch, where an
    epoch moves the weights by far more than the tolerance (so that agreeing is not trivial)."""
    run = load_run_module()
    X, y = run.mlp_data(300, np.random.default_rng(1))
    model = run.nnlib_mlp(seed=2)
    from nnlib import SGD, CrossEntropyLoss
    params = [a.copy() for a in run.mlp_state(model)]
    run.nnlib_epoch(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.05), X, y, 64)
    run.numpy_epoch(params, X, y, 64, 0.05)
    assert run.relative_difference(params, run.mlp_state(model)) < 1e-5
    frozen = [a.copy() for a in params]
    run.numpy_epoch(params, X, y, 64, 0.05)
    assert run.relative_difference(params, frozen) > 1e-3           # the epoch does change the weights


def test_an_unknown_workload_group_is_named(capsys):
    run = load_run_module()
    with pytest.raises(SystemExit) as stop:
        run.main(["--only", "mlp,convolution"])
    assert stop.value.code == 2
    assert "--only: unknown group(s) convolution; choose from mlp, " in capsys.readouterr().err


def test_the_epoch_on_the_tape_is_the_nnlib_epoch():
    """The tape's epoch (chapter 14's Tensor) does the arithmetic of nnlib's layers: the same
    weights after an epoch that moves them by far more than the tolerance."""
    run = load_run_module()
    from nnlib import SGD, CrossEntropyLoss, Tensor
    X, y = run.mlp_data(300, np.random.default_rng(1))
    model = run.nnlib_mlp(seed=2)
    start = run.mlp_state(model)
    params = [Tensor(a.copy(), requires_grad=True) for a in start]
    run.nnlib_epoch(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.05), X, y, 64)
    run.tape_epoch(params, X, y, 64, 0.05)
    tape = [p.data for p in params]
    assert all(a.dtype == np.float32 for a in tape)
    assert run.relative_difference(tape, run.mlp_state(model)) < 1e-5
    assert run.relative_difference(tape, start) > 1e-3
