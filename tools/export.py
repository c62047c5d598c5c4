"""Write the package nnlib from the chapters' exported cells.

A cell joins the library when its first lines are directives:

    #| default_exp activations    once per notebook: where its exported cells go (nnlib/activations.py)
    #| export                     this cell goes to the notebook's default module
    #| export module              this cell goes to nnlib/module.py instead

The spelling is nbdev's. A class may be built across cells, d2l's way: a later exported cell of the
same chapter adds a method to it with the decorator ``add_to_class`` (from ``nnlib.book``),

    @add_to_class(Linear)
    def forward(self, x):
        ...

which attaches the method while the notebook runs; the exporter moves the function, without its
decorator, into the class's body, so the generated file holds one ordinary class (an ``__init__``
added this way goes before the class's first method, where a hand-written class has it).

Each generated module gets a header line naming its notebook, a docstring, the imports of its cells
gathered at the top, an ``__all__`` of the public names its cells define, and then the cells' code in
notebook order. ``nnlib/__init__.py`` re-exports every ``__all__``; the names of a module that
imports a package other than NumPy at its top (scikit-learn) are imported from it when first used,
so that ``import nnlib`` imports NumPy only.

Usage:
    python tools/export.py            write nnlib/ from chapters/*.ipynb
    python tools/export.py --check    exit 1, naming the stale files, if nnlib/ differs
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
import textwrap
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVES = {"export", "default_exp"}
MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
WIDTH = 88                             # the longest line of a generated file
DECORATOR = "add_to_class"
# Modules used by their name (``checks.array(x, ...)``): nnlib/__init__.py imports the module, not
# its names, so that they stay out of nnlib's namespace and its API reference.
NAMESPACES = {"checks"}
# What nnlib's modules may import when nnlib is imported, besides the standard library and
# nnlib itself: its one runtime dependency. A module that imports another package at its top
# (nnlib.estimators imports scikit-learn) is imported when one of its names is first used.
RUNTIME = ("numpy",)


class ExportError(Exception):
    """A notebook breaks the export convention; the message names the notebook and the cell."""


@dataclass
class ClassBlock:
    """A class of a generated module and the methods later cells add to it."""
    name: str
    code: str                          # the class statement as the cell wrote it
    where: str                         # the notebook and cell that define it
    methods: dict[str, str] = field(default_factory=dict)     # name -> where it was defined
    added: list[tuple[str, str]] = field(default_factory=list)   # (name, code), code dedented

    def render(self) -> str:
        added = {name: textwrap.indent(code, "    ") for name, code in self.added}
        init = added.pop("__init__", None)
        code = self.code if init is None else constructor_first(self.code, init)
        return "\n\n".join([code, *added.values()])


def constructor_first(class_code: str, init: str) -> str:
    """The class with ``__init__`` (added by a later cell) before its first method, where a class
    written by hand has it: after the docstring and the class attributes."""
    lines = class_code.split("\n")
    body = ast.parse(class_code).body[0].body
    first = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if first is None:
        return f"{class_code}\n\n{init}"
    start = (first.decorator_list[0] if first.decorator_list else first).lineno - 1
    head = "\n".join(lines[:start]).rstrip()
    return f"{head}\n\n{init}\n\n" + "\n".join(lines[start:])


@dataclass
class Module:
    name: str
    notebook: str                      # the chapter that owns it: a notebook, or a folder of them
    title: str                         # the chapter's title: its (first) notebook's first heading
    docstring: str = ""                # a string opening the module's first exported cell
    imports: list[str] = field(default_factory=list)
    blocks: list[str | ClassBlock] = field(default_factory=list)
    public: list[str] = field(default_factory=list)


def parse_directives(source: str, where: str) -> tuple[dict[str, str], str]:
    """Split a cell into its leading ``#|`` directives and the code after them."""
    lines = source.splitlines()
    directives: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].lstrip().startswith("#|"):
        words = lines[i].lstrip()[2:].split()
        if not words:
            raise ExportError(f"{where}: empty directive '#|'")
        name, args = words[0], words[1:]
        if name not in DIRECTIVES:
            raise ExportError(f"{where}: unknown directive '#| {name}' (known: "
                              + ", ".join(sorted(DIRECTIVES)) + ")")
        if len(args) > 1 or (name == "default_exp" and not args):
            raise ExportError(f"{where}: malformed directive '{lines[i].strip()}'")
        if args and not MODULE_NAME.match(args[0]):
            raise ExportError(f"{where}: '{args[0]}' is not a valid module name")
        directives[name] = args[0] if args else ""
        i += 1
    return directives, "\n".join(lines[i:]).strip("\n")


