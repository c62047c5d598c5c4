"""The built HTML book (_build/html), read in headless Chromium as a reader would read it.

`python3 tools/dev.py test` runs this file after the book build (the first pytest run leaves it out,
since it needs the fresh build) and installs Debian's chromium first if there is none; run alone it
checks whatever `_build/html` holds. The book is served from a thread on a free localhost port, and
every page listed in _toc.yml is opened. Each check names the page and what is wrong:

- the page loads without errors that matter: JavaScript exceptions, `console.error` messages, and
  local resources that fail to load or answer with an HTTP error. The book must not need the network
  either: Chromium resolves no host but 127.0.0.1, and any request to another host is reported as a
  failure, since the test machine (like an offline reader) cannot load it, so nothing could check it;
- figures render: every `<img>` has loaded with a non-zero natural width, and every figure the
  notebook stores is on the page;
- math renders: every math element of the page holds a MathJax `mjx-container` without TeX errors,
  and no TeX source (`$$`, `\\frac`, `\\(`, ...) shows in the visible text outside code;
- the prev/next links exist where they should and, followed, lead to the neighbouring pages in the
  order of _toc.yml;
- a chapter's Colab link opens that chapter's notebook on the repository and branch of _config.yml;
- code fits the page: at the test's window width of 1280 pixels, no block of code (a cell's input
  or a code block of the text) is wider than its box, so a reader never scrolls sideways to read an
  88-character line (the book's line limit, which tests/test_notebooks.py enforces);
- every local link of every page resolves (no 404), anchors included;
- the search page finds "backpropagation".

A full-page screenshot of one chapter (the first with math and figures) is saved as
_build/screenshots/chapter.png, and one of the search results as _build/screenshots/search.png.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SEARCH_TERM = "backpropagation"
TIMEOUT_MS = 120_000   # generous: MathJax typesets long chapters slowly on a busy 2-core machine

# Headless Chromium, also as root, that talks to nothing but the local server. Playwright adds
# --headless, --no-sandbox (it runs without the sandbox) and a fresh temporary --user-data-dir.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# TeX that should have been typeset: display-math delimiters, \( \) \[ \], a control word such as
# \frac or \begin, or $...$ on one line.
TEX_LEAK = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]+|\$[^\s$][^$\n]*\$")


def source_of(docname: str) -> Path:
    for suffix in (".ipynb", ".md", ".rst"):
        if (path := ROOT / f"{docname}{suffix}").exists():
            return path
    raise AssertionError(f"_toc.yml lists {docname}, which has no source file")


def toc_pages() -> list[str]:
    """The documents of _toc.yml in reading order: the root, then each entry depth first."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "file" in node:
                pages.append(re.sub(r"\.(ipynb|md|rst)$", "", node["file"]))
            if "glob" in node:   # Jupyter Book adds the matching documents in sorted order
                matches = {p.relative_to(ROOT).with_suffix("").as_posix()
                           for suffix in (".ipynb", ".md", ".rst") for p in ROOT.glob(node["glob"] + suffix)}
                pages.extend(sorted(matches - set(pages)))
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key))

    walk(toc)
    return [re.sub(r"\.(ipynb|md|rst)$", "", page) for page in pages]


PAGES = toc_pages()
NOTEBOOK_PAGES = [page for page in PAGES if source_of(page).suffix == ".ipynb"]
# Pages Sphinx adds beside the table of contents (the index, the search page): checked for errors
# and broken links too.
EXTRA_PAGES = sorted(p.relative_to(HTML).with_suffix("").as_posix() for p in HTML.glob("*.html")
                     if p.stem != "index" and p.with_suffix("").relative_to(HTML).as_posix() not in PAGES)


def screenshot_page() -> str:
    """The chapter to take a picture of: the first whose page has math and figures."""
    candidates = NOTEBOOK_PAGES or PAGES
    for docname in candidates:
        text = (HTML / f"{docname}.html").read_text() if (HTML / f"{docname}.html").exists() else ""
        if 'class="math' in text and re.search(r'<img [^>]*src="[^"]*_images/', text):
            return docname
    return candidates[0]


