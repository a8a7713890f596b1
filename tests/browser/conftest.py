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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app served on 127.0.0.1 (a fresh database with demo data)."""
    from flask_migrate import upgrade

    from grants.app import create_app
    from grants.db import atomic
    from grants.services import demo

    root = tmp_path_factory.mktemp("live")

    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{root / 'live.sqlite'}"
        UPLOAD_DIR = str(root / "uploads")
        WTF_CSRF_ENABLED = True  # the browser goes through the real CSRF protection

    app = create_app(LiveConfig)
    with app.app_context():
        upgrade()
        with atomic():
            demo.seed_base()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages (one browser context each, like separate people); phone=True gives
    a phone-width viewport."""
    contexts = []

    def make(phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(base_url=live_server, viewport=viewport, locale="vi-VN")
        contexts.append(context)
        return context.new_page()

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


def login(page, email: str, password: str = "demo12345") -> None:
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/home")