def added_to(node: ast.stmt) -> str | None:
    """The class named by an ``@add_to_class(Name)`` decorator of a function, or None."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) \
                and decorator.func.id == DECORATOR:
            if len(decorator.args) != 1 or not isinstance(decorator.args[0], ast.Name) \
                    or decorator.keywords:
                raise ValueError(f"@{DECORATOR} takes one class name, as in "
                                 f"@{DECORATOR}(Linear)")
            return decorator.args[0].id
    return None


def defined_names(tree: ast.Module) -> list[str]:
    """The names a cell binds at top level: functions, classes and assigned variables (not the
    methods it adds to a class)."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if added_to(node) is None:
                names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def method_names(node: ast.ClassDef) -> list[str]:
    return [n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def uses_decorator(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == DECORATOR for n in ast.walk(node))


def string_continuation_lines(code: str) -> set[int]:
    """Line numbers (1-based) inside a multi-line string, after its first line."""
    inside = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return inside


def method_source(node: ast.FunctionDef, lines: list[str], where: str) -> str:
    """The code of a function added to a class, without its ``@add_to_class`` line; its docstring
    may span lines (indenting it changes nothing a reader or ``inspect`` sees), no other string may,
    because indenting the function into its class would change that string's value."""
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    code = lines[first - 1:node.end_lineno]
    docstring = ast.get_docstring(node, clean=False) is not None and node.body[0]
    shifted = {n - first + 1 for n in string_continuation_lines("\n".join(lines))
               if first <= n <= node.end_lineno}
    if docstring:
        shifted -= set(range(docstring.lineno - first + 2, docstring.end_lineno - first + 2))
    if shifted:
        raise ExportError(f"{where}: {node.name}() holds a string that spans lines; moved into its "
                          "class it would be indented and change: join the lines with \\n or "
                          "implicit concatenation")
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == DECORATOR:
            del code[decorator.lineno - first:decorator.end_lineno - first + 1]
            break
    for line in code:
        if len(line) > WIDTH - 4:
            raise ExportError(f"{where}: a line of {node.name}() has {len(line)} characters; "
                              f"moved into its class it gains 4, more than {WIDTH}: keep the "
                              f"lines of a method added with @{DECORATOR} to {WIDTH - 4}")
    return "\n".join(code)


def split_cell(code: str, tree: ast.Module) -> list[tuple[str, ast.stmt | None]]:
    """The cell's code as a list of pieces in order: (text, None) for ordinary code, (text, node)
    for a class definition or a function added to a class."""
    lines = code.splitlines()
    special = [n for n in tree.body if isinstance(n, ast.ClassDef) or added_to(n)]
    pieces, position = [], 0
    for node in special:
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        text = "\n".join(lines[position:first - 1]).strip("\n")
        if text:
            pieces.append((text, None))
        pieces.append(("\n".join(lines[first - 1:node.end_lineno]), node))
        position = node.end_lineno
    rest = "\n".join(lines[position:]).strip("\n")
    if rest:
        pieces.append((rest, None))
    return pieces


def split_head(code: str, tree: ast.Module, take_docstring: bool) -> tuple[str, list[str], str]:
    """Take what opens a cell and belongs at the top of its module: with ``take_docstring``, a
    leading string (the module's docstring); then the import statements.
    Returns (docstring, imports, the rest of the code)."""
    lines = code.splitlines()
    docstring, imports, end = "", [], 0
    body = tree.body
    if take_docstring and body and isinstance(body[0], ast.Expr) \
            and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        docstring, end, body = body[0].value.value.strip(), body[0].end_lineno, body[1:]
    for node in body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
        imports.append("\n".join(lines[node.lineno - 1:node.end_lineno]))
        end = node.end_lineno
    return docstring, imports, "\n".join(lines[end:]).strip("\n")


def chapter_of_notebook(rel: str) -> str:
    """The chapter a notebook belongs to: ``chapters/04_linear.ipynb`` is a chapter of its own;
    ``chapters/04_linear/02_backward.ipynb`` is a section page of ``chapters/04_linear``."""
    parts = rel.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else rel


def notebook_title(cells: list[dict], fallback: str) -> str:
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


class Collector:
    """Reads the notebooks in order and gathers their exported cells into modules."""

    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[str, Module] = {}
        self.owner_of: dict[str, str] = {}          # public symbol -> where it was first exported
        self.classes: dict[str, tuple[ClassBlock, str, str]] = {}   # name -> (block, module, chapter)
        self.titles: dict[str, str] = {}            # chapter -> its title (its first page's)

    def notebook(self, path: Path) -> None:
        rel = path.relative_to(self.root).as_posix()
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        chapter = chapter_of_notebook(rel)
        title = self.titles.setdefault(chapter, notebook_title(cells, path.stem))
        default = None
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            where = f"{rel}, cell {index + 1}"
            directives, code = parse_directives("".join(cell["source"]), where)
            if "default_exp" in directives:
                if default is not None:
                    raise ExportError(f"{where}: a second '#| default_exp' (the first names "
                                      f"'{default}')")
                default = directives["default_exp"]
            if "export" not in directives:
                self.check_unexported(code, where)
                continue
            target = directives["export"] or default
            if target is None:
                raise ExportError(f"{where}: '#| export' in a notebook without '#| default_exp' "
                                  "above it")
            self.cell(code, target, chapter, title, where)

    def check_unexported(self, code: str, where: str) -> None:
        """A cell that is not exported must not add methods to an exported class: the notebook's
        class would then differ from nnlib's."""
        try:
            with warnings.catch_warnings():     # the notebook's own run reports its warnings
                warnings.simplefilter("ignore")
                tree = ast.parse(code)
        except SyntaxError:             # IPython syntax (%pip, !ls): not Python, nothing to add
            return
        for node in tree.body:
            try:
                name = added_to(node)
            except ValueError:
                continue
            if name in self.classes:
                raise ExportError(f"{where}: @{DECORATOR}({name}) in a cell that is not exported; "
                                  f"the notebook's {name} would differ from nnlib's (export the cell, "
                                  "or show a first version as a plain function)")

    def cell(self, code: str, target: str, chapter: str, title: str, where: str) -> None:
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            raise ExportError(f"{where}: exported code does not parse ({e.msg}, line {e.lineno})") \
                from None
        module = self.modules.get(target)
        if module is None:
            module = self.modules[target] = Module(target, chapter, title)
        elif module.notebook != chapter:
            raise ExportError(f"{where}: module '{target}' belongs to {module.notebook}; "
                              "a module is written by one chapter only")
        try:
            names = defined_names(tree)
        except ValueError as e:
            raise ExportError(f"{where}: {e}") from None
        for name in names:
            key = name if not name.startswith("_") else f"{target}.{name}"
            if key in self.owner_of:
                raise ExportError(f"{where}: '{name}' is exported twice (first in "
                                  f"{self.owner_of[key]})")
            self.owner_of[key] = where
            if not name.startswith("_"):
                module.public.append(name)
        first = not module.blocks and not module.imports
        docstring, imports, body = split_head(code, tree, take_docstring=first)
        module.docstring = module.docstring or docstring
        module.imports += [line for line in imports if line not in module.imports]
        if not body:
            return
        body_tree = ast.parse(body)
        lines = body.splitlines()
        for text, node in split_cell(body, body_tree):
            if node is None:
                if uses_decorator(ast.parse(text)):
                    raise ExportError(f"{where}: {DECORATOR} is used other than as the decorator "
                                      f"@{DECORATOR}(ClassName) of a function at the top of a cell")
                module.blocks.append(text)
            elif isinstance(node, ast.ClassDef):
                block = ClassBlock(node.name, text, where,
                                   {m: where for m in method_names(node)})
                self.classes[node.name] = (block, target, chapter)
                module.blocks.append(block)
            else:
                self.method(node, lines, target, chapter, where)

    def method(self, node: ast.FunctionDef, lines: list[str], target: str, chapter: str,
               where: str) -> None:
        try:
            name = added_to(node)
        except ValueError as e:
            raise ExportError(f"{where}: {e}") from None
        if name not in self.classes:
            raise ExportError(f"{where}: @{DECORATOR}({name}): no class {name} is exported above "
                              "in this chapter")
        block, module, notebook = self.classes[name]
        if notebook != chapter:
            raise ExportError(f"{where}: @{DECORATOR}({name}): {name} is exported by {notebook}; "
                              "a class is written by one chapter (add the method there, or "
                              f"subclass {name})")
        if module != target:
            raise ExportError(f"{where}: @{DECORATOR}({name}) in a cell exported to '{target}', "
                              f"but {name} belongs to module '{module}'; export the cell there")
        if node.name in block.methods:
            raise ExportError(f"{where}: {name}.{node.name} is defined twice (first in "
                              f"{block.methods[node.name]})")
        block.methods[node.name] = where
        block.added.append((node.name, method_source(node, lines, where)))


def collect(notebooks: list[Path], root: Path) -> dict[str, Module]:
    """Read every notebook and gather its exported cells into modules."""
    collector = Collector(root)
    for path in notebooks:
        collector.notebook(path)
    return collector.modules


def name_list(variable: str, names: list[str]) -> str:
    """``__all__ = [...]`` wrapped at the page width."""
    text = f"{variable} = [" + ", ".join(f'"{n}"' for n in names) + "]"
    return textwrap.fill(text, WIDTH, subsequent_indent=" " * (len(variable) + 4),
                         break_long_words=False, break_on_hyphens=False)


def header(notebook: str) -> str:
    notebook = notebook if notebook.endswith(".ipynb") else notebook + "/"
    line = f"# Generated from {notebook} by tools/export.py. Do not edit."
    return line if len(line) <= WIDTH else f"# Generated from {notebook}. Do not edit."


def chapter_of(notebook: str) -> str:
    """``chapter 4, `` for chapters/04_linear.ipynb (or a section page chapters/04_linear/...)."""
    number = re.match(r"chapters/(\d+)", notebook)
    return f"chapter {int(number.group(1))}, " if number else ""


def render_module(module: Module) -> str:
    source = textwrap.fill(f'Derived in {chapter_of(module.notebook)}"{module.title}" '
                           f"({module.notebook}).", WIDTH - 3)
    docstring = f"{module.docstring}\n\n{source}" if module.docstring else source
    parts = [header(module.notebook) + "\n" + f'"""{docstring}"""']
    if module.imports:
        parts.append("\n".join(module.imports))
    parts.append(name_list("__all__", module.public))
    blocks = [b.render() if isinstance(b, ClassBlock) else b for b in module.blocks]
    return "\n\n".join(parts) + "\n\n\n" + "\n\n\n".join(blocks) + "\n"


def optional_packages(module: Module, package: str) -> list[str]:
    """The packages other than NumPy, the standard library and the package itself that a
    module imports at its top level (an import inside a function is not counted: it runs
    only when the function is called)."""
    found = set()
    for node in ast.parse(render_module(module)).body:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module.split(".")[0])
    return sorted(name for name in found - set(RUNTIME) - {package}
                  if name not in sys.stdlib_module_names)


