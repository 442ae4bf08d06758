"""Log records go to standard error as it is when they are written."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from atn_content.logs import CurrentStderr


def test_records_follow_a_swapped_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = CurrentStderr()
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler.emit(logging.makeLogRecord({"msg": "one"}))
    first.close()  # what a test runner does to the stream of a finished test
    monkeypatch.setattr(sys, "stderr", second)
    handler.emit(logging.makeLogRecord({"msg": "two"}))
    assert second.getvalue() == "two\n"
