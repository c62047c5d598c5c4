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


def side_environment(folder: str, requirements: str, editable: bool,
                     requirements_only: bool = False) -> tuple[Path | None, str]:
    """Create or update a second virtual environment ``folder`` from a requirements file whose
    ``# python: X.Y`` line names its interpreter; with ``editable``, nnlib is installed into it too,
    unless ``requirements_only`` (a job beside .venv's installation leaves nnlib's editable install,
    which writes into this folder as .venv's does, to a later call). Returns (its python, "") or
    (None, why there is none)."""
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
        if requirements_only and editable:
            return python, ""
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


SKIPPED = 75     # the exit code of a side job that cannot run on this machine; its output says why
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
SIDE_JOBS = {"floor": "creating .venv-floor", "colab": "every chapter as on Colab (tools/colab.py)"}
SECONDS = "side job seconds: "   # the last line of a side job's output: how long it ran
_started: list[subprocess.Popen] = []     # kept, so that no one reaps them but SideJob.wait


def start_side_jobs() -> None:
    """Start the two jobs of `test` that need only environments of their own, before .venv is
    created or updated (which takes minutes on a fresh machine and leaves a core idle): creating
    .venv-floor, and creating .venv-colab and then running every chapter in it as on Colab. Each
    runs in a session of its own, its output kept in a file; what `test` needs to find it goes
    into the environment, which the process ensure_environment() execs into inherits, together
    with the jobs themselves (an exec keeps the process, and so its children)."""
    for kind in SIDE_JOBS:
        if f"NNLIB_SIDE_{kind.upper()}" in os.environ:
            continue
        log = tempfile.NamedTemporaryFile(prefix=f"nnlib-{kind}-", suffix=".log", delete=False)
        process = subprocess.Popen([sys.executable, __file__, f"_{kind}"], cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        _started.append(process)
        os.environ[f"NNLIB_SIDE_{kind.upper()}"] = f"{process.pid} {time.time()} {log.name}"


def side_job(kind: str) -> int:
    """What `python3 tools/dev.py _floor` or `_colab` does: the side job start_side_jobs()
    starts. Its last line of output says how long it took (SideJob.wait reads it)."""
    start = time.perf_counter()
    try:
        return run_side_job(kind)
    finally:
        print(f"{SECONDS}{time.perf_counter() - start:.1f}", flush=True)


def run_side_job(kind: str) -> int:
    if kind == "floor":
        _, why_not = side_environment(".venv-floor", "tools/floor-requirements.txt",
                                      editable=True, requirements_only=True)
        if why_not:
            print(why_not)
            return SKIPPED
        return 0
    colab, why_not = side_environment(".venv-colab", "tools/colab-requirements.txt",
                                      editable=False)
    if colab is None:
        print(why_not)
        return SKIPPED
    # The stand-in runs one notebook at a time beside every other step, its NumPy on one thread:
    # beside the two pytest workers, BLAS threads of its own would wait on each other for cores
    # the workers hold, and its outputs are not compared, so the thread count changes nothing
    # it checks. The notebooks write only to temporary folders, so the two runs of a chapter do
    # not meet.
    return subprocess.run([colab, "tools/colab.py"], cwd=ROOT,
                          env={**os.environ, **ONE_THREAD}).returncode


class SideJob:
    """A side job that start_side_jobs() started, in this process or before its exec."""

    def __init__(self, kind: str) -> None:
        if f"NNLIB_SIDE_{kind.upper()}" not in os.environ:
            start_side_jobs()
        pid, start, log = os.environ[f"NNLIB_SIDE_{kind.upper()}"].split(" ", 2)
        self.kind, self.name, self.pid = kind, SIDE_JOBS[kind], int(pid)
        self.start, self.log = float(start), log

    def wait(self) -> tuple[int, str, float]:
        """Its exit code, its output and how long it ran."""
        mine = [process for process in _started if process.pid == self.pid]
        if mine:                                # started by this process (always on Windows)
            code = mine[0].wait()
        else:                                   # started by this process before its exec
            code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        os.environ.pop(f"NNLIB_SIDE_{self.kind.upper()}")     # stop_side_jobs() leaves it be
        output = Path(self.log).read_text()
        Path(self.log).unlink()
        lines = output.rstrip("\n").split("\n")
        if lines[-1].startswith(SECONDS):         # how long the job itself ran
            return code, "\n".join(lines[:-1]) + "\n", float(lines[-1][len(SECONDS):])
        return code, output, time.time() - self.start


class Background:
    """A step started now and waited for later, beside the next steps; its output is kept
    until then."""

    def __init__(self, name: str, *cmd: str | Path) -> None:
        self.name, self.cmd = name, [str(c) for c in cmd]
        self.start = time.perf_counter()
        self.output = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True)


