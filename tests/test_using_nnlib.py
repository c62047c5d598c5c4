"""The README's section "Using nnlib after the book" shows what chapters/using_nnlib.ipynb runs.

The notebook is executed by nbval like every chapter, so its training script cannot rot; these tests
make sure the README's copy of the script, and of what it prints, is the notebook's, verbatim, and
that both install nnlib from the repository and branch that _config.yml names.
"""
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "chapters" / "using_nnlib.ipynb"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Using nnlib after the book\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "README.md has no section '## Using nnlib after the book'"
    return match.group(1)


def fenced(text: str, language: str) -> list[str]:
    return [block.strip("\n") for block in re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)]


def code_cells() -> list[dict]:
    return [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_readme_script_is_a_cell_of_the_notebook_verbatim():
    scripts = fenced(readme_section(), "python")
    assert len(scripts) == 1, "the README's section should show one Python script"
    script = scripts[0]
    cells = {"".join(c["source"]).strip("\n"): c for c in code_cells()}
    assert script in cells, ("the README's script differs from the training script of chapters/using_nnlib.ipynb; "
                             "copy the notebook's cell into the README")
    for name in ["Sequential", "Linear", "ReLU", "CrossEntropyLoss", "Adam", "fit(", "evaluate(", "predict(",
                 "save(", "load("]:
        assert name in script, f"the training script should show {name.rstrip('(')}"
    code = [line for line in script.splitlines() if line.strip()]
    assert 20 <= len(code) <= 30, "the script should stay twenty-odd lines of code"


def test_the_readme_shows_what_the_script_prints():
    script = fenced(readme_section(), "python")[0]
    cell = next(c for c in code_cells() if "".join(c["source"]).strip("\n") == script)
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")
    assert fenced(readme_section(), "text") == [printed.strip("\n")], \
        "the README's output of the script differs from the notebook's stored output"


def test_readme_and_notebook_install_from_the_configured_repository():
    url, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    command = f'pip install "nnlib-book @ git+{url}@{branch}"'
    markdown = "".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"]
                       if c["cell_type"] == "markdown")
    for where, text in [("README.md", readme_section()), ("chapters/using_nnlib.ipynb", markdown)]:
        text = re.sub(r" *\\\n *", " ", text)   # a shell command continued on the next line
        assert command in text, f"{where} should show `{command}`"
        assert "pip install ." in text, f"{where} should show the installation from a clone"
