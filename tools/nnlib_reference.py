"""The API reference of nnlib, generated from its docstrings at every build of the book.

_config.yml loads this file as a Sphinx extension (with autodoc and napoleon, which it also sets up).
It provides the directive ``nnlib-api``, which reference/api.md uses inside an ``{eval-rst}`` block::

    .. nnlib-api::

The directive imports nnlib and writes one section per module, in the order in which the modules'
names appear in ``nnlib.__all__``: the order of the chapters, since tools/export.py reads the
notebooks by their numbers. Each section holds the module's docstring and an autodoc entry
(``autoclass`` with its documented methods, ``autofunction`` or ``autodata``) for every name of the
module's ``__all__``, documented as ``nnlib.<name>``, the way it is imported. A chapter that exports
a new module or a new name appears in the reference at the next build: nothing lists them by hand.
(An argument names another package, e.g. ``.. nnlib-api:: otherpkg``; the tests use one.)

Six things happen to the docstrings on the way (autodoc-process-docstring, missing-reference):

- docstrings are written to be read as text too (``help(Linear)``), so the characters that reST
  would take for markup nobody meant are escaped first: ``|`` (``|a - n|`` is no substitution), a
  ``*`` that opens no emphasis (a shape ``(N, *)``), a ``_`` that ends a word (``x_`` is no
  hyperlink). Inline literals, roles, ``::`` literal blocks and doctests are left alone. A paragraph
  of prose after the fields of a Parameters or Attributes section goes under a Notes heading, which
  is where NumPy's docstring standard puts it (napoleon would read it as more parameters);
- ``Derived in chapter N, "Title"`` becomes a link to chapter N's page: the document whose file name
  starts with the number N followed by an underscore (``chapters/03_activations``); for a chapter
  made of section pages, the page whose exported cells define the name (``class Adam`` is on
  ``chapters/07_optimizers/03_adaptive``), or the page that opens the chapter when none or several
  do. The title is the chapter's, that of its opening page. A name written by
  a page of the book that has no chapter number says ``Derived in "Title"`` instead, which becomes a
  link to the one page without a number that has that title (``chapters/using_nnlib``, "Using nnlib
  after the book"). A number that has no such page, a title that differs from that page's title, a
  title that no page without a number has (or that is a numbered chapter's, which must be cited with
  its number), and a public name whose docstring lacks the sentence are build warnings (errors under
  ``-W``);
- the types that napoleon turns into cross-references (``x : numpy.ndarray of shape (N, C)``) are
  resolved: a name nnlib exports, under any of its spellings (``Parameter``,
  ``nnlib.module.Parameter``), links to its entry; a builtin (``float``, ``None``) or a dotted name
  that really imports (``numpy.ndarray``, ``numpy.random.Generator``, ``pathlib.Path``) is shown as
  text, since the book links to no other site; words of a type's description that name no class
  (``shape``, ``N``, ``optional``, ``default 0``) are text. Anything else that looks like a class
  name (``Parametr``, ``Tensor``, ``numpy.ndaray``) is a warning naming the docstring, so the
  build fails;
- a method that overrides a base class's method without a docstring of its own is left to the base
  class's entry, and a method that another library adds (scikit-learn's ``set_score_request``) to
  that library's documentation (autodoc-skip-member); a private base class (``_Pool2d``) has no
  entry, so a class's "Bases:" line names the nearest public class instead and the class's entry
  documents the methods it inherits from the package's private base;
- at the end of reading, every public name of the package must have an entry with a docstring;
  otherwise the build warns, naming it.
"""
from __future__ import annotations

import builtins
import importlib
import inspect
import json
import re
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

DEFAULT_PACKAGE = "nnlib"
# 'Derived in chapter 3, "Activations"', or 'Derived in "Using nnlib after the book"' for a page
# without a number; a module's docstring adds the notebook's path, which the link replaces
DERIVED = re.compile(r'Derived in (?:chapter (\d+),\s+)?"([^"]+)"'
                     r'(?:\s+\((?:chapters/)?[\w./-]+?(?:\.ipynb)?\))?')
CHAPTER_FILE = re.compile(r"(\d+)_")                    # 03_activations (a file or a folder) -> 3
DOTTED = re.compile(r"(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*")                     # numpy.ndarray
CLASS_LIKE = re.compile(DOTTED.pattern + r"|[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*")  # or Parameter, Conv2d


# -- the package ----------------------------------------------------------------------------------

def public_names(package: str) -> list[str]:
    return list(importlib.import_module(package).__all__)


