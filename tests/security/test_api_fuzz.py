"""The API fuzzed from its own OpenAPI document by the schemathesis CLI, against a live server.

The app runs under gunicorn (production settings) on 127.0.0.1, on a scratch database seeded
with the demo data (a SQLite file, or its own PostgreSQL database when GRANTS_TEST_DATABASE_URL
is set, as in CI's second pass). ``schemathesis run --checks all`` with the phases examples,
coverage and fuzzing, a bounded number of examples per operation, once with an applicant's
token and once with a staff token (the head of division's): no server error, no answer that
breaks the document (status, content type, headers, body schema), no invalid request accepted
and no valid one refused.

Run it alone with ``python -m pytest tests/security/test_api_fuzz.py -s`` (prints the CLI
output), or by hand against any server as the command line in ``_command`` shows.

Checks switched off, and why:
- ``positive_data_acceptance``: a request can match the document and still be refused by a
  rule the document cannot express (a dossier id that exists but is in another state → 409,
  an appraiser id that is not an appraiser → 422, a year with no program → 422/404). The
  document lists those answers; schemathesis counts a 4xx on "valid" data as a finding.
- ``use_after_free`` and ``ensure_resource_availability``: they need a DELETE or a GET on the
  resource a POST created; the API deletes nothing, and the fuzzed POST of a dossier by a
  staff token files it for an organisation whose applicant is not that token, so the checks
  only re-test access rules the access matrix covers.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.server import Server, app_on, migrated, scratch_database

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("GRANTS_FUZZ_EXAMPLES", "5"))
EXCLUDED_CHECKS = ("positive_data_acceptance", "use_after_free",
                   "ensure_resource_availability")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _seed(app) -> dict[str, str]:
    """Demo data (accounts, year, catalogue, 40 dossiers in every state) and two tokens."""
    from grants.extensions import db
    from grants.models import User
    from grants.services import accounts

    result = app.test_cli_runner().invoke(args=["seed-demo", "--dossiers", "40"])
    assert result.exit_code == 0, result.output
    tokens = {}
    for who, email in (("applicant", "applicant@demo.vn"), ("staff", "chicuc@demo.vn")):
        user = db.session.scalar(db.select(User).where(User.email == email))
        tokens[who] = accounts.issue_api_token(user, label=f"fuzz {who}")
    db.session.commit()
    return tokens


def _command(base: str, token: str, report: Path) -> list[str]:
    return [str(SCHEMATHESIS), "run", f"http://{base}/api/v1/openapi.json",
            "--checks", "all", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(MAX_EXAMPLES), "--seed", "43", "--workers", "1",
            "--generation-deterministic", "--no-shrink", "--request-timeout", "30",
            "--suppress-health-check", "all", "--no-color", "--output-truncate", "true",
            "--warnings", "off",
            "-H", f"Authorization: Bearer {token}",
            "--report", "junit", "--report-junit-path", str(report)]


def test_schemathesis_finds_nothing_against_a_live_server(tmp_path):
    uploads = tmp_path / "uploads"
    with scratch_database(tmp_path, "fuzz") as url:
        migrated(url)
        with app_on(url, uploads) as app:
            tokens = _seed(app)
        server = Server(url, uploads, tmp_path / "gunicorn.log").start(timeout=120)
        outputs, failed = [], []
        try:
            # Both tokens at once: the server has threads to spare while either client thinks.
            started = time.monotonic()
            runs = {who: subprocess.Popen(_command(server.base, token, tmp_path / f"{who}.xml"),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, cwd=tmp_path)  # its cache stays there
                    for who, token in tokens.items()}
            for who, run in runs.items():
                output, _ = run.communicate(timeout=900)
                took = time.monotonic() - started
                outputs.append(f"--- {who} (done after {took:.0f} s)\n{output[-6000:]}")
                if run.returncode != 0:
                    failed.append(who)
        finally:
            for run in locals().get("runs", {}).values():
                if run.poll() is None:
                    run.kill()
            server.stop()
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")
        print("\n".join(outputs))
        assert "Traceback" not in log, log[-4000:]
        assert not failed, "\n".join(outputs)


if __name__ == "__main__":  # pragma: no cover - a manual run
    print(json.dumps(_command("127.0.0.1:5000", "TOKEN", Path("report.xml"))))
