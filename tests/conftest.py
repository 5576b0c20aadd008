"""Shared fixtures: knowledge bases built with the real build code; state databases on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.build import build
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase

TINY = Path(__file__).parent / "data" / "kb"


@pytest.fixture(scope="session")
def tiny_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The tiny fixture KB from tests/data/kb."""
    out = tmp_path_factory.mktemp("tiny") / "kb.sqlite"
    build(TINY, out)
    return KnowledgeBase.open(out)


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The real curated knowledge base from knowledge/."""
    out = tmp_path_factory.mktemp("real") / "kb.sqlite"
    build(DEFAULT_KNOWLEDGE_DIR, out)
    return KnowledgeBase.open(out)


# ---- the state database on both engines ----------------------------------------------------------------------
# PostgreSQL comes from the pip-installed `pgserver` (PostgreSQL binaries in a wheel), started once per session in
# a temporary folder and deleted at the end. Run as root, pgserver runs the server as a system user `pgserver`
# that it creates (useradd) and opens the folders above its data directory to that user. Where the server cannot
# start, every PostgreSQL test is skipped with the reason.


@pytest.fixture(scope="session")
def postgres_server():  # noqa: ANN201 - pgserver.PostgresServer (its import is optional)
    """This session's PostgreSQL server (pgserver), or a skip saying why it cannot start here."""
    pgdata = None
    try:
        pgdata = Path(tempfile.mkdtemp(prefix="strikebot-pg-"))
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset (pgserver's lock file)
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(pgdata, cleanup_mode="delete")
    except Exception as exc:  # noqa: BLE001 - whatever stops the server starting (or importing) is the reason
        if pgdata is not None:
            shutil.rmtree(pgdata, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not start here: {type(exc).__name__}: {exc}")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server, request: pytest.FixtureRequest) -> str:  # noqa: ANN001
    """A postgresql:// URL of a new, empty database for this test, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(postgres_server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    yield postgres_server.get_uri(name)
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


ENGINES = ["sqlite", "postgresql"]


def state_target_for(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A fresh state database on `engine`: a file under `tmp_path`, or a new PostgreSQL database's URL."""
    return tmp_path / "state.sqlite" if engine == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture(params=ENGINES)
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A fresh, empty state database, once per engine: a SQLite file Path, or a postgresql:// URL."""
    return state_target_for(request.param, request, tmp_path)
