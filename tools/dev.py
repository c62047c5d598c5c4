"""One entry point for building, testing and editing the book. Needs only Python >= 3.10.

    python3 tools/dev.py book       build the HTML book (and export nnlib) into _build/html
    python3 tools/dev.py test       everything CI checks (see `test --help`)
    python3 tools/dev.py test -k NAME     only the tests and notebook cells that pytest -k selects
    python3 tools/dev.py export     write nnlib/ from the notebooks' export cells (--check compares)
    python3 tools/dev.py execute chapters/03_activations/02_softmax.ipynb ...
                                    re-execute notebooks in place
    python3 tools/dev.py execute --all
    python3 tools/dev.py bench      the benchmarks: nnlib against PyTorch, scikit-learn and bare
                                    NumPy (arguments go to benchmarks/run.py; see `bench --help`)
    python3 tools/dev.py fork URL [BRANCH]   point the book at another repository and branch

`python3 tools/dev.py COMMAND --help` says more about a command. The first call of a command
creates the project's virtual environment in .venv and installs requirements.txt and nnlib
(editable) into it; later calls reuse it and reinstall only when requirements.txt or
pyproject.toml change. Every command then runs inside that environment (`--help` and `fork` need
none).
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def run(*cmd: str | Path, env: dict | None = None) -> None:
    """Run a command from the repository root; stop with its exit code if it fails."""
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode != 0:
        print(f"\nFAILED ({result.returncode}): {' '.join(str(c) for c in cmd)}", file=sys.stderr)
        raise SystemExit(result.returncode)


def ensure_environment() -> None:
    """Create or update .venv, then re-run this script inside it."""
    if sys.version_info < (3, 10):
        raise SystemExit(f"Python >= 3.10 is needed; this is {sys.version.split()[0]}")
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV.relative_to(ROOT)}/ ...", flush=True)
        run(sys.executable, "-m", "venv", VENV)
    stamp = subprocess.run([PYTHON, "-c", "import sys; print(sys.version)"], capture_output=True,
                           text=True).stdout.strip()
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
                            + stamp.encode()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        print("Installing requirements.txt and nnlib into .venv ...", flush=True)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
        STAMP.write_text(digest)
    os.execv(str(PYTHON), [str(PYTHON), __file__, *sys.argv[1:]])


def find_python(version: str) -> str | None:
    """An interpreter of the given version (``"3.10"``) that runs: one pyenv installed, or one on
    PATH (a pyenv shim on PATH answers only when that version is selected, so it comes last)."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    candidates = [path for root in filter(None, roots)
                  for path in sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"),
                                     reverse=True)]
    candidates += [path] if (path := shutil.which(f"python{version}")) else []
    for candidate in candidates:
        check = subprocess.run([candidate, "-c", "import sys; print(*sys.version_info[:2], sep='.')"],
                               capture_output=True, text=True)
        if check.returncode == 0 and check.stdout.strip() == version:
            return candidate
    return None


def side_environment(folder: str, requirements: str, editable: bool) -> tuple[Path | None, str]:
    """Create or update a second virtual environment ``folder`` from a requirements file whose
    ``# python: X.Y`` line names its interpreter; with ``editable``, nnlib is installed into it too.
    Returns (its python, "") or (None, why there is none)."""
    text = (ROOT / requirements).read_text()
    version = re.search(r"^# python: (\d+\.\d+)$", text, re.M).group(1)
    interpreter = find_python(version)
    if interpreter is None:
        return None, f"no Python {version} on this machine (on PATH or installed by pyenv)"
    venv = ROOT / folder
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    stamp = venv / ".installed"
    digest = hashlib.sha256(text.encode() + (ROOT / "pyproject.toml").read_bytes()
                            + interpreter.encode() + str(editable).encode()).hexdigest()
    if not python.exists():
        print(f"Creating {folder}/ with Python {version} ...", flush=True)
        run(interpreter, "-m", "venv", "--clear", venv)
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Installing {requirements} into {folder}/ ...", flush=True)
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        run(*pip, "-r", requirements)
        if editable:
            run(*pip, "--no-deps", "-e", ".")
        stamp.write_text(digest)
    return python, ""


