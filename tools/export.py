"""Write the package nnlib from the chapters' exported cells.

A cell joins the library when its first lines are directives:

    #| default_exp activations    once per notebook: where its exported cells go (nnlib/activations.py)
    #| export                     this cell goes to the notebook's default module
    #| export module              this cell goes to nnlib/module.py instead

The spelling is nbdev's. Each generated module gets a header line naming its notebook, a docstring,
the imports of its cells gathered at the top, an ``__all__`` of the public names its cells define,
and then the cells' code in notebook order. ``nnlib/__init__.py`` re-exports every ``__all__``.

Usage:
    python tools/export.py            write nnlib/ from chapters/*.ipynb
    python tools/export.py --check    exit 1, naming the stale files, if nnlib/ differs
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVES = {"export", "default_exp"}
MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class ExportError(Exception):
    """A notebook breaks the export convention; the message names the notebook and the cell."""


@dataclass
class Module:
    name: str
    notebook: str                      # path of the notebook that owns it, relative to the root
    title: str                         # the notebook's first heading
    docstring: str = ""                # a string opening the module's first exported cell
    imports: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
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


def defined_names(tree: ast.Module) -> list[str]:
    """The names a cell binds at top level: functions, classes and assigned variables."""
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


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


def notebook_title(cells: list[dict], fallback: str) -> str:
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def collect(notebooks: list[Path], root: Path) -> dict[str, Module]:
    """Read every notebook and gather its exported cells into modules."""
    modules: dict[str, Module] = {}
    owner_of: dict[str, str] = {}      # public symbol -> where it was first exported
    for path in notebooks:
        rel = path.relative_to(root).as_posix()
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        title = notebook_title(cells, path.stem)
        default = None
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            where = f"{rel}, cell {index + 1}"
            directives, code = parse_directives("".join(cell["source"]), where)
            if "default_exp" in directives:
                if default is not None:
                    raise ExportError(f"{where}: a second '#| default_exp' (the first names '{default}')")
                default = directives["default_exp"]
            if "export" not in directives:
                continue
            target = directives["export"] or default
            if target is None:
                raise ExportError(f"{where}: '#| export' in a notebook without '#| default_exp' above it")
            try:
                tree = ast.parse(code)
            except SyntaxError as e:
                raise ExportError(f"{where}: exported code does not parse ({e.msg}, line {e.lineno})") from None
            module = modules.get(target)
            if module is None:
                module = modules[target] = Module(target, rel, title)
            elif module.notebook != rel:
                raise ExportError(f"{where}: module '{target}' belongs to {module.notebook}; "
                                  "a module is written by one chapter only")
            for name in defined_names(tree):
                key = name if not name.startswith("_") else f"{target}.{name}"
                if key in owner_of:
                    raise ExportError(f"{where}: '{name}' is exported twice (first in {owner_of[key]})")
                owner_of[key] = where
                if not name.startswith("_"):
                    module.public.append(name)
            first = not module.blocks and not module.imports
            docstring, imports, body = split_head(code, tree, take_docstring=first)
            module.docstring = module.docstring or docstring
            module.imports += [line for line in imports if line not in module.imports]
            if body:
                module.blocks.append(body)
    return modules


def name_list(variable: str, names: list[str]) -> str:
    """``__all__ = [...]`` wrapped at 100 columns."""
    text = f"{variable} = [" + ", ".join(f'"{n}"' for n in names) + "]"
    return textwrap.fill(text, 100, subsequent_indent=" " * (len(variable) + 4), break_long_words=False,
                         break_on_hyphens=False)


def header(notebook: str) -> str:
    return f"# Generated from {notebook} by tools/export.py. Do not edit: change the notebook and re-export."


def render_module(module: Module) -> str:
    number = re.match(r"(\d+)", Path(module.notebook).stem)
    chapter = f"chapter {int(number.group(1))}, " if number else ""
    source = f'Derived in {chapter}"{module.title}" ({module.notebook}).'
    docstring = f"{module.docstring}\n\n{source}" if module.docstring else source
    parts = [header(module.notebook) + "\n" + f'"""{docstring}"""']
    if module.imports:
        parts.append("\n".join(module.imports))
    parts.append(name_list("__all__", module.public))
    return "\n\n".join(parts) + "\n\n\n" + "\n\n\n".join(module.blocks) + "\n"


def render_init(modules: list[Module], version: str) -> str:
    lines = ["# Generated from the chapters' exported cells by tools/export.py. Do not edit.",
             '"""nnlib: the neural-network library derived, built and tested in the book',
             'Neural Networks from Scratch. Each name below is derived in the chapter its docstring names."""',
             ""]
    names = []
    for module in modules:
        if module.public:
            lines.append(textwrap.fill(f"from .{module.name} import (" + ", ".join(module.public) + ")"
                                       if len(module.public) > 4 else
                                       f"from .{module.name} import " + ", ".join(module.public),
                                       100, subsequent_indent="    ", break_long_words=False))
            names += module.public
    lines += ["", f'__version__ = "{version}"', "",
              name_list("__all__", names), ""]
    return "\n".join(lines)


def project_version(root: Path) -> str:
    pyproject = root / "pyproject.toml"
    found = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.M) if pyproject.exists() else None
    return found.group(1) if found else "0.0.0"


def build(notebook_dir: Path, package_dir: Path, root: Path) -> dict[Path, str]:
    """Everything the package should contain: file path -> text."""
    notebooks = sorted(p for p in notebook_dir.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    modules = collect(notebooks, root)
    files = {package_dir / f"{m.name}.py": render_module(m) for m in modules.values()}
    files[package_dir / "__init__.py"] = render_init(list(modules.values()), project_version(root))
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
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
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
        print("export check: nnlib/ is out of date; run `python tools/export.py` and commit the result",
              file=sys.stderr)
        return 1
    if args.check:
        print("export check: nnlib/ matches the notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