def modules_in_order(package: str) -> list[tuple[str, list[str]]]:
    """[(module name, [public names defined there])], modules in the order of the package's __all__.

    A name belongs to the submodule whose ``__all__`` lists it (the exporter writes one for each), or
    else to the module its object says it comes from."""
    pkg = importlib.import_module(package)
    owner = {}
    for module in [m for name, m in sorted(sys.modules.items()) if name.startswith(package + ".")]:
        for name in getattr(module, "__all__", ()):
            owner.setdefault(name, module.__name__)
    grouped: dict[str, list[str]] = {}
    for name in pkg.__all__:
        module = owner.get(name) or getattr(getattr(pkg, name), "__module__", None) or package
        grouped.setdefault(module, []).append(name)
    return list(grouped.items())


def entry_directive(package: str, name: str) -> list[str]:
    obj = getattr(importlib.import_module(package), name)
    if inspect.isclass(obj):
        lines = [f".. autoclass:: {package}.{name}", "   :members:"]
        if obj.__bases__ != (object,):                   # no "Bases: object"
            lines.append("   :show-inheritance:")
        private = [base for base in obj.__mro__[1:] if base.__name__.startswith("_")
                   and base.__module__.split(".")[0] == package]
        if private:
            # the methods it inherits from a private base of the package (_Pool2d) are documented
            # here, those of public bases in the bases' own entries, and those of other libraries'
            # classes (scikit-learn's private _MetadataRequester too) by those libraries
            others = [base.__name__ for base in obj.__mro__[1:] if base not in private]
            lines.append(f"   :inherited-members: {', '.join(others)}")
        return lines + [""]
    if callable(obj):
        return [f".. autofunction:: {package}.{name}", ""]
    return [f".. autodata:: {package}.{name}", "   :no-value:", ""]


def reference_source(package: str) -> list[str]:
    """The reST that the directive parses: a section per module, an entry per public name."""
    lines = []
    for module, names in modules_in_order(package):
        title = f"``{module}``"
        # :no-index: the module's name may also be a public function's (nnlib.gradcheck)
        lines += [title, "-" * len(title), "", f".. automodule:: {module}", "   :no-index:", "",
                  f".. currentmodule:: {package}", ""]
        for name in names:
            lines += entry_directive(package, name)
    return lines


class NnlibApi(SphinxDirective):
    """``.. nnlib-api:: [package]``: the reference of every public name of the package (default nnlib)."""
    optional_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0] if self.arguments else DEFAULT_PACKAGE
        try:
            source = reference_source(package)
        except Exception as error:   # noqa: BLE001 -- reported as a build error naming the package
            logger.warning(f"nnlib-api: cannot import {package}: {error!r}", location=self.get_location())
            return []
        for name in public_names(package):
            obj = getattr(sys.modules[package], name)
            if len(inspect.getdoc(obj) or "") < 10:
                logger.warning(f"nnlib-api: {package}.{name} has no docstring", location=self.get_location())
        # Re-read this page when the package changes, so that an incremental build stays current.
        for module in [package] + [m for m, _ in modules_in_order(package)]:
            if path := getattr(sys.modules.get(module), "__file__", None):
                self.env.note_dependency(path)
        self.env.nnlib_api_packages = getattr(self.env, "nnlib_api_packages", {})
        self.env.nnlib_api_packages[self.env.docname] = package
        container = nodes.section()
        container.document = self.state.document
        origin = f"{self.env.doc2path(self.env.docname)} <nnlib-api {package}>"   # named in warnings
        nested_parse_with_titles(self.state, StringList(source, source=origin), container)
        return container.children


def skip_undocumented_override(app, what, name, obj, skip, options):
    """autodoc-skip-member: a method that overrides a documented method of a base class without a
    docstring of its own (``Sequential.forward``, ``SGD.extra_repr``) is documented by the base's entry,
    which the entry's "Bases:" line links to."""
    if skip or what != "class":
        return None
    function = obj.fget if isinstance(obj, property) else obj
    if callable(function) and getattr(function, "__doc__", "") is None:
        return True
    module = getattr(function, "__module__", None) or ""
    packages = set(getattr(app.env, "nnlib_api_packages", {}).values()) or {DEFAULT_PACKAGE}
    if callable(function) and module and module.split(".")[0] not in packages:
        return True               # added by another library (scikit-learn's set_score_request)
    return None


