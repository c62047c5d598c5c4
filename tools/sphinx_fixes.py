"""Fixes to the HTML build of the book; _config.yml loads this file as a Sphinx extension.

Sphinx 7.4 writes each inline script that an extension registers once the builder is running
(``app.add_js_file(None, body=...)``, as sphinx-thebe and sphinx-togglebutton do) twice into every
page. The second copy of sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "SyntaxError:
Identifier 'THEBE_JS_URL' has already been declared" in every reader's browser. Later Sphinx releases
fix this (sphinx-doc/sphinx#13402), but Jupyter Book 1.x requires Sphinx 7, so the duplicates are
dropped here, just before each page is written. The browser test (tests/browser/) fails on any
JavaScript exception, so it would tell if this stopped working.
"""
from __future__ import annotations


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", None),
               tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
