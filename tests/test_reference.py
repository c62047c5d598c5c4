"""The API reference extension (tools/nnlib_reference.py), shown on small books of its own.

Each test writes a tiny Sphinx project into a temporary directory: three chapter pages named like the
book's (chapters/01_first.md, ...), a page without a chapter number (chapters/afterwards.md, like the
book's "Using nnlib after the book"), a reference page like reference/api.md (`.. nnlib-api:: toylib`
in an eval-rst block), the book's autodoc and napoleon settings from _config.yml, and a package
`toylib` whose modules stand for the chapters' modules. It is built in a subprocess exactly as the
book is, nitpicky and with warnings as errors. The tests show that the reference follows the package
(a module added later appears without any edit), links each entry to its chapter, links types to
nnlib's own entries, and that the build fails, naming the problem, when a name has no docstring, no
entry, or a chapter sentence that is missing or wrong.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nnlib_reference  # noqa: E402

SETTINGS = {key: value for key, value in yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"].items()
            if key.startswith(("napoleon_", "autodoc_"))}

ALPHA = '''
"""Widgets, for the tests of the reference.

Derived in chapter 1, "First steps" (chapters/01_first.ipynb)."""
__all__ = ["Widget", "make_widget"]


class Widget:
    """A widget, of shape (N, *), whose size is |x|.

    Derived in chapter 1, "First steps".

    Parameters
    ----------
    size : int, default 3
        How big it is.

    Attributes
    ----------
    part : Gadget or None
        Its gadget.

    A paragraph about the whole widget, after the fields: ``grow(x)`` grows it.
    """

    def grow(self, x):
        """Grow by ``x``.

        Parameters
        ----------
        x : numpy.ndarray of shape (N, C), float32 or float64
            The growth.

        Returns
        -------
        Widget
            Itself.
        """
        return self


def make_widget(path):
    """Make a widget from a file.

    Derived in chapter 1, "First steps".

    Parameters
    ----------
    path : str or pathlib.Path
        Where it is described.

    Returns
    -------
    Widget
    """
'''

BETA = '''
"""Gadgets, for the tests of the reference.

Derived in chapter 2, "Second steps" (chapters/02_second.ipynb)."""
from toylib.alpha import Widget
__all__ = ["Gadget"]


class _Base(Widget):
    """A private base class: it has no entry of its own."""

    def spin(self):
        """Spin once; documented under each public class that inherits it."""


class Gadget(_Base):
    """A gadget, fitted to a widget.

    Derived in chapter 2, "Second steps".

    Parameters
    ----------
    owner : toylib.alpha.Widget
        The widget it belongs to.
    """
'''

GAMMA = '''
"""Doohickeys, a chapter that lands later.

Derived in chapter 3, "Third steps" (chapters/03_third.ipynb)."""
__all__ = ["Doohickey"]


class Doohickey:
    """A doohickey, made of gadgets.

    Derived in chapter 3, "Third steps".

    Parameters
    ----------
    gadgets : list of Gadget
        Its parts.
    """
'''

DEFECTS = '''
"""Defects, each of which must fail the build.

Derived in chapter 3, "Third steps" (chapters/03_third.ipynb)."""
__all__ = ["undocumented", "unknown_chapter", "wrong_title", "no_chapter", "misspelt_type", "skipped", "unknown_page", "number_left_out"]


def undocumented():
    pass


def unknown_chapter():
    """Derived in chapter 7, "Seventh steps", which the book does not have."""


def wrong_title():
    """Derived in chapter 2, "Other steps", which is not chapter 2's title."""


def no_chapter():
    """A docstring that does not say which chapter derives the name."""


def misspelt_type(x):
    """Derived in chapter 3, "Third steps".

    Parameters
    ----------
    x : Gadgett
        A misspelt class.
    """


def skipped():
    """Derived in chapter 3, "Third steps"; the project's conf.py makes the directive forget it."""


def unknown_page():
    """Derived in "Steps nowhere", which no page of the book is titled."""


def number_left_out():
    """Derived in "Second steps", a numbered chapter cited without its number."""
'''

DELTA = '''
"""Afterthoughts, from a page of the book without a chapter number.

Derived in "After the steps" (chapters/afterwards.ipynb)."""
from toylib.alpha import Widget
__all__ = ["Afterthought"]


class Afterthought(Widget):
    """An afterthought about widgets.

    Derived in "After the steps".
    """
