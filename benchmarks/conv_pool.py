"""Speed of nnlib's Conv2d and pooling layers, compared with PyTorch on the same machine, in one process.

    .venv/bin/python benchmarks/conv_pool.py [--repeats 30] [--batch 64] [--threads 1] [--clock cpu]

Times the forward plus backward pass in float32 of
  - Conv2d(16, 32, kernel_size=3, padding=1) on a batch of (64, 16, 28, 28) images, and of the first,
    plain im2col version of chapter 12 on the same layer,
  - MaxPool2d(2) and AvgPool2d(2) on (64, 32, 28, 28),
and prints, for each, the median time of nnlib and of PyTorch over the repeats (after a warm-up; the
two are run alternately so that both see the same machine load) and their ratio. PyTorch is optional:
without it only nnlib's times are printed. Both libraries are given the same number of threads, that
of NumPy's BLAS (threadpoolctl reports it; --threads sets it for both). The elementwise parts of nnlib
run on one thread, as NumPy does.
The outputs and gradients of the two libraries are compared too, to make sure the same work is timed.

This is a measurement, not a test: the numbers depend on the machine and on what else runs on it.
Run it on an idle machine, and run it twice. On a busy machine, `--threads 1 --clock cpu` measures the
processor time the process itself used, which other programs disturb much less than the wall-clock
time (with more than one thread the processor time adds up the threads, including their waiting).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from nnlib import AvgPool2d, Conv2d, MaxPool2d

try:
    import torch
except ImportError:      # PyTorch is not a dependency of nnlib or of the book
    torch = None


def blas_threads() -> int:
    infos = [info for info in threadpool_info() if info["user_api"] == "blas"]
    return infos[0]["num_threads"] if infos else 1


def plain_im2col_conv(x, weight, bias, grad, padding=1):
    """The first im2col convolution of chapter 12, forward and backward, for comparison: windows from
    sliding_window_view copied into a (C k k, N H W) column matrix, col2im by strided slices."""
    O, C, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    N, _, Ho, Wo = windows.shape[:4]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, N * Ho * Wo)
    y = (weight.reshape(O, -1) @ cols + bias[:, None]).reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3)
    g2 = grad.transpose(1, 0, 2, 3).reshape(O, -1)
    dw = (g2 @ cols.T).reshape(weight.shape)
    dcols = (weight.reshape(O, -1).T @ g2).reshape(C, kh, kw, N, Ho, Wo)
    dxp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i:i + Ho, j:j + Wo] += dcols[:, i, j].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(y), dxp[:, :, padding:-padding, padding:-padding], dw


def cases(batch: int, rng: np.random.Generator):
    """(input shape, [(name, nnlib step), ...], torch step or None) for each benchmarked layer.

    Every step returns (output, input gradient), so that the libraries' results can be compared."""
    x = rng.normal(size=(batch, 16, 28, 28)).astype(np.float32)
    conv = Conv2d(16, 32, 3, padding=1, rng=rng, dtype=np.float32)
    grad_conv = rng.normal(size=(batch, 32, 28, 28)).astype(np.float32)
    pool_x = rng.normal(size=(batch, 32, 28, 28)).astype(np.float32)
    grad_pool = rng.normal(size=(batch, 32, 14, 14)).astype(np.float32)

    def nnlib_conv():
        y = conv(x)
        return y, conv.backward(grad_conv)

    def plain_conv():
        y, dx, _ = plain_im2col_conv(x, conv.weight.data, conv.bias.data, grad_conv)
        return y, dx

    def nnlib_pool(layer):
        def step():
            y = layer(pool_x)
            return y, layer.backward(grad_pool)
        return step

    if torch is None:
        torch_conv = torch_max = torch_avg = None
    else:
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(conv.weight.data, requires_grad=True)
        bt = torch.tensor(conv.bias.data, requires_grad=True)
        pt = torch.tensor(pool_x, requires_grad=True)
        gc, gp = torch.tensor(grad_conv), torch.tensor(grad_pool)

        def torch_conv():
            xt.grad = wt.grad = bt.grad = None
            y = torch.nn.functional.conv2d(xt, wt, bt, padding=1)
            y.backward(gc)
            return y, xt.grad

        def torch_pool(function):
            def step():
                pt.grad = None
                y = function(pt, 2)
                y.backward(gp)
                return y, pt.grad
            return step

        torch_max = torch_pool(torch.nn.functional.max_pool2d)
        torch_avg = torch_pool(torch.nn.functional.avg_pool2d)
    return [((batch, 16, 28, 28), [("Conv2d(16, 32, 3, padding=1)", nnlib_conv),
                                   ("  first im2col of the chapter", plain_conv)], torch_conv),
            ((batch, 32, 28, 28), [("MaxPool2d(2)", nnlib_pool(MaxPool2d(2)))], torch_max),
            ((batch, 32, 28, 28), [("AvgPool2d(2)", nnlib_pool(AvgPool2d(2)))], torch_avg)]


def largest_difference(nnlib_step, torch_step) -> float:
    """Largest relative difference of output and input gradient between the two libraries."""
    worst = 0.0
    for a, b in zip(nnlib_step(), torch_step()):
        b = b.detach().numpy()
        worst = max(worst, float(np.max(np.abs(a - b)) / max(1e-30, float(np.max(np.abs(b))))))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs of each step (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--batch", type=int, default=64, help="batch size N (default 64)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS and for PyTorch (default: BLAS's own setting)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall-clock time (default) or the process's processor time")
    args = parser.parse_args()
    if args.threads is not None:
        threadpool_limits(limits=args.threads, user_api="blas")
    threads = blas_threads()
    if torch is None:
        print("PyTorch is not installed (import torch failed): printing nnlib's times only.")
    else:
        torch.set_num_threads(threads)
    print(f"NumPy {np.__version__}, BLAS threads (threadpoolctl): {threads}"
          + ("" if torch is None else f"; PyTorch {torch.__version__}, threads: {torch.get_num_threads()}"))
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    print(f"forward + backward, float32, batch {args.batch}; median {args.clock} time of {args.repeats} "
          f"runs after {args.warmup} warm-up runs\n")
    header = f"{'layer':<32} {'input':<18} {'nnlib ms':>9}"
    print(header + ("" if torch is None else f" {'torch ms':>9} {'ratio':>6}  {'max rel. diff':>13}"))
    for shape, named_steps, torch_step in cases(args.batch, np.random.default_rng(0)):
        torch_median = None
        for k, (name, step) in enumerate(named_steps):
            # the layer runs alternately with PyTorch, so that both see the same load; a version shown
            # for comparison runs on its own (its memory traffic would slow PyTorch down) and is
            # compared with the PyTorch time measured alongside the layer
            paired = torch_step is not None and k == 0
            medians = measure([step, torch_step] if paired else [step], args.repeats, args.warmup, clock)
            torch_median = medians[1] if paired else torch_median
            line = f"{name:<32} {str(shape):<18} {medians[0]:9.2f}"
            if torch_median is not None:
                diff = largest_difference(step, torch_step)
                line += f" {torch_median:9.2f} {medians[0] / torch_median:6.2f}  {diff:13.1e}"
            print(line)


def measure(steps, repeats, warmup, clock) -> list[float]:
    """Median time in ms of each step, running the steps alternately after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        for step in steps:
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            start = clock()
            step()
            record.append(clock() - start)
    return [1e3 * statistics.median(t) for t in times]

if __name__ == "__main__":
    main()