SCREENSHOT_PAGE = screenshot_page()


def colab_url(docname: str) -> str:
    """Where a chapter's Colab link must point: its notebook on the configured repository and branch."""
    repository = CONFIG["repository"]
    owner_and_name = urlsplit(repository["url"]).path.strip("/").removesuffix(".git")
    path = "/".join(part for part in (repository.get("path_to_book", "").strip("/"), f"{docname}.ipynb") if part)
    colab = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
    return f"{colab}/github/{owner_and_name}/blob/{repository.get('branch', 'main')}/{path}"


def stored_figures(docname: str) -> int:
    """How many figures (PNG or JPEG outputs) the notebook stores in cells the book shows."""
    if source_of(docname).suffix != ".ipynb":
        return 0
    count = 0
    for cell in json.loads(source_of(docname).read_text())["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] != "code" or tags & {"remove-cell", "remove-output", "remove_cell", "remove_output"}:
            continue
        count += sum(1 for out in cell["outputs"] if {"image/png", "image/jpeg"} & set(out.get("data", {})))
    return count


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:   # no line per request on the test's output
        pass


@pytest.fixture(scope="session")
def server():
    """The built book on http://127.0.0.1:<free port>/, served by a thread."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML.relative_to(ROOT)}/ has no book: build it first (python3 tools/dev.py book)")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def find_chromium() -> str | None:
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    if chromium is None:
        reason = os.environ.get("NNLIB_NO_CHROMIUM") or (
            "no Chromium on PATH; `python3 tools/dev.py test` installs Debian's chromium (as root), "
            "or set CHROMIUM=/path/to/chromium")
        pytest.skip(f"the browser test needs Chromium: {reason}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser, **options):
    """A fresh browser profile (no history, no local storage), as a first-time reader has."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def context(browser):
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)   # no picture of an older build is left behind
    SCREENSHOTS.mkdir(parents=True)
    context = new_context(browser)
    yield context
    context.close()


@dataclass
class Visit:
    """What a reader's browser met on one page."""
    docname: str
    url: str
    unreadable: str = ""   # why the page could not be checked at all
    errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    content_images: int = 0
    math: dict = field(default_factory=dict)
    tex_leaks: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    colab_links: list[str] = field(default_factory=list)
    wide_code: list[str] = field(default_factory=list)


def watch(page, base: str, errors: list[str]) -> None:
    """Record on `errors` what goes wrong while `page` loads and runs."""
    answered_with_error: set[str] = set()

    def local(url: str) -> str | None:
        return "/" + url[len(base):] if url.startswith(base) else None

    def on_console(message) -> None:
        # "Failed to load resource" repeats a failed request, which the request handlers judge
        if message.type in ("error", "assert") and not message.text.startswith("Failed to load resource"):
            where = message.location.get("url", "")
            errors.append(f"console error: {message.text}" + (f" (at {local(where) or where})" if where else ""))

    def on_request(request) -> None:
        if local(request.url) is None and urlsplit(request.url).scheme in ("http", "https", "ws", "wss"):
            errors.append(f"requests {request.url}, outside the book: the book must not depend on the network "
                          "(an offline reader cannot load it, nor can this test check it); serve it from the build")

    def on_response(response) -> None:
        if (path := local(response.url)) is not None and response.status >= 400:
            answered_with_error.add(response.url)
            errors.append(f"HTTP {response.status} for {path}")

    def on_request_failed(request) -> None:
        if (path := local(request.url)) is not None and request.url not in answered_with_error:
            errors.append(f"failed to load {path}: {request.failure}")

    page.on("pageerror", lambda error: errors.append(f"JavaScript exception: {error.name}: {error.message}"))
    page.on("console", on_console)
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)


