"""For tests that run a real index folder through faults, rebuilds or several processes.

Files of the index left open are closed by the garbage collector, with a ResourceWarning: Whoosh 2.7.4
leaves the table of contents open when it cannot unpickle it (whoosh.index.TOC.read), and segment
files of replaced readers are dropped unclosed when the index changes. Only warnings about the
index's own files are ignored (`pytestmark = INDEX_FILE_WARNINGS`), and `collect_index_files`, imported
into the test module, collects them before the next test starts."""

from __future__ import annotations

import gc

import pytest

from network.indexing import close_index

INDEX_FILE_WARNINGS = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/index/[^']*'"
    r":pytest.PytestUnraisableExceptionWarning",
    r"ignore:unclosed file <_io.BufferedReader name='[^']*/index/[^']*'>:ResourceWarning",
)


@pytest.fixture(autouse=True)
def collect_index_files(app):
    yield
    close_index(app)
    gc.collect()
