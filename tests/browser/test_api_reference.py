"""The built API reference (_build/html/reference/api.html) documents every public name of nnlib.

Run after the book build, like the browser test beside it (it reads the HTML, no browser needed):
every name of `nnlib.__all__` has an entry, each module a section, and each entry links to the page
of the chapter its docstring names (`Derived in chapter N, "Title"` -> chapters/NN_*.html; for a
chapter made of section pages, the section whose exported cells define the name,
chapters/07_optimizers/03_adaptive.html for `Adam`, else the first, chapters/NN_*/01_*.html;
`Derived in "Title"` -> the page without a chapter number of that title, such as
chapters/using_nnlib.html).
"""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

import nnlib

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "_build" / "html" / "reference" / "api.html"


@pytest.fixture(scope="module")
def html() -> str:
    if not PAGE.exists():
        pytest.fail(f"{PAGE.relative_to(ROOT)} does not exist: build the book first (python3 tools/dev.py book)")
    return PAGE.read_text()


def entry_ids(html: str) -> list[str]:
    return re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', html)


def entry(html: str, name: str) -> str:
    """The HTML of the entry of ``name`` (with its methods), up to the next entry that is not its own."""
    start = html.index(f'id="{name}"')
    ends = [html.find(f'id="{other}"', start + 1) for other in entry_ids(html)
            if other != name and not other.startswith(name + ".")]
    return html[start:min([end for end in ends if end > 0], default=len(html))]


def defines(page: Path, name: str) -> bool:
    """Whether an exported cell of ``page`` defines ``name`` (``class name`` or ``def name``)."""
    pattern = re.compile(rf"^(?:class|def) {re.escape(name)}\b", re.M)
    return any(cell["cell_type"] == "code" and "".join(cell["source"]).startswith("#| export")
               and pattern.search("".join(cell["source"]))
               for cell in json.loads(page.read_text())["cells"])


def chapter_page(number: int, name: str) -> str:
    """The page of chapter ``number`` that derives ``name``: chapters/NN_*.ipynb, or, of a chapter
    made of sections, the one section that defines it, else the first, chapters/NN_*/01_*.ipynb."""
    found = sorted((ROOT / "chapters").glob(f"{number:02d}_*"))
    assert len(found) == 1, f"chapter {number}: expected one chapters/{number:02d}_*, found {found}"
    pages = [found[0]] if found[0].suffix == ".ipynb" else sorted(found[0].glob("*.ipynb"))
    defining = [page for page in pages if defines(page, name)] if len(pages) > 1 else []
    page = defining[0] if len(defining) == 1 else pages[0]
    return f"../{page.relative_to(ROOT).with_suffix('.html').as_posix()}"


def test_every_public_name_has_an_entry(html):
    documented = set(entry_ids(html))
    missing = [name for name in nnlib.__all__ if f"nnlib.{name}" not in documented]
    assert not missing, f"reference/api.html has no entry for {missing}"


def test_every_module_has_a_section(html):
    modules = {inspect.getmodule(getattr(nnlib, name)).__name__ for name in nnlib.__all__}
    sections = set(re.findall(r'<h2>.*?<span class="pre">(nnlib\.\w+)</span>', html))
    assert modules <= sections, f"reference/api.html has no section for {sorted(modules - sections)}"


def unnumbered_page(title: str) -> str:
    """The page of the notebook without a chapter number whose first heading is ``title``."""
    def heading(path):
        cells = json.loads(path.read_text())["cells"]
        return next((line[2:].strip() for cell in cells if cell["cell_type"] == "markdown"
                     for line in "".join(cell["source"]).splitlines() if line.startswith("# ")), None)
    pages = [p for p in sorted((ROOT / "chapters").glob("*.ipynb")) if not p.name[0].isdigit()
             and heading(p) == title]
    assert len(pages) == 1, f'expected one page without a number titled "{title}", found {pages}'
    return f"../chapters/{pages[0].stem}.html"


@pytest.mark.parametrize("name", nnlib.__all__)
def test_each_entry_links_to_the_chapter_that_derives_it(html, name):
    derived = re.search(r'Derived in (?:chapter (\d+),\s+)?"([^"]+)"', inspect.getdoc(getattr(nnlib, name)))
    number, title = derived.groups()
    page = chapter_page(int(number), name) if number else unnumbered_page(" ".join(title.split()))
    link = f'Derived in <a class="reference internal" href="{page}">'
    assert link in entry(html, f"nnlib.{name}"), f"the entry of nnlib.{name} does not link to {page}"
