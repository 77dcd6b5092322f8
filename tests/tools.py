"""System tools the tests need (chromium, pdftotext, node): skip on a laptop without them,
fail in CI, where ERRATA_REQUIRE_TOOLS=1 says they must be there."""

from __future__ import annotations

import os
import shutil

import pytest


def required() -> bool:
    return os.environ.get("ERRATA_REQUIRE_TOOLS") == "1"


def require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    if required():
        pytest.fail(f"{name} is required here (ERRATA_REQUIRE_TOOLS=1): {why}")
    pytest.skip(f"{name} not installed: {why}")


def require(condition: bool, what: str) -> None:
    """Skip (or fail under ERRATA_REQUIRE_TOOLS=1) when a prerequisite other than a command is missing."""
    if condition:
        return
    if required():
        pytest.fail(f"required here (ERRATA_REQUIRE_TOOLS=1): {what}")
    pytest.skip(what)
