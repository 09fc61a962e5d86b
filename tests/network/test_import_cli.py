"""`flask import FILE.jsonl`: a summary and exit 0, or each bad line as file:line: reason and a failure."""

from __future__ import annotations

import json

from network.models import Need, Organisation
from tests.helpers import count

LINES = [
    {
        "type": "organisation",
        "key": "974760673",
        "kind": "public_body",
        "name": "Oslo kommune",
        "org_number": "974760673",
        "sector": "municipality",
        "kommune": "0301",
        "verified": True,
    },
    {
        "type": "organisation",
        "key": "acme",
        "kind": "supplier",
        "name": "Acme AS",
        "country": "NO",
        "org_number": "923609016",
    },
    {
        "type": "need",
        "key": "n-1",
        "organisation": "974760673",
        "title": "Digital nattevakt",
        "description": "Sensorer i omsorgsboliger.",
        "domain": "digital",
        "cpv": ["72000000"],
        "kommuner": ["0301"],
        "stage": "open",
    },
    {
        "type": "capability",
        "key": "c-1",
        "organisation": "acme",
        "title": "Sensorplattform",
        "description": "Varsling for hjemmetjenesten.",
        "domains": ["digital"],
        "cpv": ["72200000"],
        "fylker": ["03"],
    },
]


def write(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def run_import(app, path):
    return app.test_cli_runner().invoke(args=["import", str(path)])


def test_import_prints_a_summary(app, tmp_path):
    path = write(tmp_path / "data.jsonl", LINES)

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert "Imported 2 organisations, 1 need, 1 capability." in result.output
    # Indexing a large file takes a while after the last record: it says how far it got.
    assert "indexed 4/4 changes" in result.output
    assert count(Need) == 1

    again = run_import(app, path)
    assert again.exit_code == 0, again.output
    assert "Imported 2 organisations, 1 need, 1 capability (4 updated)." in again.output
    assert count(Organisation) == 2


def test_bad_lines_are_listed_and_nothing_is_imported(app, tmp_path):
    bad_capability = {**LINES[3], "key": "c-2", "colour": "red"}
    bad_need = {**LINES[2], "key": "n-2", "organisation": "nobody"}
    path = write(tmp_path / "bad.jsonl", [*LINES, "{oops", bad_capability, bad_need])

    result = run_import(app, path)

    assert result.exit_code != 0
    assert f"{path}:5: invalid JSON" in result.stderr
    assert f"{path}:6: unknown field 'colour'" in result.stderr
    assert f"{path}:7: organisation 'nobody' is not in this file or the database" in result.stderr
    assert "3 invalid line(s); nothing was imported." in result.stderr
    assert count(Organisation) == 0
    assert count(Need) == 0


def test_missing_file(app, tmp_path):
    result = run_import(app, tmp_path / "absent.jsonl")

    assert result.exit_code != 0
    assert "no such file" in result.stderr


def test_control_characters_are_reported_not_crashed_on(app, tmp_path):
    path = tmp_path / "nul.jsonl"
    path.write_text(
        '{"type":"organisation","key":"a\\u0000b","kind":"supplier","name":"X\\u0000Y"}\n'
        '{"type":"need","key":"n","organisation":"o\\u0000","title":"T"}\n'
    )
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "nul.jsonl:1: key contains a NUL character" in result.output
    assert "nul.jsonl:2: organisation contains a NUL character" in result.output
