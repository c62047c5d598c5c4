"""The public API: what `nnlib.__all__` promises is importable, documented, and says where it is derived."""
import inspect
import json
import re
from pathlib import Path

import pytest

import nnlib

ROOT = Path(__file__).resolve().parent.parent

PUBLIC = [(name, getattr(nnlib, name)) for name in nnlib.__all__]


def test_every_public_name_is_importable_from_the_package():
    assert PUBLIC, "nnlib exports nothing"
    assert len(set(nnlib.__all__)) == len(nnlib.__all__), "a name is exported twice"
    for name, value in PUBLIC:
        assert value is not None, name


@pytest.mark.parametrize("name, value", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_symbol_has_a_docstring_naming_the_chapter_that_derives_it(name, value):
    doc = inspect.getdoc(value) or ""
    assert len(doc) > 40, f"nnlib.{name} needs a docstring"
    assert re.search(r'Derived in chapter \d+, "[^"]+"', doc), \
        f'the docstring of nnlib.{name} must say `Derived in chapter N, "Title"`'


@pytest.mark.parametrize("name, value", [(n, v) for n, v in PUBLIC if inspect.isclass(v)],
                         ids=[n for n, v in PUBLIC if inspect.isclass(v)])
def test_public_methods_of_public_classes_are_documented(name, value):
    for method_name, method in vars(value).items():
        if method_name.startswith("_") or not callable(method):
            continue
        if any(method_name in vars(base) for base in value.__mro__[1:] if base is not object):
            continue                                   # an override: documented where it is declared
        assert inspect.getdoc(method), f"nnlib.{name}.{method_name} needs a docstring"


def test_modules_start_with_the_generated_header_and_a_docstring():
    for module in {inspect.getmodule(v) for _, v in PUBLIC}:
        source = inspect.getsource(module)
        assert source.startswith("# Generated from chapters/"), module.__name__
        assert module.__doc__ and "Derived in chapter" in module.__doc__, module.__name__


def chapter_titles():
    """Chapter number -> the title (first heading) of chapters/NN_*.ipynb, or of the first page of
    chapters/NN_*/, a chapter made of section pages."""
    titles = {}
    for path in sorted((ROOT / "chapters").glob("[0-9]*_*")):
        first = path if path.suffix == ".ipynb" else next(iter(sorted(path.glob("*.ipynb"))), None)
        if first is None:
            continue
        cells = json.loads(first.read_text())["cells"]
        headings = [line[2:].strip() for cell in cells if cell["cell_type"] == "markdown"
                    for line in "".join(cell["source"]).splitlines() if line.startswith("# ")]
        titles[int(path.name.split("_")[0])] = headings[0] if headings else None
    return titles


@pytest.mark.parametrize("name, value", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_the_chapter_a_docstring_names_exists_under_that_title(name, value):
    """The API reference links each `Derived in chapter N, "Title"` to chapters/NN_*.ipynb; the book
    build fails if there is no such chapter or its title differs. Checked here first, without a build."""
    titles = chapter_titles()
    for number, title in re.findall(r'Derived in chapter (\d+),\s+"([^"]+)"', inspect.getdoc(value) or ""):
        title = " ".join(title.split())
        assert int(number) in titles, f"nnlib.{name}: there is no chapters/{int(number):02d}_*.ipynb"
        assert titles[int(number)] == title, \
            f'nnlib.{name}: chapter {number} is titled "{titles[int(number)]}", the docstring says "{title}"'
