"""Settings read from options or `MAILLAGE_*` environment variables."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)


class Settings(BaseSettings):
    """Configuration of one maillage instance.

    Every field can be set by an environment variable of the same name with the prefix
    `MAILLAGE_`, for example `MAILLAGE_STORE_PATH=/srv/maillage/store`.
    """

    model_config = SettingsConfigDict(env_prefix="MAILLAGE_", extra="ignore")
    # True when no option or variable set the base IRI and it came from host and port.
    _base_iri_derived: bool = PrivateAttr(default=False)

    store_path: Path = Field(
        default=Path("var/store"), description="Folder of the Oxigraph store on disk."
    )
    data_path: Path = Field(
        default=Path("var/data"),
        description="Folder of uploaded files, users and the search index.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port of the server.")
    base_iri: str = Field(
        default="http://127.0.0.1:8000",
        description="Base of every item IRI, without a trailing slash.",
    )
    legal_texts_path: Path | None = Field(
        default=None,
        description="Folder of the legal texts as Markdown articles; acts are read from it.",
    )
    editor_token: str | None = Field(
        default=None,
        description="Bootstrap bearer token that acts as the editor 'editor', beside "
        "the tokens of user accounts; leave it unset once editors have accounts.",
    )
    admin_token: str | None = Field(
        default=None,
        description="Bootstrap bearer token that acts as the administrator "
        "'administrator', to create the first accounts and tokens through the API.",
    )
    query_timeout: float = Field(
        default=30.0, gt=0, description="Time limit of one SPARQL query, in seconds."
    )
    query_workers: int = Field(
        default=4,
        ge=1,
        description="Worker processes that evaluate SPARQL queries, started on demand.",
    )
    max_concurrent_queries: int = Field(
        default=4,
        ge=1,
        description="Maximum SPARQL queries one client (bearer token or address) may "
        "run at once; more get 429.",
    )
    max_result_rows: int = Field(
        default=100_000, gt=0, description="Maximum solutions or triples one query may return."
    )
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest request body, in bytes."
    )
    max_query_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        description="Largest SPARQL query or update text, in UTF-8 bytes; more get 413.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    federation_allowlist: list[str] = Field(
        default_factory=list,
        description="SPARQL endpoints that queries may name in SERVICE.",
    )
    sparql_backend_url: str | None = Field(
        default=None,
        description="Query URL of a SPARQL 1.1 server that keeps the quads, such as "
        "Virtuoso's /sparql-auth; unset, the embedded store at store_path does.",
    )
    sparql_update_url: str | None = Field(
        default=None,
        description="Update URL of that server; unset, updates go to the query URL.",
    )
    sparql_graph_store_url: str | None = Field(
        default=None,
        description="Graph Store Protocol URL of that server, for bulk loads; unset, "
        "bulk loads send batches of INSERT DATA.",
    )
    sparql_backend_user: str | None = Field(
        default=None, description="Account on that server; unset, requests go anonymous."
    )
    sparql_backend_password: SecretStr | None = Field(
        default=None, description="Password of that account."
    )
    sparql_backend_auth: Literal["digest", "basic"] = Field(
        default="digest",
        description="HTTP authentication scheme of that server: Virtuoso's /sparql-auth "
        "takes digest.",
    )

    @field_validator("base_iri")
    @classmethod
    def _check_base_iri(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base IRI {value!r} must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _derive_base_iri(self) -> Settings:
        # Without an explicit base, item IRIs dereference at the address being served.
        if "base_iri" not in self.model_fields_set:
            self.base_iri = f"http://{self.host}:{self.port}"
            self._base_iri_derived = True
        return self


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit values taking precedence.

    The base IRI is then the one recorded beside the store (`settle_base_iri`).
    """
    values = {key: value for key, value in overrides.items() if value is not None}
    return settle_base_iri(Settings(**values))


def base_iri_file(settings: Settings) -> Path:
    """Return the file that records the base IRI of the store's items."""
    path = settings.store_path
    return path.parent / f"{path.name}.base-iri"


def settle_base_iri(settings: Settings) -> Settings:
    """Use the base IRI recorded with the store, or record this one for a new store.

    Item IRIs are minted under the base IRI, so a store read under another base shows
    none of its items. Without an explicit base the one derived from the host and port
    would change with the port: the recorded base wins then. An explicit base that
    differs from the recorded one raises `ValueError`, because the items would vanish.
    """
    record = base_iri_file(settings)
    if not record.exists():
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(settings.base_iri + "\n", encoding="utf-8")
        logger.info("base IRI %s recorded in %s", settings.base_iri, record)
        return settings
    recorded = record.read_text(encoding="utf-8").strip()
    if recorded == settings.base_iri:
        return settings
    if not settings._base_iri_derived:
        raise ValueError(
            f"base IRI {settings.base_iri!r} differs from {recorded!r}, the base of the "
            f"items of the store at {settings.store_path} (recorded in {record}); use "
            "that base, or another store path for a new store"
        )
    logger.info(
        "item IRIs start with %s, the base recorded with the store, not %s",
        recorded,
        settings.base_iri,
    )
    settings.base_iri = recorded
    return settings