def lazy_block(lazy: dict[str, str], packages: list[str]) -> list[str]:
    """PEP 562's module ``__getattr__``: the names of ``lazy`` (name -> module) are imported
    from their module when first used."""
    table = textwrap.fill("_LAZY = {" + ", ".join(f'"{n}": "{m}"' for n, m in lazy.items()) + "}",
                          WIDTH, subsequent_indent="         ", break_long_words=False)
    comment = textwrap.fill(f"The modules of these names import {', '.join(packages)}, on which "
                            "nnlib does not depend: such a module is imported when one of its "
                            "names is first used, so that `import nnlib` imports NumPy only "
                            "(PEP 562).", WIDTH, initial_indent="# ", subsequent_indent="# ")
    return ["", "", *comment.splitlines(), table, "", "",
            "def __getattr__(name):",
            "    if name not in _LAZY:",
            "        raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")",
            "    from importlib import import_module",
            "    try:",
            "        module = import_module(f\".{_LAZY[name]}\", __name__)",
            "    except ModuleNotFoundError as error:",
            "        raise ModuleNotFoundError(f\"{__name__}.{name} needs {error.name}, which is \"",
            "                                  \"not installed\", name=error.name) from error",
            "    value = globals()[name] = getattr(module, name)",
            "    return value",
            "", "",
            "def __dir__():",
            "    return sorted([*globals(), *_LAZY])",
            ""]


