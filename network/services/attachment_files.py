"""The attachments' files in backups: `flask backup PATH` copies UPLOAD_FOLDER to PATH.attachments/
beside the database's copy, and `flask restore PATH` brings them back. The files never change once
written (a new upload is a new random name), so a copy is a consistent set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def folder_for(backup_path: Path) -> Path:
    """Where a backup's attachment files are: beside it, named after it."""
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + ".attachments")


def _files(source: Path) -> list[Path]:
    if not source.is_dir():
        return []
    # Dot files are uploads still being received (".<name>.partial").
    return sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))


def backup_files(source: Path, backup_path: Path) -> int:
    """Copy every attachment file to the backup's folder (written aside, then put in place, replacing
    an older copy of the same backup). Run after the database's copy: an attachment deleted in
    between leaves its row without a file, which the site answers as missing (404)."""
    target = folder_for(backup_path)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    files = _files(Path(source))
    for path in files:
        shutil.copy2(path, partial / path.name)
    old = target.with_name(f".{target.name}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(partial, target)
    shutil.rmtree(old, ignore_errors=True)
    return len(files)


def restore_files(backup_path: Path, destination: Path) -> int | None:
    """Copy a backup's attachment files into UPLOAD_FOLDER; None when the backup has none (made
    before attachments, or its folder was not kept with it). Files already there are left: names are
    random and files never change, so one of the same name is the same file."""
    source = folder_for(backup_path)
    if not source.is_dir():
        return None
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    copied = 0
    for path in _files(source):
        if not (destination / path.name).exists():
            shutil.copy2(path, destination / path.name)
            copied += 1
    return copied
