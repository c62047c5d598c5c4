"""Conventions every chapter notebook keeps (see the README, "Writing or changing a chapter")."""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_nnlib_on_colab_only_from_the_configured_repository(path):
    first = source(code_cells(path)[0])
    url, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    assert 'if "google.colab" in sys.modules:' in first, "the install must run on Colab only"
    install = re.search(r'%pip install .*"nnlib-book @ git\+(\S+)@(\S+)"', first)
    assert install, "the first code cell must %pip install nnlib-book from the repository"
    assert install.groups() == (url, branch), f"installs from {install.groups()}, _config.yml says {(url, branch)}"
    assert re.search(r'^name = "nnlib-book"$', (ROOT / "pyproject.toml").read_text(), re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
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
            text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
            assert " at 0x" not in text, f"code cell {i} prints a memory address"
            assert "Warning" not in text, f"code cell {i} prints a warning"
            assert "np.float" not in text, f"code cell {i} prints a bare NumPy scalar; format it"
            assert output.get("name") != "stderr", f"code cell {i} writes to stderr"
            assert "image/svg+xml" not in output.get("data", {}), f"code cell {i} stores an SVG figure"
            traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
            assert not re.search(r"File /\S*nnlib/", traceback), \
                f"code cell {i} stores the absolute path of nnlib; re-execute with tools/execute.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_randomness_is_seeded(path):
    text = "\n".join(source(c) for c in code_cells(path))
    assert "np.random.seed" not in text and not re.search(r"np\.random\.(rand|randn|normal|uniform)\(", text), \
        "use a seeded np.random.default_rng(seed), not the global NumPy generator"
    assert re.search(r"default_rng\(\)", text) is None, "default_rng() without a seed is not reproducible"
