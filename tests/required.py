"""Infrastructure a test needs (the OpenSearch node, the shared corpus, the compiled extensions).

On a developer's machine a missing piece skips the test with the reason; with CI=true it FAILS
the test: a CI run that silently skipped would test nothing."""
from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
