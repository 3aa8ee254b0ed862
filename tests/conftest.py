"""Shared fixtures."""
import pytest

from ogi.cache import pipeline_version


@pytest.fixture
def fixed_pipeline_version(monkeypatch):
    """Pin the cache's pipeline version: an edit to extract/ or normalize/ elsewhere in the checkout
    while a test runs must not invalidate the cache between its two builds."""
    monkeypatch.setenv("OGI_PIPELINE_VERSION", "tests")
    pipeline_version.cache_clear()
    yield
    pipeline_version.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def no_complete_report_with_unread_cells(tmp_path_factory):
    """Over every reports.csv the suite writes: no report is `complete` while cells are unread."""
    yield
    from tests.status_check import incomplete_but_complete
    bad = incomplete_but_complete(tmp_path_factory.getbasetemp())
    assert not bad, f"reports marked complete with coverage below 1: {bad[:10]}"