def render_init(modules: list[Module], version: str, package: str = "nnlib") -> str:
    lines = ["# Generated from the chapters' exported cells by tools/export.py. Do not edit.",
             '"""nnlib: the neural-network library derived, built and tested in the book',
             "Neural Networks from Scratch. Each name below is derived in the chapter its",
             'docstring names."""',
             ""]
    names, lazy, packages = [], {}, set()
    # the namespaces first, whichever page writes them (an appendix writes nnlib.checks)
    for module in sorted(modules, key=lambda m: m.name not in NAMESPACES):
        optional = optional_packages(module, package)
        if module.name in NAMESPACES:
            lines.append(f"from . import {module.name}")
        elif optional:
            lazy.update((name, module.name) for name in module.public)
            packages.update(optional)
            names += module.public
        elif module.public:
            statement = f"from .{module.name} import " + ", ".join(module.public)
            if len(statement) > WIDTH:
                statement = textwrap.fill(f"from .{module.name} import ("
                                          + ", ".join(module.public) + ")", WIDTH,
                                          subsequent_indent="    ", break_long_words=False)
            lines.append(statement)
            names += module.public
    lines += ["", f'__version__ = "{version}"', "",
              name_list("__all__", names), ""]
    if lazy:
        lines[-1:] = lazy_block(lazy, sorted(packages))
    return "\n".join(lines)


