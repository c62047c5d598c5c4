"""Run every chapter the way a reader runs it on Colab, in an environment that stands in for Colab.

`python3 tools/dev.py test` runs this script inside `.venv-colab`, a Python 3.12 environment with
the versions of NumPy, scikit-learn and matplotlib that Colab ships (tools/colab-requirements.txt,
which records the date they were read). Nothing of nnlib is installed there beforehand: as on
Colab, each notebook's first cell installs it with pip. The stand-in changes that cell in three
places only, so that no network is needed: pip installs a wheel built once from this folder
instead of the remote repository, a cell that clones the repository (the appendix fetches the
recorded benchmark results) clones this repository's current branch, and Colab's folder /content
is a temporary folder. Each notebook runs top to bottom in a fresh kernel, with ``google.colab``
present in ``sys.modules`` as on Colab. The first notebook runs its install cell twice (Colab
readers run it again after "Restart session"): the second run meets nnlib installed, as the
install cell of every later notebook does, so one run each is enough for those.

It fails, naming the notebook and the cell, on an error in a cell that is not tagged
``raises-exception`` and on any warning a cell prints (a Colab reader sees it in a red box). Other
outputs are not compared: the versions differ from the pinned ones, so the numbers may too.

Usage:
    python tools/colab.py                     every notebook under chapters/
    python tools/colab.py chapters/05_losses.ipynb ...
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute import CurrentEnvironmentKernels  # noqa: E402  (tools/execute.py)

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 600
COLAB = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")'
REQUIREMENT = 'f"nnlib-book @ git+{repository}@{branch}"'
WARNING = re.compile(r"\b\w+Warning: ")          # how Python prints a warning


class ColabFailure(Exception):
    """What went wrong in one notebook, naming it and its cell."""


def as_on_colab(nb: nbformat.NotebookNode, wheel: Path, content: Path,
                twice: bool) -> nbformat.NotebookNode:
    """The notebook as the stand-in runs it: a first cell that makes ``google.colab`` importable,
    then the notebook with its install cell pointed at a wheel built from this folder (and, where
    it clones the repository, at this repository's HEAD, into ``content`` instead of Colab's
    /content), that cell run twice if ``twice``."""
    first = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    install = nb.cells[first]
    if REQUIREMENT not in install.source:
        raise ColabFailure(f"the first code cell does not install {REQUIREMENT}")
    source = install.source.replace(REQUIREMENT, f'"nnlib-book @ {wheel.as_uri()}"')
    head = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or "main"
    source = re.sub(r'^(\s*)repository = ".*"$', rf'\1repository = "{ROOT.as_uri()}"', source,
                    flags=re.M)
    source = re.sub(r'^(\s*)branch = ".*"$', rf'\1branch = "{head}"', source, flags=re.M)
    source = source.replace('"/content', f'"{content}')

    def local():
        return nbformat.v4.new_code_cell(source, metadata=dict(install.metadata))
    cells = [nbformat.v4.new_code_cell(COLAB)] + ([local()] if twice else [])
    cells += [local() if i == first else cell for i, cell in enumerate(nb.cells)]
    return nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)


def label(nb: nbformat.NotebookNode, index: int, twice: bool) -> str:
    """Where cell ``index`` of the notebook as run comes from in the chapter's notebook."""
    if index == 0:
        return "the stand-in's own first cell (google.colab)"
    if index == 1 and twice:
        return "the install cell, first run"
    added = 2 if twice else 1
    number = sum(cell.cell_type == "code" for cell in nb.cells[added:index])
    return f"code cell {number} (counting code cells from 0, as nbval does)"


def problems(nb: nbformat.NotebookNode, twice: bool) -> list[str]:
    """Errors outside ``raises-exception`` cells, and printed warnings, cell by cell."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        for output in cell.outputs:
            if output.output_type == "error" and "raises-exception" not in tags:
                found.append(f"{label(nb, index, twice)}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and (output.name == "stderr"
                                                     or WARNING.search(output.text)):
                first = (output.text.strip().splitlines() or [""])[0]
                found.append(f"{label(nb, index, twice)} prints a warning or to stderr: "
                             f"{first[:160]}")
    return found


def build_wheel(folder: Path) -> Path:
    """nnlib's wheel, built once from this repository (pip would build it at every install), in
    a temporary copy of the sources, so that no setuptools build folder of an earlier build
    (``build/lib``, which keeps files the package no longer has) goes into it."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "_build", "build", "dist", "*.egg-info", "__pycache__", "chapters"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                    str(folder), str(source)], check=True)
    return next(folder.glob("nnlib_book-*.whl"))


def run(path: Path, wheel: Path, content: Path, twice: bool) -> float:
    nb = as_on_colab(nbformat.read(path, as_version=4), wheel, content, twice)
    kernel = AsyncKernelManager(kernel_name="python3",
                                kernel_spec_manager=CurrentEnvironmentKernels())
    client = NotebookClient(nb, km=kernel, timeout=CELL_TIMEOUT, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        # nbclient leaves running a kernel whose manager it was handed: shut it down here,
        # or every notebook of a run keeps its kernel (and its memory) to the end
        client.execute(cleanup_kc=True)
    except CellExecutionError as error:
        raise ColabFailure(str(error).splitlines()[-1]) from None
    found = problems(nb, twice)
    if found:
        raise ColabFailure("\n  ".join(found))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "chapters").rglob("*.ipynb"))
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    failed = 0
    folder = tempfile.TemporaryDirectory()
    wheel = build_wheel(Path(folder.name) / "wheel")
    # a Colab runtime starts without nnlib: an nnlib of the same version left from an earlier
    # run would make pip answer "already satisfied" and the notebooks run the old code
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", "nnlib-book"],
                   check=True, capture_output=True)
    content = Path(folder.name) / "content"          # Colab's /content, where files persist
    for number, path in enumerate(notebooks):
        name = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        try:
            seconds = run(path.resolve(), wheel, content, twice=number == 0)
            print(f"ran {name} as on Colab in {seconds:.1f} s", flush=True)
        except ColabFailure as failure:
            failed += 1
            print(f"FAILED {name}:\n  {failure}", file=sys.stderr, flush=True)
    if failed:
        print(f"{failed} of {len(notebooks)} notebooks fail on the Colab stand-in", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
