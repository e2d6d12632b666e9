"""LOG_JSON: one JSON object a line, with the job event's fields."""

import json
import logging

from leadengine.logs import JsonFormatter


def test_it_writes_one_json_object_a_line_with_the_extra_fields():
    record = logging.LogRecord(
        "leadengine.jobs", logging.INFO, __file__, 1, "job %s completed in %.1fs", ("abc", 2.5), None
    )
    record.job_id, record.owner, record.event, record.duration = "abc", 7, "completed", 2.5
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "job abc completed in 2.5s" and entry["level"] == "INFO"
    assert (entry["job_id"], entry["owner"], entry["event"], entry["duration"]) == (
        "abc",
        7,
        "completed",
        2.5,
    )
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_kept_in_the_same_line():
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]
