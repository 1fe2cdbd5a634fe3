"""Fixtures of the card register's tests."""

import pytest

from tests.usage.offline_helpers import scene


@pytest.fixture
def world(net):
    """The import tests' scene at Venue A: shows, cards and a capped offering."""
    return scene(net)
