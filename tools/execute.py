"""Re-execute notebooks in place: a fresh kernel, top to bottom, outputs stored.

Every chapter is stored with the outputs of one clean run (execution counts 1, 2, 3, ...); nbval then
re-runs it and compares. Run this after every change to a chapter. It exports nnlib first, so the
notebook sees the library its own (and earlier chapters') export cells define.

Usage:
    python tools/execute.py chapters/03_activations/02_softmax.ipynb [more.ipynb ...]
    python tools/execute.py --all
Stops at the first failing cell and names the notebook and the cell; that notebook is left unchanged.
A cell tagged ``raises-exception`` may raise: it demonstrates an error.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export  # noqa: E402  (tools/export.py)
import numerics  # noqa: E402  (tools/numerics.py)

numerics.pin(os.environ)   # the kernels below inherit it: one floating-point path everywhere

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 600


class CurrentEnvironmentKernels(KernelSpecManager):
    """Every kernel name resolves to an IPython kernel running this very interpreter, so notebooks
    see the packages of the environment that runs this script (the project's virtual environment),
    whatever kernels a reader has installed elsewhere."""

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                      **ipykernel.kernelspec.get_kernel_dict())


def clean_metadata(nb: nbformat.NotebookNode) -> None:
    """Keep only metadata that does not depend on the machine that ran the notebook."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)            # timestamps
        cell.metadata.pop("lines_to_next_cell", None)   # left by jupytext's text round trip
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def relative_tracebacks(nb: nbformat.NotebookNode) -> None:
    """Write the files of stored tracebacks relative to the repository (``nnlib/module.py``): the book
    shows them, and the folder the notebook happened to run in is no reader's business."""
    prefix = str(ROOT) + "/"
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                output["traceback"] = [line.replace(prefix, "") for line in output["traceback"]]


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """One output per run of consecutive prints to the same stream: how a kernel splits a cell's
    printing into messages depends on timing, and the stored notebook should not."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for output in cell.outputs:
            if merged and output.output_type == "stream" and merged[-1].output_type == "stream" \
                    and merged[-1].name == output.name:
                merged[-1].text += output.text
            else:
                merged.append(output)
        cell.outputs = merged


def execute(path: Path) -> float:
    """Execute one notebook in place; returns the seconds it took. Raises SystemExit on failure."""
    nb = nbformat.read(path, as_version=4)
    clean_metadata(nb)
    kernel = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnvironmentKernels())
    client = NotebookClient(nb, km=kernel, timeout=CELL_TIMEOUT, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        # nbclient leaves running a kernel whose manager it was handed: shut it down here,
        # or every notebook of a run keeps its kernel (and its memory) to the end
        client.execute(cleanup_kc=True)
    except CellExecutionError as e:
        # the first error outside the cells that demonstrate one (tagged raises-exception)
        code = [c for c in nb.cells if c.cell_type == "code"]
        failing = next((i for i, c in enumerate(code)
                        if "raises-exception" not in c.metadata.get("tags", [])
                        and any(o.get("output_type") == "error" for o in c.get("outputs", []))),
                       None)
        where = (f"code cell {failing} (counting code cells from 0, as nbval does)"
                 if failing is not None else "a cell")
        name = getattr(e, "ename", "error")
        value = getattr(e, "evalue", str(e).splitlines()[-1] if str(e) else "")
        print(f"execute: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}, {where} failed: "
              f"{name}: {value}\n(the notebook was not changed)", file=sys.stderr)
        if failing is not None:
            print("".join(code[failing].source), file=sys.stderr)
        raise SystemExit(1)
    nb.metadata["language_info"] = {"name": "python"}   # nbclient records the Python version here
    relative_tracebacks(nb)
    merge_streams(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook under chapters/")
    args = parser.parse_args(argv)
    notebooks = export.notebooks_under(ROOT / "chapters") if args.all else args.notebooks
    if not notebooks:
        parser.error("name the notebooks to execute, or pass --all")
    if export.main([]) != 0:
        return 2
    for path in notebooks:
        path = path.resolve()
        seconds = execute(path)
        print(f"executed {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
