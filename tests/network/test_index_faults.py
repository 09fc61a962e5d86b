"""A deleted or corrupt index folder: the site keeps serving pages, search says it is unavailable, saves
still succeed, and `flask reindex` brings search back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from network import indexing
from network.extensions import db
from network.indexing import close_index
from network.models import Need
from search import READY_LISTS_FILES, IndexUnavailableError, SearchQuery
from tests.index_files import INDEX_FILE_WARNINGS, collect_index_files  # noqa: F401 (autouse fixture)

pytestmark = INDEX_FILE_WARNINGS


SEARCH_DOWN = "Search is unavailable"
MATCHING_DOWN = "Matching suppliers and similar needs are unavailable"


@pytest.fixture
def app_config(app_config):
    # A real index folder, as in production.
    return {**app_config, "SEARCH_STORAGE": "file"}


@pytest.fixture
def site(app, make, client):
    body = make.public_body(name="Fjordby kommune")
    need = make.need(organisation=body, title="Ladeinfrastruktur for kommunale elbiler")
    make.capability(title="Ladestasjoner for elbiler", description="Ladeinfrastruktur og drift.")
    owner = make.user(organisation=body)
    assert _found(client, need)
    return {"need": need, "owner": owner, "dir": Path(app.config["SEARCH_INDEX_DIR"])}


def _found(client, need) -> bool:
    body = client.get("/api/needs?q=ladeinfrastruktur").get_json()
    return need.id in {item["id"] for item in body.get("items", [])}


def _delete(folder: Path) -> None:
    shutil.rmtree(folder)


def _index_files(folder: Path, toc: bool = True) -> list[Path]:
    # Every file of the index (whatever its segments are made of), but not the writers' lock.
    return [
        path
        for path in folder.iterdir()
        if path.is_file() and "WRITELOCK" not in path.name and (toc or path.suffix != ".toc")
    ]


def _truncate(folder: Path) -> None:
    for path in _index_files(folder):
        path.write_bytes(path.read_bytes()[:16])


def _garble(folder: Path, toc: bool = True) -> None:
    # Same length, other bytes: what a bad disk block or a half-copied backup looks like.
    for path in _index_files(folder, toc=toc):
        data = bytearray(path.read_bytes())
        for i in range(0, len(data), 5):
            data[i] = (data[i] * 31 + 7) % 256
        path.write_bytes(bytes(data))


def _garble_segments(folder: Path) -> None:
    _garble(folder, toc=False)


def _garble_toc(folder: Path) -> None:
    for path in folder.glob("*.toc"):
        path.write_bytes(b"not a table of contents")


def _assert_degraded(client, need, live: bool = False) -> None:
    """Pages answer; search and matching say they are unavailable. A process that was running when the
    index was damaged may instead still answer from what it had read (`live`): never a 500."""
    with client.session_transaction() as session:
        session["lang"] = "en"
    home = client.get("/")
    assert home.status_code == 200

    page = client.get("/search?q=ladeinfrastruktur")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert SEARCH_DOWN in text or (live and f'href="/needs/{need.id}"' in text)

    detail = client.get(f"/needs/{need.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert need.title in text
    if not live:
        assert MATCHING_DOWN in text

    api = client.get("/api/needs?q=ladeinfrastruktur")
    assert api.status_code in ((200, 503) if live else (503,))
    if api.status_code == 503:
        assert "error" in api.get_json()
    suppliers = client.get(f"/api/needs/{need.id}/suppliers")
    assert suppliers.status_code in ((200, 503) if live else (503,))
    # Pages that do not search are untouched.
    assert client.get("/needs").status_code == 200
    assert client.get(f"/api/needs/{need.id}").status_code == 200


def _save_still_works(app, client, site) -> None:
    """A save commits although the index cannot take it; its event waits for the rebuild."""
    need = site["need"]
    client.post("/login", data={"email": site["owner"].email, "password": "correct-horse-battery"})
    form = client.get(f"/needs/{need.id}/edit")
    assert form.status_code == 200
    data = {
        "title": "Ladeinfrastruktur for kommunale elbiler og busser",
        "description": need.description,
        "domain": "climate",
        "route": "market_dialogue",
        "cpv": "",
        "kommuner": "0301",
    }
    response = client.post(f"/needs/{need.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert db.session.get(Need, need.id).title.endswith("og busser")
    client.post("/logout")


def _reindex_in_another_process(app) -> None:
    """`flask reindex` as a fresh process sees the folder: a new app with its own index handle."""
    other = create_app(dict(app.config))
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["reindex"])
        close_index(other)
        db.session.remove()
        # Its own connection pool: closed here, not left to the garbage collector.
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output


@pytest.mark.parametrize("damage", [_delete, _truncate, _garble, _garble_toc], ids=lambda f: f.__name__[1:])
def test_a_damaged_index_degrades_search_until_reindex(app, client, site, damage):
    """The index is damaged while the site is down; it starts again on the damaged folder."""
    close_index(app)
    damage(site["dir"])

    _assert_degraded(client, site["need"])
    _save_still_works(app, client, site)
    _assert_degraded(client, site["need"])
    assert not _found(client, site["need"])

    _reindex_in_another_process(app)

    assert _found(client, site["need"])
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/search?q=busser")
    assert SEARCH_DOWN not in page.get_data(as_text=True)
    assert f'href="/needs/{site["need"].id}"' in page.get_data(as_text=True)
    assert MATCHING_DOWN not in client.get(f"/needs/{site['need'].id}").get_data(as_text=True)
    report = indexing.verify(indexing.get_index(app))
    assert report.clean, report


# Truncating files under a running process is left out: Whoosh maps segment files into memory, and a
# mapped file that shrinks ends the process with SIGBUS (a worker that gunicorn restarts, which then
# takes the path above).
@pytest.mark.parametrize(
    "damage",
    [_delete, _garble_segments, _garble],
    ids=lambda f: f.__name__[1:],
)
def test_an_index_damaged_while_the_site_runs(app, client, site, damage):
    damage(site["dir"])

    _assert_degraded(client, site["need"], live=True)
    _save_still_works(app, client, site)

    _reindex_in_another_process(app)

    # The running process picks up the rebuilt index without a restart.
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert _found(client, site["need"])
    assert MATCHING_DOWN not in client.get(f"/needs/{site['need'].id}").get_data(as_text=True)
    indexing.apply_pending(indexing.get_index(app))
    assert indexing.verify(indexing.get_index(app)).clean


def test_a_missing_folder_is_not_replaced_by_an_empty_index(app, site):
    """An empty index would answer every search with nothing and no explanation."""
    close_index(app)
    shutil.rmtree(site["dir"])
    index = indexing.get_index(app)
    with pytest.raises(IndexUnavailableError):
        index.search(SearchQuery(text="ladeinfrastruktur"))
    assert not site["dir"].exists()
    result = app.test_cli_runner().invoke(args=["index", "verify"])
    assert result.exit_code != 0
    # `flask setup` (run at every deploy) repairs it too.
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert indexing.verify(index).clean


def test_kept_match_lists_alone_are_no_index(app, client, site):
    """A folder that holds only the kept match lists has lost its index all the same."""
    assert client.get(f"/needs/{site['need'].id}").status_code == 200
    close_index(app)
    for path in site["dir"].iterdir():
        if path.name not in READY_LISTS_FILES:
            path.unlink()
    assert (site["dir"] / READY_LISTS_FILES[0]).exists()
    with pytest.raises(IndexUnavailableError):
        indexing.get_index(app).search(SearchQuery(text="ladeinfrastruktur"))


def test_a_new_installation_creates_its_index(app, tmp_path):
    """Nothing indexed yet: the first save creates the folder, as on an empty data directory."""
    close_index(app)
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    index = indexing.get_index(app)
    assert index.search(SearchQuery(text="noe")).total == 0
    assert Path(app.config["SEARCH_INDEX_DIR"]).is_dir()
