"""Keys of the shared cache: per database and per release of the code."""

from grants.queries.reports import cache


def test_a_new_release_never_reads_what_the_previous_one_stored(monkeypatch):
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/grants",
              "CACHE_KEY_PREFIX": "grants:"}
    before = cache.cache_settings(config)["CACHE_KEY_PREFIX"]
    assert cache.code_version() in before
    monkeypatch.setattr(cache, "code_version", lambda: "0123456789ab")
    after = cache.cache_settings(config)["CACHE_KEY_PREFIX"]
    assert after != before and after.startswith("grants:") and "0123456789ab" in after


def test_the_code_version_is_a_digest_of_the_code():
    version = cache.code_version()
    assert len(version) == 12 and int(version, 16) >= 0
