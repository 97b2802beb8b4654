"""Runtime settings, from the environment (prefix ``PSOTRIAL_``), built once and passed down.

Study rules never live here: they belong to the protocol file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "DEMO_SECRET_KEY", "Settings", "get_settings"]

DEFAULT_DATABASE_URL = "sqlite:///var/psotrial.db"
# Good enough for the synthetic demo only: `psotrial serve` refuses it for a real study.
DEMO_SECRET_KEY = "psotrial-demo-secret-key-not-for-real-studies"


class Settings(BaseSettings):
    """psotrial's settings.

    ``database_url``: ``PSOTRIAL_DATABASE_URL``; SQLite (the default, a file under ``var/``)
    or PostgreSQL (``postgresql+psycopg://user@host:5432/db``) for multi-site deployments.
    ``protocol``: ``PSOTRIAL_PROTOCOL``, the built-in protocol name or a YAML path.
    ``secret_key``: ``PSOTRIAL_SECRET_KEY``, signs session cookies, tokens and CSRF tokens.
    ``session_idle_minutes`` / ``session_hours``: idle and absolute session lifetimes.
    ``secure_cookies``: mark cookies Secure (set when served behind HTTPS).
    """

    model_config = SettingsConfigDict(env_prefix="PSOTRIAL_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    protocol: str = "nct03745417"
    secret_key: str = DEMO_SECRET_KEY
    session_idle_minutes: int = 30
    session_hours: int = 12
    secure_cookies: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if not url.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError(
                f"unsupported database URL {url!r}; expected sqlite:///PATH or "
                "postgresql+psycopg://USER@HOST:PORT/DB"
            )
        return url

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for PostgreSQL or an in-memory database."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix) or self.database_url == "sqlite://":
            return None
        path = self.database_url.removeprefix(prefix)
        return None if path in ("", ":memory:") else Path(path)


def get_settings() -> Settings:
    """Read the settings from the environment (call once, at the edge, and pass down)."""
    return Settings()
