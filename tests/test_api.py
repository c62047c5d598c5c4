"""The public API: what `nnlib.__all__` promises is importable, documented, and says where it is derived.

A name is derived in a numbered chapter, `Derived in chapter N, "Title"`, or on a page of the book
without a number, `Derived in "Title"` (the page "Using nnlib after the book" writes nnlib.bridge and
nnlib.estimators)."""
import inspect
import json
import re
from pathlib import Path

import pytest

import nnlib

ROOT = Path(__file__).resolve().parent.parent
DERIVED = re.compile(r'Derived in (?:chapter (\d+),\s+)?"([^"]+)"')


def public_names():
    """(name, object) for every name of nnlib.__all__, and pytest params that skip the names whose
    module needs a package that is not installed (scikit-learn, for nnlib.estimators, where nnlib's
    tests run with NumPy only)."""
    found, missing = [], []
    for name in nnlib.__all__:
        try:
            found.append((name, getattr(nnlib, name)))
        except ModuleNotFoundError as error:
            missing.append(pytest.param(name, None, id=name, marks=pytest.mark.skip(
                reason=f"nnlib.{name} needs {error.name}, which is not installed")))
    return found, missing


PUBLIC, MISSING = public_names()


def test_every_public_name_is_importable_from_the_package():
    assert PUBLIC, "nnlib exports nothing"
    assert len(set(nnlib.__all__)) == len(nnlib.__all__), "a name is exported twice"
    for name, value in PUBLIC:
        assert value is not None, name


@pytest.mark.parametrize("name, value", [pytest.param(*p, id=p[0]) for p in PUBLIC] + MISSING)
def test_public_symbol_has_a_docstring_naming_the_chapter_that_derives_it(name, value):
    doc = inspect.getdoc(value) or ""
    assert len(doc) > 40, f"nnlib.{name} needs a docstring"
    assert DERIVED.search(doc), (f'the docstring of nnlib.{name} must say `Derived in chapter N, '
                                 '"Title"` (`Derived in "Title"` for a page without a number)')


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
        assert module.__doc__ and DERIVED.search(module.__doc__), module.__name__


def title(path):
    """The title (first heading) of a notebook."""
    cells = json.loads(path.read_text())["cells"]
    headings = [line[2:].strip() for cell in cells if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("# ")]
    return headings[0] if headings else None


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


def unnumbered_titles():
    """The titles of the notebooks without a chapter number (chapters/using_nnlib.ipynb), each with
    how many notebooks have it."""
    titles = [title(path) for path in sorted((ROOT / "chapters").glob("*.ipynb"))
              if not path.name[0].isdigit()]
    return {t: titles.count(t) for t in titles}


@pytest.mark.parametrize("name, value", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_the_chapter_a_docstring_names_exists_under_that_title(name, value):
    """The API reference links each `Derived in chapter N, "Title"` to chapters/NN_*.ipynb, and each
    `Derived in "Title"` to the one notebook without a number of that title; the book build fails if
    there is no such page or its title differs. Checked here first, without a build."""
    titles, unnumbered = chapter_titles(), unnumbered_titles()
    for number, title in DERIVED.findall(inspect.getdoc(value) or ""):
        title = " ".join(title.split())
        if not number:
            assert title not in titles.values(), \
                f'nnlib.{name}: "{title}" is a numbered chapter; say `Derived in chapter N, "{title}"`'
            assert unnumbered.get(title) == 1, \
                f'nnlib.{name}: no page without a chapter number is titled "{title}" ({sorted(unnumbered)})'
            continue
        assert int(number) in titles, f"nnlib.{name}: there is no chapters/{int(number):02d}_*.ipynb"
        assert titles[int(number)] == title, \
            f'nnlib.{name}: chapter {number} is titled "{titles[int(number)]}", the docstring says "{title}"'


def test_the_names_of_the_unnumbered_page_say_so():
    """nnlib.bridge and nnlib.estimators are written by "Using nnlib after the book", which has no
    chapter number: their docstrings, the modules' too, cite it by its title."""
    import nnlib.bridge
    for name in nnlib.bridge.__all__:
        assert 'Derived in "Using nnlib after the book"' in inspect.getdoc(getattr(nnlib, name)), name
    assert 'Derived in "Using nnlib after the book" (chapters/using_nnlib.ipynb)' in \
        " ".join(nnlib.bridge.__doc__.split())
