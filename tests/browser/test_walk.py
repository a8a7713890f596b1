"""The walk: for each role (and a visitor not logged in), every page reachable from its
navigation, in a real browser, on demo data with dossiers in every state.

From the role's home page the walk follows the navigation links, then the links on those pages
one level deep (same origin, GET only, no downloads, at most PER_SHAPE pages per URL shape such
as ``/intake/<n>/check``, at most MAX_PAGES in all), and checks on every page:

* the answer is not a 5xx;
* no two elements share an id;
* every form field a person fills (input, select, textarea but hidden, submit, button…) has a
  label: ``label[for]``, a wrapping label, ``aria-label`` or ``aria-labelledby``;
* axe-core (the npm package pinned in tests/browser/package.json, installed by
  ``make install-test``) finds no violation of impact serious or critical.

Every problem of every page is collected, then the test fails once with the whole list.
Screenshots of the pages the navigation leads to land in test-artifacts/screenshots/<test>/.
"""

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.browser.conftest import AXE, inject_axe, login, page_problems

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
MAX_PAGES = 25
PER_SHAPE = 1

ROLES = {
    "anonymous": None,
    "applicant": "applicant@demo.vn",
    "clerk": "motcua@demo.vn",
    "head": "chicuc@demo.vn",
    "appraiser": "thamdinh@demo.vn",
    "leader": "lanhdao@demo.vn",
    "records": "vanthu@demo.vn",
    "finance": "ketoan@demo.vn",
    "chief_accountant": "ketoantruong@demo.vn",
    "admin": "quantri@demo.vn",
}
ANONYMOUS_START = ["/", "/auth/login", "/auth/register", "/tra-cuu/"]

# Not pages: files, charts, the API, assets, and anything that changes state on a GET-looking
# link (there is none; logout is a POST form, never a link).
SKIP = re.compile(
    r"(/attachments/|/documents/|\.pdf$|\.xlsx$|\.svg$|\.json$|^/api/|^/static/|^/bootstrap/"
    r"|logout)")

def shape(path: str) -> str:
    """The URL shape: numbers become <n>, so a list's many dossiers count as one page."""
    return re.sub(r"\d+", "<n>", path)


def same_origin_links(page: Page, base: str, selector: str) -> list[str]:
    """The app's own GET links in ``selector``, as paths with their query, in page order."""
    hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
    origin = urlsplit(base).netloc
    out = []
    for href in hrefs:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path) and path not in out:
            out.append(path)
    return out


class Walk:
    """Visit pages, check each, remember every problem."""

    def __init__(self, page: Page, base: str, shot):
        self.page, self.base, self.shot = page, base, shot
        self.visited: list[str] = []  # the paths asked for
        self.checked: set[str] = set()  # the pages landed on and checked
        self.shapes: dict[str, int] = {}
        self.problems: list[str] = []

    def wanted(self, path: str) -> bool:
        key = shape(path.split("?")[0]) + ("?" if "?" in path else "")
        if path in self.visited or path in self.checked or len(self.visited) >= MAX_PAGES:
            return False
        if self.shapes.get(key, 0) >= PER_SHAPE:
            return False
        self.shapes[key] = self.shapes.get(key, 0) + 1
        return True

    def visit(self, path: str, screenshot: bool = False) -> bool:
        """Open ``path`` and check it; False when it is not an HTML page to look at."""
        self.visited.append(path)
        try:
            response = self.page.goto(path)
        except PlaywrightError as error:  # a download (a file behind a plain link)
            if "Download is starting" in str(error):
                return False
            raise
        if response is None:
            return False
        if response.status >= 500:
            self.problems.append(f"{path}: HTTP {response.status}")
            return False
        if "text/html" not in response.headers.get("content-type", ""):
            return False
        landed = urlsplit(self.page.url)
        landed = landed.path + (f"?{landed.query}" if landed.query else "")
        if landed in self.checked:  # a redirect to a page already checked
            return False
        self.checked.add(landed)
        self.check(path)
        if screenshot:
            self.shot(self.page, shape(urlsplit(self.page.url).path).strip("/").replace("/", "_")
                      .replace("<n>", "n") or "root")
        return True

    def check(self, path: str) -> None:
        self.problems += [f"{path}: {problem}" for problem in page_problems(self.page)]


@pytest.mark.parametrize("role", list(ROLES))
def test_walk(role, new_page, demo_server, shot):
    page = new_page(base_url=demo_server)
    # axe-core loaded by every page as it opens (cheaper than sending it over once per page)
    page.context.add_init_script(path=str(AXE))
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    walk = Walk(page, demo_server, shot)

    if ROLES[role]:
        login(page, ROLES[role])
        start = ["/home"] + same_origin_links(page, demo_server, "nav a")
    else:
        start = ANONYMOUS_START
    level_one: list[str] = []
    for path in start:
        if not walk.wanted(path) or not walk.visit(path, screenshot=True):
            continue
        level_one += same_origin_links(page, demo_server, "main a[href]")
    for path in level_one:
        if walk.wanted(path):
            walk.visit(path)

    assert len(walk.checked) >= 3, walk.visited
    assert not walk.problems, (
        f"{len(walk.problems)} problems on {len(walk.checked)} pages walked as {role}:\n"
        + "\n".join(walk.problems))


def test_skip_link_and_navbar_contrast(new_page, demo_server, shot):
    """The first Tab shows a "skip to content" link that moves focus to the main content; the
    navbar's links pass WCAG AA contrast (axe's color-contrast rule on the navbar)."""
    page = new_page(base_url=demo_server)
    login(page, ROLES["clerk"])
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent.trim(),"
                            " document.activeElement.getAttribute('href')]")
    assert focused == ["Bỏ qua, đến nội dung chính", "#main"], focused
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["width"] > 50 and box["y"] >= 0, "the skip link must show when focused"
    shot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    inject_axe(page)
    result = page.evaluate("""async () => (await axe.run('nav', {runOnly: ['color-contrast']}))
                              .violations.map(v => v.nodes.map(n => n.target.join(' ')))""")
    assert result == [], result