def project_version(root: Path) -> str:
    pyproject = root / "pyproject.toml"
    found = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.M) \
        if pyproject.exists() else None
    return found.group(1) if found else "0.0.0"


def notebooks_under(notebook_dir: Path) -> list[Path]:
    """The chapters' notebooks in reading order; a chapter may be a folder of section pages."""
    return sorted(p for p in notebook_dir.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)


def build(notebook_dir: Path, package_dir: Path, root: Path) -> dict[Path, str]:
    """Everything the package should contain: file path -> text."""
    modules = collect(notebooks_under(notebook_dir), root)
    files = {package_dir / f"{m.name}.py": render_module(m) for m in modules.values()}
    files[package_dir / "__init__.py"] = render_init(list(modules.values()), project_version(root),
                                                     package_dir.name)
    files[package_dir / "py.typed"] = ""    # PEP 561: the package's own type hints are its types
    return files


def stale(files: dict[Path, str], package_dir: Path, root: Path) -> list[str]:
    """What differs between the package on disk and what the notebooks produce."""
    def name(path: Path) -> str:
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    problems = []
    for path, text in files.items():
        if not path.exists():
            problems.append(f"{name(path)} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name(path)} is stale")
    for path in sorted(package_dir.glob("*.py")):
        if path not in files:
            problems.append(f"{name(path)} is not produced by any notebook")
    return problems


def export(notebook_dir: Path, package_dir: Path, root: Path, check: bool = False) -> list[str]:
    """Write (or with ``check``, compare) the package. Returns the problems found in check mode."""
    files = build(notebook_dir, package_dir, root)
    if check:
        return stale(files, package_dir, root)
    package_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(package_dir.glob("*.py")):
        if path not in files:
            path.unlink()
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 if stale")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "chapters")
    parser.add_argument("--package", type=Path, default=ROOT / "nnlib")
    args = parser.parse_args(argv)
    root = args.notebooks.resolve().parent
    try:
        problems = export(args.notebooks.resolve(), args.package.resolve(), root, check=args.check)
    except ExportError as e:
        print(f"export: {e}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(f"export check: {problem}", file=sys.stderr)
        print("export check: nnlib/ is out of date; run `python tools/export.py` and commit the "
              "result", file=sys.stderr)
        return 1
    if args.check:
        print("export check: nnlib/ matches the notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