WAIT_FOR_MATHJAX = """async () => {
    const elements = document.querySelectorAll('.math');
    if (elements.length === 0) return {elements: 0};
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise))
        return {elements: elements.length, loaded: false};
    const finished = await Promise.race([MathJax.startup.promise.then(() => true),
                                         new Promise(done => setTimeout(() => done(false), 100000))]);
    return {elements: elements.length, loaded: true, finished};
}"""

MATH_STATE = """() => {
    const elements = [...document.querySelectorAll('.math')];
    const unrendered = elements.filter(e => !e.querySelector('mjx-container'))
                               .map(e => e.textContent.trim().slice(0, 80));
    // TeX errors: an merror (e.g. a missing brace), or an undefined macro, which MathJax shows in red
    const errors = [...document.querySelectorAll('mjx-merror, mjx-assistive-mml mtext[mathcolor="red"]')]
        .map(e => e.getAttribute('data-mjx-error') || e.textContent.trim())
        .map(text => text.slice(0, 120));
    return {containers: document.querySelectorAll('mjx-container').length, unrendered, errors};
}"""

# Open every dropdown (exercise answers are in <details>) and wait until every image has loaded or
# failed; lazy images are told to load now.
LOAD_IMAGES = """async () => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    const images = [...document.images];
    images.forEach(img => { img.loading = 'eager'; });
    const settled = img => img.complete ? null : new Promise(done => {
        img.addEventListener('load', done); img.addEventListener('error', done); });
    await Promise.race([Promise.all(images.map(settled)), new Promise(done => setTimeout(done, 15000))]);
    const content = document.querySelector('main') || document.body;
    return {
        images: images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth})),
        content: [...content.querySelectorAll('img')].filter(img => !img.closest('.dropdown-menu')).length,
    };
}"""

# The visible text of the page, without code (where a backslash or dollar is just code).
VISIBLE_TEXT = """() => {
    const style = document.createElement('style');
    style.textContent = 'pre, code, kbd, samp, .highlight { display: none !important; }';
    document.head.appendChild(style);
    const text = document.body.innerText;
    style.remove();
    return text;
}"""

# Blocks of code (cell inputs, code blocks of the text; not outputs) whose text is wider than their
# box: the first line that does not fit, and by how many pixels.
WIDE_CODE = """() => [...document.querySelectorAll('div.cell_input pre, div.highlight pre')]
    .filter(pre => !pre.closest('.cell_output, .output') && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => {
        const longest = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
        return `${pre.scrollWidth - pre.clientWidth} px too wide: ${longest.trim().slice(0, 70)}`;
    })"""

LINKS = """() => [...document.querySelectorAll('a[href], link[href]')]
    .filter(e => !['preconnect', 'dns-prefetch'].includes(e.rel))
    .map(e => e.href)"""


def visit(context, base: str, docname: str) -> Visit:
    result = Visit(docname, f"{base}{docname}.html")
    page = context.new_page()
    watch(page, base, result.errors)
    try:
        page.goto(result.url, wait_until="load")
        result.math = page.evaluate(WAIT_FOR_MATHJAX)
        try:                                      # what MathJax or the theme load later; failed
            page.wait_for_load_state("networkidle", timeout=30_000)   # requests are recorded anyway
        except PlaywrightTimeoutError:
            pass
        if docname == SCREENSHOT_PAGE:
            page.screenshot(path=SCREENSHOTS / "chapter.png", full_page=True)
        if result.math["elements"]:
            result.math.update(page.evaluate(MATH_STATE))
        loaded = page.evaluate(LOAD_IMAGES)
        result.images, result.content_images = loaded["images"], loaded["content"]
        for line in page.evaluate(VISIBLE_TEXT).splitlines():
            if match := TEX_LEAK.search(line):
                result.tex_leaks.append(line[max(0, match.start() - 40):match.end() + 40])
        result.wide_code = page.evaluate(WIDE_CODE)
        result.links = page.evaluate(LINKS)
        result.colab_links = [link for link in result.links
                              if link.startswith(CONFIG["launch_buttons"]["colab_url"].rstrip("/") + "/")]
    except PlaywrightError as error:   # remembered, so that each check of the page reports it at once
        result.unreadable = f"could not be read in the browser: {error.message.splitlines()[0]}"
    finally:
        page.close()
    return result


