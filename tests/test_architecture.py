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
                 for p in [*(ROOT / "grants" / "services").glob("*.py"),
                           *(ROOT / "grants" / "demo").rglob("*.py")]
                 if (lines := _calls_commit(p))}
    assert offenders == {}


# --- Import rules (README "Layout"): each layer imports only what is below it --------------------

GRANTS = ROOT / "grants"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, at any depth (function-level imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _is_flask(module: str) -> bool:
    top = module.split(".")[0]
    return top == "flask" or top.startswith("flask_")


def _offenders(folders, rule) -> dict[str, list[str]]:
    result = {}
    for folder in folders:
        base = GRANTS / folder
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            bad = [f"{line}: {module}" for line, module in _imports(path) if rule(path, module)]
            if bad:
                result[str(path.relative_to(ROOT))] = bad
    return result


def test_services_models_and_queries_import_nothing_from_flask():
    """Services, models, reads, demo data, letters and exports get what they need from the edge
    (config values, the client address, page sizes) and are usable outside a request."""
    layers = ("domain", "services", "models", "queries", "demo", "letters", "exports",
              "charts.py", "api_schemas.py")
    assert _offenders(layers, lambda path, module: _is_flask(module)) == {}


def _blueprint_modules() -> set[str]:
    return {f"grants.web.{p.stem}" for p in (GRANTS / "web").glob("*.py")
            if "Blueprint(" in p.read_text(encoding="utf-8")}


def test_blueprints_do_not_import_each_other():
    """Shared web helpers live in non-blueprint modules (grants/web/actions.py …)."""
    blueprints = _blueprint_modules()
    assert len(blueprints) >= 10  # the rule below must have something to check

    def imports_a_blueprint(path, module):
        return any(module == bp or module.startswith(bp + ".") for bp in blueprints)

    assert _offenders(("web",), imports_a_blueprint) == {}


def test_lower_layers_do_not_import_the_web_layer():
    lower = ("domain", "services", "models", "queries", "demo", "letters", "exports", "forms")
    assert _offenders(lower, lambda path, module: module.startswith("grants.web")) == {}


def test_reads_models_and_papers_do_not_import_use_cases():
    """The read side, the models, the papers and the forms sit below the use cases."""
    below = ("domain", "models", "queries", "letters", "exports", "forms", "charts.py")
    assert _offenders(below, lambda path, module: module.startswith("grants.services")) == {}


def test_papers_and_charts_take_plain_data():
    """Letters, exports and charts are given their figures; they query nothing themselves."""
    def reads_the_database(path, module):
        return module.startswith(("grants.queries", "grants.models", "grants.extensions",
                                  "sqlalchemy"))

    assert _offenders(("letters", "exports", "charts.py"), reads_the_database) == {}


def test_domain_imports_no_other_layer():
    def outside_the_domain(path, module):
        return module.startswith("grants.") and not module.startswith("grants.domain")

    assert _offenders(("domain",), outside_the_domain) == {}


def test_nothing_below_the_edge_commits():
    offenders = {str(p.relative_to(ROOT)): lines
                 for folder in ("services", "queries", "demo", "models", "letters", "exports")
                 for p in (GRANTS / folder).rglob("*.py")
                 if (lines := _calls_commit(p))}
    assert offenders == {}
