"""Blueprints: thin views that parse, authorise, call a service inside atomic(), and redirect."""

from importlib import import_module

from flask import Flask

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
]


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"grants.web.{name}").bp)
