"""Shared by every test module: test names must be the same in every process that collects them
(the test command runs two workers), so none may hold a memory address or a set's order."""
import re

import pytest


def pytest_collection_modifyitems(items):
    unstable = [item.nodeid for item in items if re.search(r" at 0x[0-9a-f]+", item.nodeid)]
    if unstable:
        raise pytest.UsageError("test ids that name a memory address differ between processes; "
                                "give the parametrize call ids (or drop ids=str): "
                                + ", ".join(unstable[:3]))
