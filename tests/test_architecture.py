"""Layering rules: the domain is framework-free; services never commit; models match migrations."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_domain_is_framework_free():
    modules = sorted(p.stem for p in (ROOT / "grants" / "domain").glob("*.py")
                     if p.stem != "__init__")
    imports = ";".join(f"import grants.domain.{m}" for m in modules)
    probe = (f"import sys; {imports}; "
             "bad = {'flask', 'sqlalchemy', 'wtforms', 'holidays', 'pandas'} & set(sys.modules); "
             "assert not bad, bad")
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)


def test_letters_and_exports_do_not_import_flask():
    probe = ("import sys, grants.letters, grants.exports.spreadsheets; "
             "assert 'flask' not in sys.modules")
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)


def _calls_commit(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    def is_session(node) -> bool:  # db.session.commit(), session.commit(), conn.commit()
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        return name in {"session", "conn", "connection"}

    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit" and is_session(node.func.value)]


def test_services_never_commit():
    offenders = {str(p.relative_to(ROOT)): lines
                 for p in (ROOT / "grants" / "services").glob("*.py")
                 if (lines := _calls_commit(p))}
    assert offenders == {}