def public_bases(app, name, obj, options, bases: list) -> None:
    """autodoc-process-bases: a private base class (``_Pool2d``) has no entry; the "Bases:" line
    names the nearest public class of its MRO instead (``Module``)."""
    public = []
    for base in bases:
        if inspect.isclass(base) and base.__name__.startswith("_"):
            base = next((c for c in base.__mro__ if not c.__name__.startswith("_")), object)
        if base not in public:
            public.append(base)
    bases[:] = public


# -- plain text stays plain text -----------------------------------------------------------------

PROTECTED = re.compile(r"(``.+?``|(?::[\w:.+-]+:)?`[^`]+`_{0,2})")   # inline literals, roles, `refs`_
EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*?)(?![\s*])(.+?)(?<![\s\\*])\1(?![\w*])")


def escape_free_text(text: str) -> str:
    """Escape |, a * outside *emphasis* or **strong** pairs, and a _ that ends a word."""
    text = text.replace("|", "\\|")
    text = re.sub(r"(?<=\w)_(?!\w)", r"\\_", text)
    pieces, last = [], 0
    for match in EMPHASIS.finditer(text):
        pieces += [re.sub(r"(?<!\\)\*", r"\\*", text[last:match.start()]), match.group(0)]
        last = match.end()
    return "".join(pieces + [re.sub(r"(?<!\\)\*", r"\\*", text[last:])])


FIELD_SECTIONS = {"parameters", "params", "arguments", "args", "other parameters", "attributes",
                  "keyword arguments", "kwargs"}
FIELD_LINE = re.compile(r"\*{0,2}\w+(\s*,\s*\*{0,2}\w+)*\s*(:.*)?")     # "x : type", "X, y : type", "x"


def notes_after_fields(lines: list[str]) -> None:
    """A paragraph after the fields of a section such as Parameters, at the section's indentation,
    is prose about the whole object, not one more field; NumPy's docstring standard puts such
    prose under Notes, and napoleon would read it as fields. A Notes heading is inserted above it."""
    section, i = None, 0
    while i < len(lines):
        line, following = lines[i], lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"\s*-{3,}\s*", following) and len(following.strip()) >= len(line.strip()):
            section, indent = line.strip().lower(), len(line) - len(line.lstrip())
            i += 2
            continue
        if (section in FIELD_SECTIONS and line.strip() and i > 0 and not lines[i - 1].strip()
                and len(line) - len(line.lstrip()) == indent and not FIELD_LINE.fullmatch(line.strip())):
            lines[i:i] = [" " * indent + "Notes", " " * indent + "-----"]
            section = "notes"
            i += 2
        i += 1


def escape_plain_text(app, what, name, obj, options, lines: list[str]) -> None:
    """autodoc-process-docstring, before napoleon: see the module docstring."""
    notes_after_fields(lines)
    literal_indent, doctest = None, False
    for i, line in enumerate(lines):
        stripped, indent = line.strip(), len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                continue
            literal_indent = None
        doctest = bool(stripped) and (doctest or stripped.startswith(">>>"))
        if doctest:
            continue
        lines[i] = "".join(piece if j % 2 else escape_free_text(piece)
                           for j, piece in enumerate(PROTECTED.split(line)))
        if stripped.endswith("::"):
            literal_indent = indent


# -- "Derived in chapter N" becomes a link to chapter N ---------------------------------------------

def chapter_documents(env) -> dict[int, dict[str, list[str]]]:
    """Chapter number -> {the path that starts with it: the pages under that path, in order}. The
    path is the document's first component that starts with the number and an underscore: the file
    ``chapters/03_activations``, or the folder of a chapter made of section pages,
    ``chapters/04_linear`` (pages ``01_layer``, ``02_initialization``)."""
    chapters: dict[int, dict[str, list[str]]] = {}
    for docname in sorted(env.found_docs):
        parts = docname.split("/")
        for depth, part in enumerate(parts):
            if match := CHAPTER_FILE.match(part):
                prefix = "/".join(parts[:depth + 1])
                chapters.setdefault(int(match.group(1)), {}).setdefault(prefix, []).append(docname)
                break
    return chapters


def chapter_pages(env) -> dict[int, list[str]]:
    """Chapter number -> the page that opens the chapter (of a folder's pages, the first)."""
    return {number: [docs[0] for docs in prefixes.values()]
            for number, prefixes in chapter_documents(env).items()}


