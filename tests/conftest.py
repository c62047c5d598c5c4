"""Shared by every test module: test names must be the same in every process that collects them
(the test command runs two workers), so none may hold a memory address or a set's order."""
import os
import re
import sys
from pathlib import Path

import numpy  # noqa: F401  (imported first: the settings below are for the kernels, not for us)
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import numerics  # noqa: E402  (tools/numerics.py)

# nbval's kernels inherit this process's environment: they compute the stored outputs' way
numerics.pin(os.environ)


def pytest_collection_modifyitems(items):
    unstable = [item.nodeid for item in items if re.search(r" at 0x[0-9a-f]+", item.nodeid)]
    if unstable:
        raise pytest.UsageError("test ids that name a memory address differ between processes; "
                                "give the parametrize call ids (or drop ids=str): "
                                + ", ".join(unstable[:3]))
