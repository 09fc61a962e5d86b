"""`flask import FILE.jsonl`: a summary and exit 0, or each bad line as file:line: reason and a failure."""

from __future__ import annotations

import json

import sqlalchemy as sa

from network.extensions import db
from network.limits import DESCRIPTION_MAX, DETAIL_MAX, ORG_DESCRIPTION_MAX, REFERENCES_MAX
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


def test_deeply_nested_json_is_a_bad_line_not_a_crash(app, tmp_path):
    value = "72000000"
    for _ in range(400):
        value = [value]
    # Valid JSON, not too deep for the parser, but no record: its checks must not recurse on it.
    nested_field = {**LINES[2], "key": "n-2", "cpv": value}
    path = write(tmp_path / "deep.jsonl", [*LINES, "[" * 100_000, nested_field, '{"a":' * 30_000])

    result = run_import(app, path)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path}:5: invalid JSON: nested deeper than 10 levels" in result.stderr
    assert f"{path}:6: invalid JSON: nested deeper than 10 levels" in result.stderr
    assert f"{path}:7: invalid JSON" in result.stderr
    assert "3 invalid line(s); nothing was imported." in result.stderr
    assert count(Organisation) == 0


def test_only_a_line_feed_ends_a_line(app, tmp_path):
    # JSON allows these unescaped inside a string; str.splitlines() would cut the record in two.
    separators = "\u2028 \u2029 \x85"
    need = {**LINES[2], "description": f"Første avsnitt.{separators}Andre avsnitt."}
    path = tmp_path / "separators.jsonl"
    text = "\r\n".join(json.dumps(line, ensure_ascii=False) for line in [*LINES[:2], need, LINES[3]])
    path.write_text(text + "\r\n", encoding="utf-8", newline="")

    result = run_import(app, path)

    assert result.exit_code == 0, result.output
    assert "Imported 2 organisations, 1 need, 1 capability." in result.output
    description = db.session.scalar(sa.select(Need.description))
    # U+0085 is a C1 control: the services' clean() makes it a space, like any other.
    assert description == "Første avsnitt.\u2028 \u2029  Andre avsnitt."


def test_every_free_text_has_a_length_limit(app, tmp_path):
    org = {**LINES[1], "description": "x" * (ORG_DESCRIPTION_MAX + 1)}
    need = {**LINES[2], "description": "x" * (DESCRIPTION_MAX + 1)}
    affected = {**LINES[2], "key": "n-2", "affected": "x" * (DETAIL_MAX + 1)}
    outcome = {**LINES[2], "key": "n-3", "outcome": "x" * (DETAIL_MAX + 1)}
    references = {**LINES[3], "references": "x" * (REFERENCES_MAX + 1)}
    path = write(tmp_path / "long.jsonl", [LINES[0], org, need, affected, outcome, references])

    result = run_import(app, path)

    assert result.exit_code == 1
    assert f"{path}:2: invalid description: At most {ORG_DESCRIPTION_MAX} characters." in result.stderr
    assert f"{path}:3: invalid description: At most {DESCRIPTION_MAX} characters." in result.stderr
    assert f"{path}:4: invalid affected: At most {DETAIL_MAX} characters." in result.stderr
    assert f"{path}:5: invalid outcome: At most {DETAIL_MAX} characters." in result.stderr
    assert f"{path}:6: invalid references: At most {REFERENCES_MAX} characters." in result.stderr
    assert count(Organisation) == 0


def test_a_huge_line_is_refused_unread(app, tmp_path):
    app.config["IMPORT_MAX_LINE"] = 1000
    need = {**LINES[2], "description": "x" * 30 * 1024 * 1024}
    path = write(tmp_path / "huge.jsonl", [*LINES[:2], need])

    result = run_import(app, path)

    assert result.exit_code == 1
    assert f"{path}:3: line is {len(json.dumps(need))} characters long; at most 1000 are allowed" in (
        result.stderr
    )
    assert count(Need) == 0


def test_a_file_past_the_size_limit_is_refused(app, tmp_path):
    path = write(tmp_path / "data.jsonl", LINES)
    app.config["IMPORT_MAX_BYTES"] = 100

    result = run_import(app, path)

    assert result.exit_code == 1
    assert f"error: {path}: {path.stat().st_size} bytes; an import file can be at most 100 bytes" in (
        result.stderr
    )
    assert count(Organisation) == 0
