"""Grant management for Resolution 43/2022/NQ-HĐND (support for advanced management standards)."""

__version__ = "0.1.0"


def create_app(config_class=None):
    """Entry point for ``flask --app grants``; Flask is imported only when it is called."""
    from grants.app import create_app as _create_app

    return _create_app(config_class)
