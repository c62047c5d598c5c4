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


# -- classes built across cells -----------------------------------------------------------------

SKELETON = ('#| export\nclass Layer:\n    """A layer."""\n\n    def __init__(self, k):\n'
            '        self.k = k')
FORWARD = ('#| export\n@add_to_class(Layer)\ndef forward(self, x):\n    """k times x,\n'
           '    over several lines."""\n    return self.k * x   # the formula')
BACKWARD = "#| export\n@add_to_class(Layer)\ndef backward(self, g):\n    return self.k * g"


def test_methods_added_in_later_cells_are_merged_into_one_ordinary_class(tmp_path, monkeypatch):
    write_notebook(tmp_path, "01_layers", "#| default_exp layers", SKELETON,
                   "Layer(2)   # a check cell, not exported", FORWARD,
                   '#| export\n@add_to_class(Layer)\n@property\ndef doubled(self):\n'
                   '    return 2 * self.k', BACKWARD,
                   "#| export\ndef helper():\n    return Layer(3).forward(1)")
    assert run_export(tmp_path) == []
    text = (tmp_path / "pkg" / "layers.py").read_text()
    assert "add_to_class" not in text
    assert '__all__ = ["Layer", "helper"]' in text          # methods are not module-level names
    body = text[text.index("class Layer:"):text.index("def helper")]
    assert "\n    def forward(self, x):\n" in body and "\n    def backward(self, g):" in body
    assert "\n    @property\n    def doubled(self):\n        return 2 * self.k" in body
    assert body.index("__init__") < body.index("forward") < body.index("doubled") \
        < body.index("backward")
    layers = import_package(tmp_path, monkeypatch).layers
    layer = layers.Layer(5)
    assert layer.forward(2) == 10 and layer.backward(3) == 15 and layer.doubled == 10
    assert layers.helper() == 3
    assert layers.Layer.forward.__qualname__ == "Layer.forward"   # a method written in the class
    assert layers.Layer.forward.__doc__.split()[:3] == ["k", "times", "x,"]


def test_a_constructor_added_later_goes_before_the_first_method(tmp_path, monkeypatch):
    """A class cell may hold only the docstring, attributes and some methods; its
    ``__init__``, added by the next cell, is written where a hand-written class has it."""
    skeleton = ('#| export\nclass Layer:\n    """A layer."""\n\n    kind = "scale"\n\n'
                '    def __repr__(self):\n        return f"Layer({self.k})"')
    init = "#| export\n@add_to_class(Layer)\ndef __init__(self, k):\n    self.k = k"
    write_notebook(tmp_path, "01_layers", "#| default_exp layers", skeleton, init, FORWARD)
    assert run_export(tmp_path) == []
    text = (tmp_path / "pkg" / "layers.py").read_text()
    body = text[text.index("class Layer:"):]
    assert body.index('kind = "scale"') < body.index("def __init__") \
        < body.index("def __repr__") < body.index("def forward")
    layer = import_package(tmp_path, monkeypatch).layers.Layer(4)
    assert repr(layer) == "Layer(4)" and layer.forward(2) == 8


@pytest.mark.parametrize("cells, message", [
    (["#| default_exp a", FORWARD],
     r"cell 3: @add_to_class\(Layer\): no class Layer is exported above in this chapter"),
    (["#| default_exp a", "class Layer:\n    pass", FORWARD],
     r"cell 4: @add_to_class\(Layer\): no class Layer is exported above"),
    (["#| default_exp a", SKELETON, FORWARD, FORWARD.replace("k times", "again")],
     r"cell 5: Layer.forward is defined twice \(first in chapters/01_bad.ipynb, cell 4\)"),
    (["#| default_exp a", SKELETON, "#| export\n@add_to_class(Layer)\ndef __init__(self):\n"
      "    pass"], r"cell 4: Layer.__init__ is defined twice \(first in .*cell 3\)"),
    (["#| default_exp a", SKELETON, FORWARD.replace("#| export", "#| export b")],
     r"cell 4: @add_to_class\(Layer\) in a cell exported to 'b', but Layer belongs to module 'a'"),
    (["#| default_exp a", SKELETON, FORWARD.replace("#| export\n", "")],
     r"cell 4: @add_to_class\(Layer\) in a cell that is not exported"),
    (["#| default_exp a", SKELETON, "#| export\n@add_to_class(Layer, 1)\ndef f(self):\n  pass"],
     r"cell 4: @add_to_class takes one class name"),
    (["#| default_exp a", SKELETON,
      '#| export\n@add_to_class(Layer)\ndef f(self):\n    return """two\nlines"""'],
     r"cell 4: f\(\) holds a string that spans lines"),
    (["#| default_exp a", SKELETON, "#| export\nf = add_to_class(Layer)(lambda self: 1)"],
     r"cell 4: add_to_class is used other than as the decorator"),
    (["#| default_exp a", SKELETON, "#| export\n@add_to_class(Layer)\ndef f(self):\n"
      "    return " + "1 + " * 20 + "1"],
     r"cell 4: a line of f\(\) has 92 characters; moved into its class it gains 4, more than 88"),
])
def test_add_to_class_errors_name_the_notebook_cell_and_problem(tmp_path, cells, message):
    write_notebook(tmp_path, "01_bad", *cells)
    with pytest.raises(export.ExportError, match=message):
        run_export(tmp_path)


