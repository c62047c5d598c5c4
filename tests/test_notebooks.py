"""Conventions every chapter notebook keeps (see the README, "Writing or changing a chapter")."""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"])


def toc_files():
    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)
    return list(walk(yaml.safe_load((ROOT / "_toc.yml").read_text())))


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks under chapters/"


def test_every_notebook_is_in_the_table_of_contents_and_every_entry_exists():
    listed = toc_files()
    for path in NOTEBOOKS:
        assert path.relative_to(ROOT).with_suffix("").as_posix() in listed, f"{path.name} is not in _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), f"_toc.yml lists missing {entry}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_first_code_cell_installs_nnlib_on_colab_only_from_the_configured_repository(path):
    first = source(code_cells(path)[0])
    url, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    assert 'if "google.colab" in sys.modules:' in first, "the install must run on Colab only"
    assert re.search(r'^    repository = "(\S+)"$', first, re.M).group(1) == url, \
        f"the first code cell must install from _config.yml's repository, {url}"
    assert re.search(r'^    branch = "(\S+)"$', first, re.M).group(1) == branch
    assert '"--no-deps", f"nnlib-book @ git+{repository}@{branch}"]' in " ".join(first.split()), \
        "nnlib is installed with pip, without touching what Colab ships (--no-deps)"
    assert "raise RuntimeError" in first, "a failed install must stop the notebook, loudly"
    assert "%pip" not in first, "%pip prints a restart notice; the cell runs pip itself"
    assert re.search(r'^name = "nnlib-book"$', (ROOT / "pyproject.toml").read_text(), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_stored_from_one_clean_run(path):
    cells = code_cells(path)
    counts = [c["execution_count"] for c in cells if source(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "re-execute the notebook with tools/execute.py"
    for i, cell in enumerate(cells):
        tags = cell["metadata"].get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags, f"code cell {i} stored an error without the tag"
        assert "raises-exception" not in tags or errors, f"code cell {i} is tagged raises-exception but raised nothing"
        for output in cell["outputs"]:
            text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", "")) \
                + output.get("evalue", "")
            assert " at 0x" not in text, f"code cell {i} prints a memory address"
            assert "Warning" not in text, f"code cell {i} prints a warning"
            assert not re.search(r"np\.(float|int|bool)\w*\(", text), \
                f"code cell {i} prints a bare NumPy scalar; format it"
            assert output.get("name") != "stderr", f"code cell {i} writes to stderr"
            assert "image/svg+xml" not in output.get("data", {}), f"code cell {i} stores an SVG figure"
            traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
            assert not re.search(r"File /\S*nnlib/", traceback), \
                f"code cell {i} stores the absolute path of nnlib; re-execute with tools/execute.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_randomness_is_seeded(path):
    text = "\n".join(source(c) for c in code_cells(path))
    assert "np.random.seed" not in text and not re.search(r"np\.random\.(rand|randn|normal|uniform)\(", text), \
        "use a seeded np.random.default_rng(seed), not the global NumPy generator"
    assert re.search(r"default_rng\(\)", text) is None, "default_rng() without a seed is not reproducible"


WIDTH = 88            # the longest code line that fits the book's page without scrolling
CELL_LINES = 40       # the most lines of code in one exported cell (docstrings, comments not counted)


def code_lines(source):
    """The lines of a cell that hold code: not blank, not only a comment, not inside a docstring
    (a string that is a statement of its own: a module's, class's or function's docstring)."""
    import ast
    source = "\n".join(line for line in source.splitlines() if not line.startswith("#|"))
    tree = ast.parse(source)
    strings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            strings.update(range(node.lineno, node.end_lineno + 1))
    return [line for number, line in enumerate(source.splitlines(), start=1)
            if line.strip() and not line.strip().startswith("#") and number not in strings]


def test_code_lines_counts_code_only():
    cell = '#| export\n"""Doc\nstring."""\nimport numpy as np\n\n# a comment\n\ndef f(x):\n' \
           '    """Doc."""\n    return x  # why\n'
    assert code_lines(cell) == ["import numpy as np", "def f(x):", "    return x  # why"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_exported_cells_are_short_and_code_fits_the_page(path):
    for i, cell in enumerate(code_cells(path)):
        text = source(cell)
        for line in text.splitlines():
            assert len(line) <= WIDTH, f"code cell {i}: a line of {len(line)} characters: {line}"
        if text.startswith("#| export"):
            n = len(code_lines(text))
            assert n <= CELL_LINES, f"exported code cell {i} has {n} lines of code; split it " \
                                    "(a class grows across cells with @add_to_class)"


def test_nnlib_fits_the_page_and_imports_no_inspect():
    for path in sorted((ROOT / "nnlib").glob("*.py")):
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), start=1):
            assert len(line) <= WIDTH, f"{path.name}:{number} has {len(line)} characters"
        assert not re.search(r"^\s*(import inspect|from inspect )", text, re.M), \
            f"{path.name} imports inspect: a layer's contract is declared, not discovered"


def repository_mentions(text):
    """Every GitHub repository URL, and every `git+URL@BRANCH` install, a text names."""
    urls = re.findall(r"https://github\.com/[\w.-]+/[\w.-]+?(?=[\s\"'@)\\]|\.git\b|$)", text)
    installs = re.findall(r"git\+(https://\S+?)@([\w./-]+?)[\"'\s\\]", text)
    return urls, installs


def test_readme_and_notebooks_name_the_configured_repository_and_branch():
    url, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    for path in [ROOT / "README.md", ROOT / "pyproject.toml", *NOTEBOOKS]:
        urls, installs = repository_mentions(path.read_text())
        assert set(urls) <= {url}, f"{path.name} names {set(urls) - {url}}; _config.yml says {url}"
        assert set(installs) <= {(url, branch)}, f"{path.name} installs from {installs}"
    assert repository_mentions((ROOT / "README.md").read_text())[1], "the README shows a pip install"


def test_fork_rewrites_every_mention_and_nothing_else(tmp_path):
    import shutil
    import subprocess
    import sys
    for name in ["_config.yml", "README.md", "pyproject.toml", "tools/dev.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "chapters", tmp_path / "chapters",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    result = subprocess.run([sys.executable, str(tmp_path / "tools" / "dev.py"), "fork",
                             "https://github.com/someone/nnfs-fork.git", "dev"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["repository"] == {**CONFIG["repository"], "url": "https://github.com/someone/nnfs-fork",
                                    "branch": "dev"}
    for path in [tmp_path / "README.md", tmp_path / "pyproject.toml",
                 *sorted((tmp_path / "chapters").rglob("*.ipynb"))]:
        urls, installs = repository_mentions(path.read_text())
        assert set(urls) <= {"https://github.com/someone/nnfs-fork"}, path.name
        assert set(installs) <= {("https://github.com/someone/nnfs-fork", "dev")}, path.name
        first = source(code_cells(path)[0]) if path.suffix == ".ipynb" else ""
        assert not first or 'branch = "dev"' in first, path.name
    assert not (tmp_path / ".venv").exists(), "fork needs no environment"


def test_the_install_cell_fails_loudly_and_quietly_succeeds(tmp_path):
    """Run chapter 1's install cell as Colab would (google.colab imported), once from a repository
    that does not exist (it must raise, saying what to do) and once from this repository's folder
    (it must print nothing: no pip chatter, no restart notice)."""
    import subprocess
    import sys
    cell = "\n".join(line for line in source(code_cells(NOTEBOOKS[0])[0]).splitlines()
                     if not line.startswith("#|"))
    stub = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")\n'
    missing = cell.replace(CONFIG["repository"]["url"], (tmp_path / "no-such-repository").as_uri())
    result = subprocess.run([sys.executable, "-c", stub + missing], capture_output=True, text=True)
    assert result.returncode != 0
    assert "RuntimeError: installing nnlib from file://" in result.stderr
    assert "Check the runtime's network connection, or install nnlib from a local clone" \
        in result.stderr
    target = tmp_path / "site"
    local = cell.replace('f"nnlib-book @ git+{repository}@{branch}"', f'"{ROOT}", "--target", '
                         f'"{target}"')
    result = subprocess.run([sys.executable, "-c", stub + local], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "restart" not in result.stderr.lower()
    assert (target / "nnlib" / "__init__.py").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_code_blocks_of_the_text_fit_the_page(path):
    """Code in the markdown (a ```python, ```sh or ```text block) fits 88 characters too, and a
    directive's fence names no code in backticks (a backtick fence may not hold one, and the
    directive would then be shown as code: write it with a ::: fence)."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = source(cell)
        for fence, body in re.findall(r"^[ \t]*(`{3,})(?!\{)[^\n]*\n(.*?)^[ \t]*\1", text, re.M | re.S):
            indent = min((len(l) - len(l.lstrip()) for l in body.splitlines() if l.strip()),
                         default=0)
            for line in body.splitlines():
                assert len(line) - indent <= WIDTH, f"markdown cell {i}: a code line of " \
                    f"{len(line) - indent} characters: {line.strip()}"
        for line in text.splitlines():
            assert not (re.match(r"\s*`{3,}\{", line) and "`" in line.strip().lstrip("`")), \
                f"markdown cell {i}: {line.strip()} (use a ::: fence)"


PAGE_WORDS = 4200   # "no page longer than about 4,000 words"


def prose_words(path):
    """The words a reader reads on a page: its markdown, without the formulas ($...$, $$...$$)."""
    text = "\n".join(source(c) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    return len(re.sub(r"\$[^$]*\$", " ", text).split())


def test_prose_words_leaves_formulas_out(tmp_path):
    page = {"cells": [{"cell_type": "markdown", "source": ["One $x + y$ two\n$$\na = b\n$$\nthree"]},
                      {"cell_type": "code", "source": ["not counted = 1"]}]}
    path = tmp_path / "page.ipynb"
    path.write_text(json.dumps(page))
    assert prose_words(path) == 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "chapters").as_posix())
def test_no_page_is_much_longer_than_4000_words(path):
    words = prose_words(path)
    assert words <= PAGE_WORDS, (f"{words} words of prose: split the chapter into section pages "
                                 "(a folder of notebooks, `sections:` in _toc.yml)")
