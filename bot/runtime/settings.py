"""The bot's settings, from the environment or a .env file. BOT_TOKEN is the only one a
newcomer has to set."""

import hashlib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.database import DEFAULT_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_URL
    # Another Bot API server (a self-hosted one, a test server); Telegram's own when empty.
    bot_api_url: str | None = None
    # Telegram ids of the staff told of each new idea: STAFF_IDS=12345,67890
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # The edition the bot serves (its slug); the one loaded last when empty.
    edition: str | None = None
    # How long the bot trusts its copy of the edition before reading it again, so that a
    # phase opened by hand or a reloaded file is seen within that time.
    edition_refresh_seconds: float = 5.0
    # Campaign messages per second: Telegram's limit is about 30 for everything the bot sends
    # (more with paid broadcasts); 25 leaves room for the answers to citizens. Processes
    # started together (`--workers`) share it; separate machines each take it: divide it.
    broadcast_per_second: float = Field(default=25.0, gt=0)
    # Messages per second of the campaigns staff chose to send as paid broadcasts (Telegram
    # allows up to 1 000 and charges 0.1 Star per message above the free 30); shared alike.
    paid_broadcast_per_second: float = Field(default=1000.0, gt=0, le=1000)
    # The public https address Telegram sends updates to; long polling when empty.
    webhook_url: str | None = None
    # What Telegram puts in each webhook request's header; derived from the token when empty,
    # so that every process and replica agrees on it without one more secret to share.
    webhook_secret: SecretStr | None = None
    # How many webhook requests Telegram may have under way at once (1 to 100).
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Where the webhook, /healthz, /readyz and /metrics are served.
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Processes serving the webhook together (PostgreSQL only).
    workers: int = Field(default=1, ge=1, le=64)
    # With Redis, one chat's updates take turns across processes under a lock held there;
    # without, under a lock held in PostgreSQL.
    redis_url: str | None = None
    log_format: Literal["json", "text"] = "json"
    # The key that seals the secret ballot and fingerprints phone numbers, kept outside the
    # database; created at the first start. Back it up apart from the database.
    secret_key_file: Path = Path("pbbot.key")
    # How long personal data is kept once nobody needs it: conversations left untouched, and,
    # after the vote's close, where citizens came from and how to reach them (followers of
    # funded projects are told of their progress until then).
    retention_days: int = Field(default=730, ge=1)

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("webhook_url", "redis_url", "bot_api_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value().strip() if self.bot_token else ""

    @property
    def secret_token(self) -> str:
        """Telegram allows letters, digits, _ and - in the secret, up to 256 characters."""
        if self.webhook_secret is not None and self.webhook_secret.get_secret_value():
            return self.webhook_secret.get_secret_value()
        return hashlib.sha256(f"pbbot-webhook:{self.token}".encode()).hexdigest()
