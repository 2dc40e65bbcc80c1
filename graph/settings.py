"""Settings read from options or `MAILLAGE_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one maillage instance.

    Every field can be set by an environment variable of the same name with the prefix
    `MAILLAGE_`, for example `MAILLAGE_STORE_PATH=/srv/maillage/store`.
    """

    model_config = SettingsConfigDict(env_prefix="MAILLAGE_", extra="ignore")

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
        description="Bearer token that grants the editor role until users exist.",
    )
    query_timeout: float = Field(
        default=30.0, gt=0, description="Time limit of one SPARQL query, in seconds."
    )
    max_result_rows: int = Field(
        default=100_000, gt=0, description="Most solutions or triples one query may return."
    )
    max_body_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Largest request body, in bytes."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    federation_allowlist: list[str] = Field(
        default_factory=list,
        description="SPARQL endpoints that queries may name in SERVICE.",
    )

    @field_validator("base_iri")
    @classmethod
    def _check_base_iri(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base IRI {value!r} must start with http:// or https://")
        return value.rstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit values taking precedence."""
    values = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**values)
