"""One floating-point path on every x86-64 machine, so that a notebook's stored outputs are
reproduced digit for digit wherever it is re-executed.

NumPy chooses its SIMD loops (AVX2 or AVX-512) and OpenBLAS its matrix kernels by the CPU they
run on, and the last digits of a sum or of a matrix product depend on that choice: a gradient
check that prints a relative error of 4.4e-10 on one machine prints 3.9e-10 on another. The
stored outputs are computed with NumPy's AVX2 loops, OpenBLAS's Haswell kernels and one thread;
these settings make any x86-64 machine with AVX2 take exactly that path. They go into the
environment of the kernels that execute notebooks, those of tools/execute.py and those nbval
starts (tests/conftest.py). nnlib itself never sets them: a reader's results may differ from
the book's in the last digits, never by more than the printed bounds.
"""
from __future__ import annotations

import platform
from collections.abc import MutableMapping

# NumPy 2.2's dispatched AVX-512 targets (naming one it does not know only warns).
AVX512 = "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"

PINNED = {
    "NPY_DISABLE_CPU_FEATURES": AVX512,
    "OPENBLAS_CORETYPE": "Haswell",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def pin(environ: MutableMapping[str, str]) -> None:
    """Set the pinned path in ``environ`` (os.environ, or a child process's environment).
    Only x86-64 has these kernels; elsewhere only the thread count is set."""
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    environ.update({k: v for k, v in PINNED.items() if x86 or k.endswith("_THREADS")})