def defining_page(env, pages: list[str], name: str) -> str | None:
    """Of a chapter's pages, the one whose exported cells (first line ``#| export``) define ``name``
    at the start of a line (``class name`` or ``def name``); None unless exactly one does."""
    if len(pages) < 2:
        return None
    defines = re.compile(rf"^(?:class|def) {re.escape(name)}\b", re.M)
    found = []
    for docname in pages:
        path = str(env.doc2path(docname))
        if not path.endswith(".ipynb"):
            continue
        cells = json.loads(open(path, encoding="utf-8").read())["cells"]
        if any(cell["cell_type"] == "code" and "".join(cell["source"]).startswith("#| export")
               and defines.search("".join(cell["source"])) for cell in cells):
            found.append(docname)
    return found[0] if len(found) == 1 else None


def escape_role_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("<", "\\<")


def first_heading(path) -> str | None:
    """The title of a page read from its source, before Sphinx has read it: the first line that
    starts with ``# `` (of the first markdown cell that has one, in a notebook)."""
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return None
    if str(path).endswith(".ipynb"):
        text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"]
                         if cell["cell_type"] == "markdown")
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), None)


def page_titles(app) -> dict[str, str]:
    """Document name -> its title, for every page of the book; read once per build process."""
    if getattr(app, "nnlib_page_titles", None) is None:
        titles = {}
        for docname in sorted(app.env.found_docs):
            title = first_heading(app.env.doc2path(docname))
            if title is None and docname in app.env.titles:
                title = app.env.titles[docname].astext()
            if title:
                titles[docname] = " ".join(title.split())
        app.nnlib_page_titles = titles
    return app.nnlib_page_titles


def link_chapters(app, what, name, obj, options, lines: list[str]) -> None:
    """autodoc-process-docstring: each ``Derived in chapter N, "Title"`` or ``Derived in "Title"``
    becomes a :doc: link."""
    env = app.env
    text = "\n".join(lines)
    pages = chapter_pages(env)
    documents = chapter_documents(env)
    found = []

    def warn(message: str) -> None:
        logger.warning(f"{name}: {message}", location=env.docname, type="nnlib", subtype="chapter")

    def link(match: re.Match) -> str:
        title = " ".join(match.group(2).split())
        if match.group(1) is None:
            return link_unnumbered(match, title)
        number = int(match.group(1))
        candidates = pages.get(number, [])
        if len(candidates) != 1:
            problem = "no page" if not candidates else f"{len(candidates)} pages ({', '.join(candidates)})"
            warn(f"the docstring says 'Derived in chapter {number}', but chapter {number} has {problem} in "
                 "the book")
            return match.group(0)
        docname = candidates[0]
        found.append((number, title, docname))      # the title is the opening page's
        folder = next(docs for docs in documents[number].values() if docs[0] == docname)
        target = defining_page(env, folder, name.rsplit(".", 1)[-1]) or docname
        return f'Derived in :doc:`chapter {number}, "{escape_role_text(title)}" </{target}>`'

    def link_unnumbered(match: re.Match, title: str) -> str:
        titled = [d for d, t in page_titles(app).items() if t == title]
        unnumbered = [d for d in titled if not CHAPTER_FILE.search(d)]
        if len(unnumbered) != 1:
            numbered = sorted(int(CHAPTER_FILE.search(d).group(1)) for d in titled if d not in unnumbered)
            if numbered:
                fix = f'it is chapter {numbered[0]}: write Derived in chapter {numbered[0]}, "{title}"'
            elif unnumbered:
                fix = f"{len(unnumbered)} pages have that title ({', '.join(unnumbered)})"
            else:
                fix = "no page of the book without a chapter number has that title"
            warn(f'the docstring says \'Derived in "{title}"\', but {fix}')
            return match.group(0)
        found.append((None, title, unnumbered[0]))
        return f'Derived in :doc:`"{escape_role_text(title)}" </{unnumbered[0]}>`'

    mentioned = DERIVED.search(text) is not None
    text = DERIVED.sub(link, text)
    lines[:] = text.split("\n")
    records = env.__dict__.setdefault("nnlib_chapter_links", {}).setdefault(env.docname, [])
    records += [(name, number, title, docname) for number, title, docname in found]
    if what in ("class", "function", "data", "module") and not mentioned and docstring_expected(app, name):
        warn('the docstring must say where the name is derived: Derived in chapter N, "Title" '
             '(or Derived in "Title", for a page without a chapter number)')


def docstring_expected(app, name: str) -> bool:
    """True for the public names (and modules) of a package that an nnlib-api directive documents."""
    for package in set(getattr(app.env, "nnlib_api_packages", {}).values()):
        if name.startswith(package + "."):
            rest = name[len(package) + 1:]
            return rest in public_names(package) or rest in {m.split(".", 1)[1] for m, _ in modules_in_order(package)}
    return False