def stop_side_jobs() -> None:
    """Stop the side jobs that still run, and the processes they started (the stand-in's
    kernels): a failed step stops the command, and they stop with it."""
    for kind in SIDE_JOBS:
        if job := os.environ.pop(f"NNLIB_SIDE_{kind.upper()}", None):
            pid = int(job.split()[0])
            try:
                if os.name == "nt":
                    next(p for p in _started if p.pid == pid).kill()
                else:
                    os.killpg(pid, 15)
            except (ProcessLookupError, PermissionError, StopIteration):
                pass


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

    def wait(self, job: SideJob) -> str:
        """Wait for a side job, print its output, stop if it failed; "" if it ran, else why it
        could not run on this machine."""
        code, output, seconds = job.wait()
        self.times.append((job.name + " (beside the others)", seconds))
        print(f"\n=== {job.name}, beside the other steps\n{output.strip() or 'done'}\n",
              flush=True)
        if code == SKIPPED:
            return output.strip().splitlines()[-1]
        if code != 0:
            print(f"\nFAILED ({code}): {job.name}", file=sys.stderr)
            raise SystemExit(code)
        return ""

    def finish(self, job: Background) -> None:
        """Wait for a step started beside the others, print its output, stop if it failed."""
        code = job.process.wait()
        self.times.append((job.name + " (beside the others)", time.perf_counter() - job.start))
        job.output.seek(0)
        print(f"\n=== {job.name}, beside the other steps\n{job.output.read()}", flush=True)
        if code != 0:
            print(f"\nFAILED ({code}): {' '.join(job.cmd)}", file=sys.stderr)
            raise SystemExit(code)

    def report(self) -> None:
        print("\n=== timings")
        for name, seconds in self.times:
            print(f"  {name:<48} {seconds:7.1f} s")
        print(f"  {'total, wall clock':<48} {time.perf_counter() - self.start:7.1f} s")
        if "NNLIB_TEST_START" in os.environ:
            since = time.time() - float(os.environ["NNLIB_TEST_START"])
            print(f"  {'total, from the command (.venv included)':<48} {since:7.1f} s")
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
            "(.venv-floor), beside the next two steps; the book build with warnings as errors; the "
            "browser test of the built book; and, beside all of these, every chapter run as on "
            "Colab (.venv-colab). Arguments go to the first "
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
    if command.startswith("_") and command[1:] in SIDE_JOBS:
        return side_job(command[1:])              # started by start_side_jobs(), not by hand
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
    if command == "test" and not selects(rest):
        os.environ.setdefault("NNLIB_TEST_START", str(time.time()))
        if os.name != "nt":      # Windows has no exec that keeps the process: test starts them
            start_side_jobs()    # before ensure_environment, which may take minutes
    try:
        return run_command(command, rest)
    except BaseException:
        stop_side_jobs()
        raise


def run_command(command: str, rest: list[str]) -> int:
    """A command of this script, inside .venv (created or updated first)."""
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


def selects(rest: list[str]) -> bool:
    """Whether the arguments of `test` select tests with -k."""
    return "-k" in rest or any(arg.startswith("-k") for arg in rest)


def test(steps: Steps, rest: list[str]) -> None:
    selected = selects(rest)
    steps("export check", PYTHON, "tools/export.py", "--check")
    if selected:
        pytest_and_nbval(steps, rest)
        steps.notes.append("Ran only the tests that -k selects: mypy, the oldest-Python-and-NumPy "
                           "tests, the Colab stand-in, the book build and the browser test were "
                           "left out (run `python3 tools/dev.py test` for everything).")
        steps.report()
        return
    # Creating .venv-floor, and the Colab stand-in, started before .venv was ready and run
    # beside every step; the stand-in's report comes last.
    floor_job, colab_job = SideJob("floor"), SideJob("colab")
    # the type check of nnlib's hints: files and options in pyproject.toml
    steps("mypy over nnlib", PYTHON, "-m", "mypy")
    pytest_and_nbval(steps, rest)
    floor, floor_why_not = None, steps.wait(floor_job)
    if not floor_why_not:       # nnlib's editable install, left by the side job (its docstring)
        floor, floor_why_not = side_environment(".venv-floor", "tools/floor-requirements.txt",
                                                editable=True)
    floor_tests = None
    if floor:   # beside the book build and the browser test, which leave a core half idle
        floor_tests = Background("nnlib's tests on the oldest supported Python and NumPy",
                                 floor, "-m", "pytest", "-q", "tests",
                                 *[f"--ignore={path}" for path in BOOK_TESTS], *rest)
    else:
        steps.notes.append(f"SKIPPED nnlib's tests on the oldest Python and NumPy: "
                           f"{floor_why_not}")
    try:
        book_and_browser(steps)
    finally:
        if floor_tests is not None and sys.exc_info()[0]:
            floor_tests.process.kill()
    if floor_tests is not None:
        steps.finish(floor_tests)
    if colab_why_not := steps.wait(colab_job):
        steps.notes.append(f"SKIPPED the Colab stand-in: {colab_why_not}")
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
