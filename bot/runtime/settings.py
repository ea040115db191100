"""The bot's settings, from the environment or a .env file. BOT_TOKEN is the only one a
newcomer has to set."""

from typing import Annotated

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
    # (more with paid broadcasts); 25 leaves room for the answers to citizens. Several bot
    # processes share the work, each at this rate: divide it among them.
    broadcast_per_second: float = Field(default=25.0, gt=0)

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value