# -- cross-references of types ----------------------------------------------------------------------

def import_object(dotted: str):
    """The object a dotted name refers to, importing modules as needed; raises LookupError."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            raise LookupError(dotted) from None
        return obj
    raise LookupError(dotted)


def public_target(target: str, packages: set[str]) -> str | None:
    """The documented name of an object of one of ``packages`` that ``target`` spells in some way:
    ``Parameter``, ``nnlib.module.Parameter``, ``Module.forward`` -> ``nnlib.Parameter``, ..."""
    for package in sorted(packages):
        names = public_names(package)
        by_identity = {id(getattr(sys.modules[package], n)): n for n in names}
        parts = target.split(".")
        for i in range(len(parts), 0, -1):
            head, rest = ".".join(parts[:i]), parts[i:]
            if head in names:
                return ".".join([package, head, *rest])
            try:
                obj = import_object(head)
            except LookupError:
                continue
            if id(obj) in by_identity and head.startswith(package + "."):
                return ".".join([package, by_identity[id(obj)], *rest])
    return None


def resolve_reference(app, env, node, contnode):
    """missing-reference: resolve or accept what the Python domain could not find (see the module
    docstring); return None to leave a reference unresolved, which nitpicky reports."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    packages = set(getattr(env, "nnlib_api_packages", {}).values()) or {DEFAULT_PACKAGE}
    full = public_target(target, packages)
    if full and full != target:
        domain = env.get_domain("py")
        return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], full, node, contnode)
    if full:
        return None                                  # a public name without an entry: reported
    if target in ("None", "True", "False") or (target.isidentifier() and hasattr(builtins, target)):
        return contnode
    if DOTTED.fullmatch(target) and not any(target.startswith(p + ".") for p in packages):
        try:
            import_object(target)
            return contnode                          # real, but documented elsewhere: plain text
        except LookupError:
            return None
    from_a_field = not isinstance(contnode, nodes.literal)   # an explicit role gives a literal node
    if from_a_field and not CLASS_LIKE.fullmatch(target):
        return contnode                              # a word of a type's description
    if from_a_field:                                 # say whose docstring it is in
        logger.warning(f"{documented_object(node)}: the type {target!r} names no class of "
                       f"{' or '.join(sorted(packages))}, no builtin and no module that imports",
                       location=node, type="ref", subtype="class")
        return contnode
    return None


def documented_object(node) -> str:
    """The name of the entry whose docstring holds ``node``: its closest desc_signature's id."""
    while node is not None:
        if isinstance(node, addnodes.desc):
            for signature in node.findall(addnodes.desc_signature):
                if signature.get("ids"):
                    return signature["ids"][0]
        node = node.parent
    return "a docstring"


# -- completeness -----------------------------------------------------------------------------------

def check_completeness(app, env) -> None:
    """env-check-consistency: every public name has an entry in the reference."""
    documented = env.get_domain("py").objects
    for docname, package in sorted(getattr(env, "nnlib_api_packages", {}).items()):
        missing = [n for n in public_names(package) if f"{package}.{n}" not in documented]
        for name in missing:
            logger.warning(f"nnlib-api: {package}.{name} is public but has no entry in the reference",
                           location=docname, type="nnlib", subtype="reference")
    for docname, links in sorted(getattr(env, "nnlib_chapter_links", {}).items()):
        for name, number, title, chapter in links:
            if chapter in env.titles and env.titles[chapter].astext() != title:
                page = f"chapter {number}" if number is not None else f"the page {chapter}"
                logger.warning(f'{name}: the docstring says {page} is "{title}", but its page is '
                               f'titled "{env.titles[chapter].astext()}"', location=docname,
                               type="nnlib", subtype="chapter")


def purge(app, env, docname) -> None:
    for attribute in ("nnlib_api_packages", "nnlib_chapter_links"):
        getattr(env, attribute, {}).pop(docname, None)


def merge(app, env, docnames, other) -> None:
    for attribute in ("nnlib_api_packages", "nnlib_chapter_links"):
        mine = env.__dict__.setdefault(attribute, {})
        mine.update({d: v for d, v in getattr(other, attribute, {}).items() if d in docnames})


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.add_directive("nnlib-api", NnlibApi)
    app.connect("autodoc-skip-member", skip_undocumented_override)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("autodoc-process-docstring", escape_plain_text, priority=400)  # before napoleon (500)
    app.connect("autodoc-process-docstring", link_chapters, priority=600)      # after napoleon
    app.connect("missing-reference", resolve_reference)
    app.connect("env-check-consistency", check_completeness)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
