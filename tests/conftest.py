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
