"""Blueprints: thin views that parse, authorise, call a service inside atomic(), and redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from grants.web import admin, auth, main

    for module in (auth, main, admin):
        app.register_blueprint(module.bp)
