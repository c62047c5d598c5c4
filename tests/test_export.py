"""The exporter (tools/export.py), run on small notebooks written to a temporary folder."""
import importlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import export  # noqa: E402


def write_notebook(folder: Path, name: str, *cells: str, title: str = "A chapter") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nSome prose.")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path = folder / "chapters" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_export(root: Path, check: bool = False):
    return export.export(root / "chapters", root / "pkg", root, check=check)


def import_package(root: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "pkg" or m.startswith("pkg.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    return importlib.import_module("pkg")


@pytest.fixture
def book(tmp_path):
    write_notebook(tmp_path, "01_first",
                   "#| default_exp first\nimport sys",
                   '#| export\n"""Helpers for testing."""\nimport math\n\n\ndef double(x):\n    """Twice x."""\n    return 2 * x',
                   "double(3)   # not exported",
                   "#| export\nimport math\n\nTAU = 2 * math.pi\n_private = 1",
                   "#| export second\ndef elsewhere():\n    return 'second'",
                   title="First chapter")
    write_notebook(tmp_path, "02_later",
                   "#| default_exp later\n",
                   "#| export\nfrom pkg.first import double\n\n\ndef quadruple(x):\n    return double(double(x))")
    return tmp_path


def test_writes_modules_with_header_all_and_reexports(book, monkeypatch):
    assert run_export(book) == []
    first = (book / "pkg" / "first.py").read_text()
    assert first.splitlines()[0].startswith("# Generated from chapters/01_first.ipynb")
    assert "Do not edit" in first.splitlines()[0]
    assert '"""Helpers for testing.\n\nDerived in chapter 1, "First chapter" (chapters/01_first.ipynb)."""' in first
    assert first.count("import math") == 1                     # imports gathered and deduplicated
    assert first.index("import math") < first.index("__all__") < first.index("def double")
    assert "double(3)" not in first and "import sys" not in first  # unexported cells stay out
    assert '__all__ = ["double", "TAU"]' in first                 # private names are not public
    pkg = import_package(book, monkeypatch)
    assert pkg.double(4) == 8 and pkg.quadruple(1) == 4 and pkg.elsewhere() == "second"
    assert pkg.__all__ == ["double", "TAU", "elsewhere", "quadruple"]
    assert pkg.first._private == 1


def test_check_mode_names_stale_missing_and_extra_files(book):
    assert run_export(book) == []
    assert run_export(book, check=True) == []
    (book / "pkg" / "first.py").write_text("# edited by hand\n")
    (book / "pkg" / "later.py").unlink()
    (book / "pkg" / "orphan.py").write_text("")
    problems = run_export(book, check=True)
    assert problems == ["pkg/first.py is stale", "pkg/later.py is missing",
                        "pkg/orphan.py is not produced by any notebook"]
    assert run_export(book) == [] and run_export(book, check=True) == []
    assert not (book / "pkg" / "orphan.py").exists()


def test_command_line_check_exits_nonzero_and_names_the_file(book):
    run_export(book)
    (book / "pkg" / "later.py").write_text("stale")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "export.py"), "--check",
                             "--notebooks", str(book / "chapters"), "--package", str(book / "pkg")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "pkg/later.py is stale" in result.stderr


@pytest.mark.parametrize("cells, message", [
    (["#| default_exp a", "#| exprt\nx = 1"], "01_bad.ipynb, cell 3: unknown directive '#| exprt'"),
    (["#| export\ndef f(): pass"], "01_bad.ipynb, cell 2: '#| export' in a notebook without '#| default_exp'"),
    (["#| default_exp a", "#| export\ndef f(): pass", "#| export\ndef f(): pass"],
     "01_bad.ipynb, cell 4: 'f' is exported twice (first in chapters/01_bad.ipynb, cell 3)"),
    (["#| default_exp a", "#| default_exp b"], "01_bad.ipynb, cell 3: a second '#| default_exp'"),
    (["#| default_exp a", "#| export\ndef f(:"], "01_bad.ipynb, cell 3: exported code does not parse"),
    (["#| default_exp"], "01_bad.ipynb, cell 2: malformed directive"),
])
def test_rejects_broken_conventions_naming_notebook_and_cell(tmp_path, cells, message):
    write_notebook(tmp_path, "01_bad", *cells)
    with pytest.raises(export.ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_export(tmp_path)


def test_a_symbol_exported_by_two_notebooks_is_rejected(tmp_path):
    write_notebook(tmp_path, "01_one", "#| default_exp one", "#| export\ndef f(): pass")
    write_notebook(tmp_path, "02_two", "#| default_exp two", "#| export\ndef f(): pass")
    with pytest.raises(export.ExportError, match=r"02_two.ipynb, cell 3: 'f' is exported twice"):
        run_export(tmp_path)


def test_a_module_belongs_to_one_notebook(tmp_path):
    write_notebook(tmp_path, "01_one", "#| default_exp shared", "#| export\ndef f(): pass")
    write_notebook(tmp_path, "02_two", "#| default_exp shared", "#| export\ndef g(): pass")
    with pytest.raises(export.ExportError, match="module 'shared' belongs to chapters/01_one.ipynb"):
        run_export(tmp_path)


def test_the_repository_package_is_in_sync_with_its_notebooks():
    assert export.export(ROOT / "chapters", ROOT / "nnlib", ROOT, check=True) == []
