"""Browser fixtures: the app served on 127.0.0.1 by a real WSGI server in a thread, on a
migrated SQLite file with demo data, driven by Debian's headless Chromium via Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig

CHROMIUM = os.environ.get("GRANTS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} "
                                   "(apt-get install chromium); browser tests skipped")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


#: Base URL → the SQLite file of the app served there (a journey reads the outbox from it,
#: e.g. the e-mail confirmation link a registration sends).
SERVED_DATABASES: dict[str, Path] = {}


def _serve(root: Path, dossiers: int = 0, smtp_port: int | None = None, **settings):
    """Serve the app on 127.0.0.1 (a thread) on a fresh SQLite file under ``root`` with the
    base demo data and ``dossiers`` generated dossiers (e-mail to the SMTP server on
    ``smtp_port``, if any; ``settings`` changed from the test configuration); yields the base
    URL."""
    from flask_migrate import upgrade

    from grants.app import create_app
    from grants.db import atomic
    from grants.demo import base as demo
    from grants.demo import bulk

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{root / 'live.sqlite'}"
        UPLOAD_DIR = str(root / "uploads")
        WTF_CSRF_ENABLED = True  # the browser goes through the real CSRF protection
        SMTP_HOST = "127.0.0.1" if smtp_port else ""
        SMTP_PORT = smtp_port or 25

    for name, value in settings.items():
        setattr(LiveConfig, name, value)

    app = create_app(LiveConfig)
    with app.app_context():
        upgrade()
        with atomic():
            demo.seed_base()
            if dossiers:
                bulk.bulk_dossiers(dossiers, seed=43)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    SERVED_DATABASES[url] = root / "live.sqlite"
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def live_mailbox():
    """The SMTP server (aiosmtpd on 127.0.0.1) the live server's e-mails go to."""
    from tests.mailbox import SmtpServer

    server = SmtpServer().start()
    yield server.box
    server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_mailbox):
    """Base URL of the app served on 127.0.0.1 (a fresh database with the base demo data:
    years, catalogue, organisations, one account per role; no dossiers); its e-mails go to
    ``live_mailbox``."""
    yield from _serve(tmp_path_factory.mktemp("live"), smtp_port=live_mailbox.port)


WALK_DOSSIERS = 40
"""Generated dossiers of the walk's server: every state has at least one (the generator gives
its first 13 dossiers one state each), so every list and dossier page has content."""


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """Base URL of a second app (own database) with the base demo data and WALK_DOSSIERS
    generated dossiers in every state: pages to walk without disturbing the journeys' data."""
    yield from _serve(tmp_path_factory.mktemp("demo"), dossiers=WALK_DOSSIERS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """A factory of pages (one browser context each, like separate people); phone=True gives
    a phone-width viewport, base_url another server (default: live_server), other keywords
    go to Playwright's new_context. The person answers "OK" to every confirmation dialog
    (data-confirm) unless accept_dialogs=False, when the test handles them
    (``page.on("dialog", …)``)."""
    contexts = []

    def make(phone: bool = False, base_url: str | None = None, accept_dialogs: bool = True,
             **options):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        base_url = base_url or request.getfixturevalue("live_server")
        context = browser.new_context(base_url=base_url, viewport=viewport, locale="vi-VN",
                                      **options)
        contexts.append(context)
        page = context.new_page()
        if accept_dialogs:
            page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """Save a screenshot of a page as a test artifact: shot(page, "name")."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# ------------------------------------------------------------------ page checks

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from npm (tests/browser/package.json, installed by ``make install-test``)."""

DUPLICATE_IDS = """() => {
  const seen = {}, twice = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen[el.id]) twice.add(el.id); seen[el.id] = true;
  }
  return [...twice];
}"""

UNLABELLED_FIELDS = """() => {
  const skip = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.tagName === 'INPUT' && skip.has((el.getAttribute('type') || 'text').toLowerCase()))
      continue;
    const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
      || el.closest('label') || (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') || '').trim().split(/\\s+/)
           .some(id => id && document.getElementById(id));
    if (!labelled) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' +
                                                   (n.failureSummary || '').slice(0, 200))}));
}"""


def inject_axe(page) -> None:
    """Load axe-core into ``page``. Evaluated through the DevTools protocol, which the app's
    CSP (script-src 'self') does not apply to, so the page is checked as served."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make install-test` (npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))


def page_problems(page) -> list[str]:
    """What is wrong with the page shown: duplicate ids, form fields without a label, and
    axe-core violations of impact serious or critical. Empty when all is well."""
    problems = [f"duplicate id {id_!r}" for id_ in page.evaluate(DUPLICATE_IDS)]
    problems += [f"field without a label: {field}" for field in page.evaluate(UNLABELLED_FIELDS)]
    inject_axe(page)
    problems += [f"axe {v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"])
                 for v in page.evaluate(AXE_RUN)]
    return problems


def login(page, email: str, password: str = "demo12345") -> None:
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/home")