# The tests that need the book's own stack (notebooks, the exporter, Sphinx, the benchmarks'
# libraries); the environment of the oldest supported Python and NumPy runs every other test.
BOOK_TESTS = ["tests/browser", "tests/test_notebooks.py", "tests/test_export.py",
              "tests/test_reference.py", "tests/test_benchmarks.py", "tests/test_using_nnlib.py"]


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: $CHROMIUM if set, else the first one on PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


def install_chromium() -> tuple[str | None, str]:
    """Install Debian's chromium for the browser test with apt-get, as root or with passwordless sudo.
    Returns (executable, "") or (None, why there is none)."""
    if not shutil.which("apt-get"):
        return None, "no Chromium on PATH and no apt-get to install it (set CHROMIUM=/path/to/chromium)"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        sudo = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        return None, ("no Chromium on PATH, and installing it needs root or passwordless sudo: "
                      "apt-get install chromium (or set CHROMIUM=/path/to/chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = [*sudo, "apt-get", "-q", "-o", "DPkg::Lock::Timeout=300"]
    install = [*apt, "install", "-y", "--no-install-recommends", "chromium"]
    print("\n=== installing Debian's chromium for the browser test", flush=True)
    if subprocess.run(install, env=env).returncode != 0:
        # A fresh machine has no package lists yet, an older one may list versions no longer served.
        subprocess.run([*apt, "update"], env=env)
        if subprocess.run(install, env=env).returncode != 0:
            return None, "apt-get could not install chromium"
    if path := find_chromium():
        return path, ""
    return None, "apt-get installed chromium, yet no chromium executable is on PATH"


class Background:
    """A command started now and waited for later; its output is kept until then."""

    def __init__(self, *cmd: str | Path, env: dict | None = None) -> None:
        self.cmd = [str(c) for c in cmd]
        self.start = time.perf_counter()
        self.output = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True, env=env)


