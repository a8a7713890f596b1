"""Every audit action the dossier history can show reads in Vietnamese (found in the
screenshots: a rating showed as "dossier.rate" in the history)."""

import re
from pathlib import Path
from types import SimpleNamespace

from grants.services.ledger import AUDIT_ACTIONS
from grants.web.template_globals import event_label

PACKAGE = Path(__file__).resolve().parents[2] / "grants"
#: The prefixes of the actions recorded against a dossier (``audit.record(..., dossier=…)``).
DOSSIER_PREFIXES = ("dossier.", "ledger.", "payment.", "document.", "site_visit.",
                    "attachment.")


def recorded_actions() -> set[str]:
    found = set(AUDIT_ACTIONS.values())
    for path in PACKAGE.rglob("*.py"):
        found |= set(re.findall(r'audit\.record\(\s*"([a-z_.]+)"', path.read_text()))
    return found


def test_every_action_of_a_dossier_s_history_has_a_vietnamese_label():
    actions = {a for a in recorded_actions() if a.startswith(DOSSIER_PREFIXES)}
    assert {"dossier.rate", "ledger.recover", "ledger.pay"} <= actions  # the scan finds them
    unlabelled = sorted(a for a in actions
                        if event_label(SimpleNamespace(action=a)) == a)
    assert unlabelled == []