@pytest.fixture(scope="session")
def visits(context, server):
    """visits(docname) opens the page once and remembers what it met."""
    return functools.cache(lambda docname: visit(context, server, docname))


def visited(visits, docname: str) -> Visit:
    page = visits(docname)
    if page.unreadable:
        report(docname, [page.unreadable, *page.errors])
    return page


def report(docname: str, found: list[str]) -> None:
    """Fail, naming the page and each problem found on it."""
    if found:
        pytest.fail(f"{docname}.html:\n  " + "\n  ".join(found), pytrace=False)


@pytest.mark.parametrize("docname", PAGES + EXTRA_PAGES)
def test_page_loads_without_errors(visits, docname):
    report(docname, list(dict.fromkeys(visited(visits, docname).errors)))


@pytest.mark.parametrize("docname", PAGES)
def test_figures_render(visits, docname):
    page = visited(visits, docname)
    found = [f"image {image['src']} did not render (natural width 0)" for image in page.images if not image["width"]]
    if page.content_images < (stored := stored_figures(docname)):
        found.append(f"the notebook stores {stored} figures, the page shows {page.content_images} images")
    report(docname, found)


@pytest.mark.parametrize("docname", PAGES)
def test_math_renders(visits, docname):
    page = visited(visits, docname)
    found = []
    if page.math["elements"]:
        if not page.math["loaded"]:
            found.append(f"{page.math['elements']} math elements, but MathJax did not load")
        elif not page.math["finished"]:
            found.append("MathJax did not finish typesetting within 20 s")
        else:
            found += [f"math not typeset by MathJax: {tex!r}" for tex in page.math["unrendered"][:5]]
            found += [f"MathJax reports a TeX error: {error!r}" for error in page.math["errors"][:5]]
    found += [f"TeX source in the visible text: ...{leak}..." for leak in page.tex_leaks[:5]]
    if len(page.tex_leaks) > 5:
        found.append(f"... and in {len(page.tex_leaks) - 5} more lines")
    report(docname, found)


def test_the_chapters_have_math(visits):
    """The math check must have something to check: the book's chapters derive formulas."""
    with_math = [page for page in NOTEBOOK_PAGES if visited(visits, page).math["elements"]]
    assert with_math, "no chapter page has a single math element: is dollarmath still enabled?"
    for page in with_math:
        if not visits(page).math.get("containers"):
            report(page, ["has math, but not one MathJax mjx-container"])


def shown(page) -> str:
    """The document a browser page shows."""
    return urlsplit(page.url).path.lstrip("/").removesuffix(".html")


@pytest.fixture(scope="session")
def navigation(browser, server) -> dict[str, list[str]]:
    """Reads the book front to back by clicking its next links, then back to front by its prev links,
    and returns what went wrong on each page. JavaScript is off: the links are static HTML, and pages
    load without typesetting their math each time."""
    found: dict[str, list[str]] = {docname: [] for docname in PAGES}
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    try:
        for direction, selector, order in (("next", "a.right-next", PAGES), ("prev", "a.left-prev", PAGES[::-1])):
            for i, docname in enumerate(order):
                expected = order[i + 1] if i + 1 < len(order) else None
                if shown(page) != docname:   # at the start, or after a link that led astray
                    page.goto(f"{server}{docname}.html", wait_until="domcontentloaded")
                link = page.locator(f".prev-next-area {selector}")
                if expected is None:
                    if link.count():
                        found[docname].append(f"has a {direction} link ({link.first.get_attribute('href')}), but it "
                                              f"is the {'last' if direction == 'next' else 'first'} page of _toc.yml")
                elif link.count() != 1:
                    found[docname].append(f"has {link.count()} {direction} links, expected one to {expected}.html")
                else:
                    with page.expect_navigation(wait_until="domcontentloaded"):
                        link.click()
                    if shown(page) != expected:
                        found[docname].append(f"the {direction} link leads to {shown(page)}.html, "
                                              f"expected {expected}.html")
    finally:
        context.close()
    return found