class Steps:
    """Runs the named steps in order and prints how long each took."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self.notes: list[str] = []
        self.start = time.perf_counter()

    def __call__(self, name: str, *cmd: str | Path, env: dict | None = None) -> None:
        print(f"\n=== {name}", flush=True)
        start = time.perf_counter()
        run(*cmd, env=env)
        self.times.append((name, time.perf_counter() - start))

    def wait(self, name: str, job: Background) -> None:
        """Wait for a background command, print its output, stop if it failed."""
        code = job.process.wait()
        self.times.append((name + " (beside the others)", time.perf_counter() - job.start))
        job.output.seek(0)
        print(f"\n=== {name}\n{job.output.read()}", flush=True)
        if code != 0:
            print(f"\nFAILED ({code}): {' '.join(job.cmd)}", file=sys.stderr)
            raise SystemExit(code)

    def report(self) -> None:
        print("\n=== timings")
        for name, seconds in self.times:
            print(f"  {name:<48} {seconds:7.1f} s")
        print(f"  {'total, wall clock':<48} {time.perf_counter() - self.start:7.1f} s")
        for note in self.notes:
            print(f"\n{note}")


def book(steps: Steps, strict: bool) -> None:
    command = [BIN / "jupyter-book", "build", ".", "--builder", "html"]
    if strict:   # a fresh build, so that warnings of unchanged pages are reported too
        command += ["--all", "-W", "-n", "--keep-going"]
    steps("book build" + (" (warnings are errors)" if strict else ""), *command)


HELP = {
    "book": "Export nnlib, then build the HTML book into _build/html (the build shows the stored "
            "outputs; it executes nothing).",
    "test": "Everything CI checks, in this order: the export check; mypy over nnlib ([tool.mypy] "
            "in pyproject.toml); pytest over tests/ (the property-based misuse tests too) and strict "
            "nbval over every notebook; nnlib's tests on the oldest supported Python and NumPy "
            "(.venv-floor); every chapter run as on Colab (.venv-colab), beside the other "
            "steps; the book build with warnings as errors; the browser test of the built book. Arguments go to the first "
            "pytest run; with -k only the export check and that run happen (the selected tests and "
            "notebook cells; `-k misuse` selects the misuse tests), and the command says what it "
            "left out.",
    "export": "Write nnlib/ from the notebooks' exported cells (tools/export.py); --check only "
              "compares and fails, naming the stale files.",
    "execute": "Re-execute notebooks in place in a fresh kernel and store their outputs "
               "(tools/execute.py): name the notebooks, or pass --all.",
    "bench": "Time nnlib against PyTorch, scikit-learn and bare NumPy (benchmarks/run.py). Its "
             "options: --threads N (BLAS and PyTorch threads), --only mlp,tiny,conv,cnn,tape,"
             "transformer (the workload groups), --repeats N, --warmup N, --json PATH (also write the results), "
             "--profile (cProfile of nnlib's epochs instead of timings), --quick (tiny sizes: "
             "checks that it runs), --no-torch.",
    "fork": "fork URL [BRANCH]: point the book at another repository (and branch, default main): "
            "_config.yml, the install cell of every notebook, and the README's and notebooks' "
            "links. Executes nothing: the notebooks' outputs do not depend on it.",
}


def fork(url: str, branch: str) -> int:
    """Rewrite every place that names the repository and branch; _config.yml is the source."""
    config = (ROOT / "_config.yml").read_text()
    section = re.search(r"^repository:\n((?:  .*\n)+)", config, re.M)
    old_url = re.search(r"^  url: (\S+)$", section.group(1), re.M).group(1)
    old_branch = re.search(r"^  branch: (\S+)$", section.group(1), re.M).group(1)
    url = url.removesuffix("/").removesuffix(".git")
    old_name, name = old_url.rsplit("/", 1)[1], url.rsplit("/", 1)[1]
    changes = [(f"{old_url}@{old_branch}", f"{url}@{branch}"), (old_url, url),
               (f'branch = \\"{old_branch}\\"', f'branch = \\"{branch}\\"'),   # inside JSON
               (f"cd {old_name}\n", f"cd {name}\n"), (f"cd {old_name}\\n", f"cd {name}\\n")]
    block = section.group(1).replace(f"  url: {old_url}\n", f"  url: {url}\n")
    block = block.replace(f"  branch: {old_branch}\n", f"  branch: {branch}\n")
    (ROOT / "_config.yml").write_text(config.replace(section.group(1), block))
    files = [ROOT / "README.md", ROOT / "pyproject.toml", *sorted((ROOT / "chapters").rglob("*.ipynb"))]
    for path in files:
        text = original = path.read_text()
        for old, new in changes:
            text = text.replace(old, new)
        if text != original:
            path.write_text(text)
            print(f"rewrote {path.relative_to(ROOT)}")
    print(f"the book now points at {url}, branch {branch}")
    return 0


def main() -> int:
    args = sys.argv[1:]
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in HELP:
        print(f"dev.py: unknown command '{command}'; the commands are {', '.join(HELP)}\n"
              "(python3 tools/dev.py --help explains them)", file=sys.stderr)
        return 2
    if rest[:1] in (["-h"], ["--help"]):
        print(textwrap.fill(f"python3 tools/dev.py {command}: {HELP[command]}", 88))
        return 0
    if command == "fork":
        if not 1 <= len(rest) <= 2 or not re.match(r"https?://\S+/\S+$", rest[0]):
            print(textwrap.fill(f"dev.py fork: {HELP['fork']}", 88), file=sys.stderr)
            return 2
        return fork(rest[0], rest[1] if len(rest) == 2 else "main")
    ensure_environment()
    steps = Steps()
    if command == "export":
        steps("export nnlib", PYTHON, "tools/export.py", *rest)
    elif command == "execute":
        steps("execute notebooks", PYTHON, "tools/execute.py", *rest)
    elif command == "bench":
        run(PYTHON, "benchmarks/run.py", *rest)
    elif command == "book":
        steps("export nnlib", PYTHON, "tools/export.py")
        book(steps, strict=False)
        html = ROOT / "_build" / "html" / "index.html"
        print(f"\nThe book is at {html}\nServe it with:  python3 -m http.server --directory "
              f"{html.parent} 8000   and open http://localhost:8000")
    elif command == "test":
        test(steps, rest)
    return 0


def test(steps: Steps, rest: list[str]) -> None:
    selected = "-k" in rest or any(arg.startswith("-k") for arg in rest)
    steps("export check", PYTHON, "tools/export.py", "--check")
    if selected:
        pytest_and_nbval(steps, rest)
        steps.notes.append("Ran only the tests that -k selects: mypy, the oldest-Python-and-NumPy "
                           "tests, the Colab stand-in, the book build and the browser test were "
                           "left out (run `python3 tools/dev.py test` for everything).")
        steps.report()
        return
    floor, floor_why_not = side_environment(".venv-floor", "tools/floor-requirements.txt",
                                            editable=True)
    colab, colab_why_not = side_environment(".venv-colab", "tools/colab-requirements.txt",
                                            editable=False)
    # The stand-in runs one notebook at a time, so it starts first and runs beside every other
    # step; the notebooks write only to temporary folders, so the two runs of a chapter do not
    # meet. Its report comes last. It runs NumPy on one thread: beside the two pytest workers,
    # BLAS threads of its own would wait on each other for cores the workers hold, and its
    # outputs are not compared, so the thread count changes nothing it checks.
    colab_run = None
    if colab:
        print("\n=== every chapter as on Colab (tools/colab.py), beside the next steps", flush=True)
        one_thread = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                             "MKL_NUM_THREADS")}
        colab_run = Background(colab, "tools/colab.py", env={**os.environ, **one_thread})
    else:
        steps.notes.append(f"SKIPPED the Colab stand-in: {colab_why_not}")
    try:
        # the type check of nnlib's hints: files and options in pyproject.toml
        steps("mypy over nnlib", PYTHON, "-m", "mypy")
        pytest_and_nbval(steps, rest)
        if floor:
            steps("nnlib's tests on the oldest supported Python and NumPy", floor, "-m",
                  "pytest", "-q", "tests", *[f"--ignore={path}" for path in BOOK_TESTS], *rest)
        else:
            steps.notes.append(f"SKIPPED nnlib's tests on the oldest Python and NumPy: "
                               f"{floor_why_not}")
        book_and_browser(steps)
    finally:                      # a failed step stops the command: the stand-in stops with it
        if colab_run is not None and colab_run.process.poll() is None and sys.exc_info()[0]:
            colab_run.process.kill()
    if colab_run is not None:
        steps.wait("every chapter as on Colab (tools/colab.py)", colab_run)
    steps.report()


def pytest_and_nbval(steps: Steps, rest: list[str]) -> None:
    """pytest over tests/ and strict nbval over every notebook, on two workers; --dist loadfile
    keeps each notebook's cells together, in one kernel."""
    steps("pytest tests/ and strict nbval over chapters/", PYTHON, "-m", "pytest", "tests",
          "chapters", "--ignore=tests/browser", "--nbval", "--nbval-current-env",
          "--nbval-cell-timeout=600", "-n", "2", "--dist", "loadfile", *rest,
          env={**os.environ, "PYTHONHASHSEED": "0"})   # both workers name the tests alike


def book_and_browser(steps: Steps) -> None:
    """The strict book build, then the browser test of the built book."""
    book(steps, strict=True)
    chromium, why_not = find_chromium(), ""
    if chromium is None:
        start = time.perf_counter()
        chromium, why_not = install_chromium()
        steps.times.append(("install chromium", time.perf_counter() - start))
    if chromium:
        env = {**os.environ, "CHROMIUM": chromium}
    else:   # the browser test then skips itself, giving this reason
        steps.notes.append(f"SKIPPED the browser test: {why_not}")
        env = {**os.environ, "NNLIB_NO_CHROMIUM": why_not}
    steps("browser test of _build/html in Chromium", PYTHON, "-m", "pytest", "tests/browser",
          "-rs", env=env)


if __name__ == "__main__":
    sys.exit(main())
