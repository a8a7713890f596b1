"""A signing certificate for apps started with the production settings in tests (production
refuses to start without one, issue 14 point 7): a self-signed PKCS#12 written once per process."""

import functools
import tempfile
from pathlib import Path

PASSWORD = "test-signing"  # noqa: S105


@functools.cache
def certificate_path() -> str:
    from grants.letters.signing import make_demo_pkcs12

    path = Path(tempfile.mkdtemp(prefix="grants-cert-")) / "agency.p12"
    path.write_bytes(make_demo_pkcs12(PASSWORD))
    return str(path)


def certificate_env() -> dict[str, str]:
    """The GRANTS_* variables naming it (for a server or command started as a process)."""
    return {"GRANTS_SIGNING_P12_PATH": certificate_path(),
            "GRANTS_SIGNING_P12_PASSWORD": PASSWORD}


def certificate_settings() -> dict[str, str]:
    """The same as config attributes (for ``create_app`` with a production config class)."""
    return {"SIGNING_P12_PATH": certificate_path(), "SIGNING_P12_PASSWORD": PASSWORD}
