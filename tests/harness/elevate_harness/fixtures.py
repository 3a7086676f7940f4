"""pytest fixtures (loaded as a plugin by tests/pytest.ini): one isolated headless desktop
per test, and the path of the built app."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from .session import DesktopSession

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("ELEVATE_ARTIFACTS", ROOT / "target" / "test-artifacts"))


@pytest.fixture
def app_bin() -> str:
    path = os.environ.get("ELEVATE_APP_BIN", "")
    if not path or not Path(path).is_file():
        pytest.fail("ELEVATE_APP_BIN must name the built `elevate` binary: run the desktop tests "
                    "through `make test` (or `make test-desktop`)")
    return path


@pytest.fixture
def desktop(request: pytest.FixtureRequest) -> Iterator[DesktopSession]:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    # Each run starts clean: logs and screenshots of an earlier run must not mislead.
    shutil.rmtree(ARTIFACTS / name, ignore_errors=True)
    with DesktopSession(ARTIFACTS / name) as session:
        yield session
