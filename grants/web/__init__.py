"""Blueprints: thin views that parse, authorise, call a service inside atomic(), and redirect.

Blueprints do not import each other; what several share lives in modules that are not
blueprints: ``actions`` (run a service from a view and show its error), ``work_lists``,
``downloads``, ``fragments``, ``nav`` and ``template_globals``.
"""

from importlib import import_module

from flask import Flask

from grants.web.template_globals import register_template_globals

# One module per work area; each defines ``bp``.
BLUEPRINTS = [
    "auth",
    "main",
    "admin",
    "applicant",
    "public",
    "api",
    "finance",
    "budget",
    "reports",
    "dossiers",
    "intake",
    "review",
    "appraisal",
    "decisions",
    "records",
    "processing",
    "webhooks",
    "identity",
    "verification",
    "privacy",
    "notifications",
    "jobs",
    "authenticity",
]


def register_blueprints(app: Flask) -> None:
    """Every blueprint, and the template globals their templates share."""
    register_template_globals(app)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"grants.web.{name}").bp)