def test_a_method_cannot_be_added_from_another_notebook(tmp_path):
    write_notebook(tmp_path, "01_one", "#| default_exp one", SKELETON)
    write_notebook(tmp_path, "02_two", "#| default_exp two", FORWARD)
    with pytest.raises(export.ExportError, match=r"02_two.ipynb, cell 3: @add_to_class\(Layer\): "
                       r"Layer is exported by chapters/01_one.ipynb; a class is written by one"):
        run_export(tmp_path)


def test_generated_lines_fit_the_page(tmp_path):
    names = "\n".join(f"name_number_{i} = {i}" for i in range(30))
    write_notebook(tmp_path, "01_a_chapter_with_a_long_name", "#| default_exp long",
                   "#| export\n" + names, title="A title long enough to need wrapping " * 2)
    assert run_export(tmp_path) == []
    for path in (tmp_path / "pkg").glob("*.py"):
        for line in path.read_text().splitlines():
            assert len(line) <= 88, f"{path.name}: {line}"


def write_section(folder: Path, chapter: str, name: str, *cells: str, title: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nProse.")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path = folder / "chapters" / chapter / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_a_chapter_may_be_a_folder_of_section_pages(tmp_path, monkeypatch):
    """A class defined on one page of a chapter may grow on the next (that page imports it from
    nnlib to run); a module may be written by several pages of one chapter; the generated file
    names the chapter and its title, the first page's."""
    write_section(tmp_path, "03_layers", "01_forward", "#| default_exp layers", SKELETON,
                  FORWARD, title="Layers")
    write_section(tmp_path, "03_layers", "02_backward", "#| default_exp layers",
                  "from pkg import Layer", BACKWARD, "#| export\nTWO = 2", title="The backward pass")
    write_notebook(tmp_path, "04_after", "#| default_exp after", "#| export\nTHREE = 3")
    assert run_export(tmp_path) == []
    text = (tmp_path / "pkg" / "layers.py").read_text()
    assert text.splitlines()[0] == "# Generated from chapters/03_layers/ by tools/export.py. " \
                                   "Do not edit."
    assert 'Derived in chapter 3, "Layers"' in text and '__all__ = ["Layer", "TWO"]' in text
    layer = import_package(tmp_path, monkeypatch).layers.Layer(5)
    assert layer.forward(2) == 10 and layer.backward(3) == 15


def test_a_class_grows_only_within_its_chapter_folder(tmp_path):
    write_section(tmp_path, "03_layers", "01_forward", "#| default_exp layers", SKELETON,
                  title="Layers")
    write_section(tmp_path, "04_more", "01_more", "#| default_exp more", "from pkg import Layer",
                  FORWARD, title="More")
    with pytest.raises(export.ExportError, match=r"04_more/01_more.ipynb, cell 4: @add_to_class"
                       r"\(Layer\): Layer is exported by chapters/03_layers; a class is written"):
        run_export(tmp_path)


def test_a_namespace_written_by_an_unnumbered_page_is_imported_first(tmp_path, monkeypatch):
    """nnlib.checks, which every module uses by its name, is written by an appendix page that sorts
    after the chapters; the package still imports it first, and its module names that page."""
    write_notebook(tmp_path, "01_first", "#| default_exp first",
                   "#| export\nfrom pkg import checks\n\n\ndef one():\n    return checks.ONE")
    write_notebook(tmp_path, "appendix_checks", "#| default_exp checks", "#| export\nONE = 1",
                   title="How it checks")
    assert run_export(tmp_path) == []
    init = (tmp_path / "pkg" / "__init__.py").read_text()
    assert init.index("from . import checks") < init.index("from .first import one")
    text = (tmp_path / "pkg" / "checks.py").read_text()
    assert text.startswith("# Generated from chapters/appendix_checks.ipynb by tools/export.py.")
    assert 'Derived in "How it checks" (chapters/appendix_checks.ipynb).' in text
    assert import_package(tmp_path, monkeypatch).one() == 1