@pytest.mark.parametrize("docname", PAGES)
def test_prev_and_next_links_lead_to_the_neighbouring_pages(navigation, docname):
    report(docname, navigation[docname])


@pytest.mark.parametrize("docname", PAGES)
def test_code_fits_its_box_at_1280_pixels(visits, docname):
    page = visited(visits, docname)
    report(docname, [f"a block of code scrolls sideways, {wide}" for wide in page.wide_code[:5]])


@pytest.mark.parametrize("docname", NOTEBOOK_PAGES)
def test_colab_link_opens_this_chapters_notebook(visits, docname):
    links, expected = set(visited(visits, docname).colab_links), colab_url(docname)
    if not links:
        report(docname, [f"has no Colab launch link (expected {expected})"])
    report(docname, [f"the Colab link is {link}, expected {expected}" for link in sorted(links - {expected})])


def test_front_page_leads_to_the_first_page(context, server):
    page = context.new_page()
    try:
        page.goto(server)
        page.wait_for_url(f"{server}{PAGES[0]}.html")
    finally:
        page.close()


def test_local_links_resolve(visits, server):
    """Every local link (and stylesheet or icon link) of every page answers, and its anchor exists."""
    linked_from: dict[str, set[str]] = {}
    for docname in PAGES + EXTRA_PAGES:
        for link in visited(visits, docname).links:
            if link.startswith(server):
                linked_from.setdefault(link, set()).add(f"{docname}.html")
    assert linked_from, "no local links found at all"
    found, ids = [], {}
    for link in sorted(linked_from):
        url, fragment = urldefrag(link)
        if url not in ids:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = response.read()
                ids[url] = (set(re.findall(rb'\b(?:id|name)="([^"]+)"', body))
                            if response.headers.get_content_type() == "text/html" else None)
            except urllib.error.HTTPError as error:
                ids[url] = error
        where = ", ".join(sorted(linked_from[link]))
        target = "/" + link[len(server):]
        if isinstance(ids[url], urllib.error.HTTPError):
            found.append(f"{where} links to {target}: HTTP {ids[url].code}")
        elif fragment and ids[url] is not None and unquote(fragment).encode() not in ids[url]:
            found.append(f"{where} links to {target}: no element with id {unquote(fragment)!r} there")
    if found:
        pytest.fail("broken local links:\n  " + "\n  ".join(found), pytrace=False)


def test_search_finds_backpropagation(browser, server):
    context = new_context(browser)
    page = context.new_page()
    errors: list[str] = []
    watch(page, server, errors)
    try:
        page.goto(f"{server}search.html?q={SEARCH_TERM}")
        page.wait_for_function("""() => {
            const status = document.querySelector('#search-results .search-summary');
            return status && /finished|did not match/i.test(status.textContent); }""")
        results = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
        summary = page.inner_text("#search-results .search-summary")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "search.png")
    finally:
        context.close()
    report("search", list(dict.fromkeys(errors)))
    assert results, f"search.html?q={SEARCH_TERM} found nothing: {summary!r}"
    pages = {urlsplit(url).path.lstrip("/").removesuffix(".html") for url in results}
    assert pages & set(PAGES), f"the results {sorted(pages)} include no page of _toc.yml"


def test_screenshot_of_a_chapter(visits):
    """A full-page picture of a chapter, for a person to look at: _build/screenshots/chapter.png."""
    visited(visits, SCREENSHOT_PAGE)
    path = SCREENSHOTS / "chapter.png"
    assert path.exists() and path.stat().st_size > 10_000, f"no screenshot of {SCREENSHOT_PAGE}.html"
    print(f"\nscreenshot of {SCREENSHOT_PAGE}.html: {path.relative_to(ROOT)}")