'''


def write_project(tmp_path: Path, modules: dict[str, str], skip: str | None = None) -> Path:
    package = tmp_path / "toylib"
    package.mkdir()
    names = {}
    for name, source in modules.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source).lstrip())
        names[name] = re.search(r"__all__ = (\[.*\])", source).group(1)
    (package / "__init__.py").write_text(
        "".join(f"from .{name} import *\nfrom .{name} import __all__ as _{name}\n" for name in modules)
        + "__all__ = " + " + ".join(f"_{name}" for name in modules) + "\n")
    docs = tmp_path / "book"
    (docs / "chapters").mkdir(parents=True)
    (docs / "reference").mkdir()
    titles = {"01_first": "First steps", "02_second": "Second steps", "03_third": "Third steps"}
    titles["afterwards"] = "After the steps"                        # a page without a number
    for stem, title in titles.items():
        (docs / "chapters" / f"{stem}.md").write_text(f"# {title}\n\nA chapter.\n")
    (docs / "reference" / "api.md").write_text("# API reference\n\n```{eval-rst}\n.. nnlib-api:: toylib\n```\n")
    (docs / "index.md").write_text("# Book\n\n```{toctree}\nchapters/01_first\nchapters/02_second\n"
                                   "chapters/03_third\nchapters/afterwards\nreference/api\n```\n")
    skip_hook = "" if skip is None else textwrap.dedent(f"""
        import nnlib_reference                     # a fault in the directive: it forgets one name
        written = nnlib_reference.entry_directive
        nnlib_reference.entry_directive = lambda package, name: [] if name == {skip!r} else written(package, name)
        """)
    (docs / "conf.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT / 'tools')!r}, {str(tmp_path)!r}]
        extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "nnlib_reference"]
        project = "toy"
        exclude_patterns = ["_build"]
        """) + "".join(f"{key} = {value!r}\n" for key, value in SETTINGS.items()) + skip_hook)
    return docs


def build(docs: Path) -> tuple[int, str, str]:
    """Build like the book (nitpicky, warnings are errors). Returns (exit code, warnings, reference HTML)."""
    out = docs / "_build"
    env = {**os.environ, "PYTHONPATH": str(docs.parent)}
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-n", "--keep-going", "-q",
                             "-E", str(docs), str(out)], capture_output=True, text=True, env=env, timeout=300,
                            cwd=docs.parent)    # python -m puts the working directory first on sys.path
    page = out / "reference" / "api.html"
    return result.returncode, result.stderr, page.read_text() if page.exists() else ""


def entries(html: str) -> list[str]:
    return re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', html)


def entry(html: str, name: str) -> str:
    """The HTML of one entry, from its signature to the next entry of its level."""
    start = html.index(f'id="{name}"')
    following = [html.find(f'id="{other}"', start + 1) for other in entries(html) if other != name
                 and not other.startswith(name + ".")]
    return html[start:min([i for i in following if i > 0], default=len(html))]


def test_one_section_per_module_in_order_with_an_entry_per_public_name(tmp_path):
    code, warnings, html = build(write_project(tmp_path, {"alpha": ALPHA, "beta": BETA}))
    assert code == 0, warnings
    assert entries(html) == ["toylib.Widget", "toylib.Widget.grow", "toylib.make_widget", "toylib.Gadget",
                             "toylib.Gadget.spin"]       # spin: inherited from a private base
    sections = re.findall(r'<h2>.*?<span class="pre">(toylib\.\w+)</span>', html)
    assert sections == ["toylib.alpha", "toylib.beta"]


def test_each_entry_links_to_the_chapter_that_derives_it(tmp_path):
    code, warnings, html = build(write_project(tmp_path, {"alpha": ALPHA, "beta": BETA}))
    assert code == 0, warnings
    chapter = r'Derived in <a class="reference internal" href="../chapters/{}.html"><span class="doc">chapter {}, .{}.</span></a>'
    for name, (stem, number, title) in {"toylib.Widget": ("01_first", 1, "First steps"),
                                        "toylib.make_widget": ("01_first", 1, "First steps"),
                                        "toylib.Gadget": ("02_second", 2, "Second steps")}.items():
        assert re.search(chapter.format(stem, number, title), entry(html, name)), name


def test_a_name_from_a_page_without_a_number_links_to_that_page_by_its_title(tmp_path):
    code, warnings, html = build(write_project(tmp_path, {"alpha": ALPHA, "beta": BETA, "delta": DELTA}))
    assert code == 0, warnings
    link = ('Derived in <a class="reference internal" href="../chapters/afterwards.html"><span class="doc">'
            '.After the steps.</span></a>')
    assert re.search(link, entry(html, "toylib.Afterthought"))
    module = html[html.index('<span class="pre">toylib.delta</span>'):html.index('id="toylib.Afterthought"')]
    assert re.search(link, module)                                  # the module's docstring too


def test_types_link_to_the_packages_entries_and_plain_text_stays_plain(tmp_path):
    code, warnings, html = build(write_project(tmp_path, {"alpha": ALPHA, "beta": BETA}))
    assert code == 0, warnings
    widget, grow, gadget = entry(html, "toylib.Widget"), entry(html, "toylib.Widget.grow"), entry(html, "toylib.Gadget")
    assert 'href="#toylib.Gadget"' in widget                       # "part : Gadget or None"
    assert 'href="#toylib.Widget"' in grow                         # "Returns: Widget"
    assert 'href="#toylib.Widget"' in gadget                       # "owner : toylib.alpha.Widget", and Bases
    assert re.search(r'Bases: <a class="reference internal" href="#toylib.Widget"', gadget)   # not _Base
    assert "numpy.ndarray" in grow and "pathlib.Path" in entry(html, "toylib.make_widget")   # text
    text = re.sub(r"<[^>]+>", "", widget)
    assert "(N, *)" in text and "|x|" in text                      # plain text stayed plain
    assert re.search(r"Notes\s+A paragraph about the whole widget, after the fields: grow\(x\) grows it.", text)


def test_a_module_added_later_appears_without_any_edit(tmp_path):
    code, warnings, html = build(write_project(tmp_path, {"alpha": ALPHA, "beta": BETA, "gamma": GAMMA}))
    assert code == 0, warnings
    assert entries(html)[-1] == "toylib.Doohickey"
    assert re.findall(r'<h2>.*?<span class="pre">(toylib\.\w+)</span>', html)[-1] == "toylib.gamma"
    doohickey = entry(html, "toylib.Doohickey")
    assert 'href="../chapters/03_third.html"' in doohickey and 'href="#toylib.Gadget"' in doohickey


def test_the_build_fails_naming_each_defect(tmp_path):
    docs = write_project(tmp_path, {"alpha": ALPHA, "beta": BETA, "defects": DEFECTS}, skip="skipped")
    code, warnings, _ = build(docs)
    assert code != 0
    expected = [
        "toylib.undocumented has no docstring",
        "toylib.undocumented: the docstring must say where the name is derived",
        "'Derived in chapter 7', but chapter 7 has no page in the book",
        'the docstring says chapter 2 is "Other steps", but its page is titled "Second steps"',
        "toylib.no_chapter: the docstring must say where the name is derived",
        "toylib.misspelt_type: the type 'Gadgett' names no class of toylib",
        "toylib.skipped is public but has no entry in the reference",
        "toylib.unknown_page: the docstring says 'Derived in \"Steps nowhere\"', but no page of the book "
        "without a chapter number has that title",
        "toylib.number_left_out: the docstring says 'Derived in \"Second steps\"', but it is chapter 2: "
        'write Derived in chapter 2, "Second steps"',
    ]
    for message in expected:
        assert message in warnings, f"no warning {message!r} in:\n{warnings}"


def test_the_book_documents_nnlib_with_the_directive_in_its_reference_part():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    last_part = toc["parts"][-1]
    assert last_part["caption"] == "Reference"
    assert "reference/api" in [chapter["file"] for chapter in last_part["chapters"]]
    page = (ROOT / "reference" / "api.md").read_text()
    assert re.search(r"```\{eval-rst\}\n\.\. nnlib-api::\n```", page), "reference/api.md must use `.. nnlib-api::`"
    assert "autoclass" not in page and "autofunction" not in page, "the reference lists no names by hand"


def test_the_directive_covers_every_public_name_of_nnlib():
    import nnlib
    source = "\n".join(nnlib_reference.reference_source("nnlib"))
    for name in nnlib.__all__:
        assert re.search(rf"^\.\. auto(class|function|data):: nnlib\.{name}$", source, re.M), name
    modules = [module for module, _ in nnlib_reference.modules_in_order("nnlib")]
    # a module of a page without a number (nnlib.bridge) comes after every numbered chapter's
    chapters = [int(found.group(1)) if (found := re.search(r"Derived in chapter (\d+)", sys.modules[m].__doc__))
                else float("inf") for m in modules]
    assert chapters == sorted(chapters), f"modules out of chapter order: {list(zip(modules, chapters))}"


def test_a_name_links_to_the_section_page_whose_exported_cells_define_it(tmp_path):
    chapter = {"01_a": ["#| export\nclass Widget:\n    pass", "x = 1"],
               "02_b": ["#| export\ndef make_widget():\n    pass", "class Gadget:\n    pass"]}
    for stem, cells in chapter.items():
        (tmp_path / f"{stem}.ipynb").write_text(json.dumps(
            {"cells": [{"cell_type": "code", "source": [c]} for c in cells]}))
    env = types.SimpleNamespace(doc2path=lambda docname: tmp_path / f"{docname}.ipynb")
    pages = list(chapter)
    assert nnlib_reference.defining_page(env, pages, "Widget") == "01_a"
    assert nnlib_reference.defining_page(env, pages, "make_widget") == "02_b"
    assert nnlib_reference.defining_page(env, pages, "Gadget") is None   # not an exported cell
    assert nnlib_reference.defining_page(env, pages, "Widg") is None     # whole names only
    assert nnlib_reference.defining_page(env, ["01_a"], "Widget") is None  # a one-page chapter
