"""Logs as structured lines (JSON by default): each line says which update and chat it is
about, never the bot's token or any other secret, never what a citizen wrote."""

import json
import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

from pydantic import ValidationError

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
chat_id_var: ContextVar[int | None] = ContextVar("chat_id", default=None)

REDACTED = "[secret]"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, var in (("update_id", update_id_var), ("chat_id", chat_id_var)):
            value = var.get()
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        update, chat = update_id_var.get(), chat_id_var.get()
        return text if update is None else f"{text} [update {update} chat {chat}]"


class Redact(logging.Filter):
    """Takes secrets out of every line and its traceback, and the values a citizen typed out
    of validation errors (pydantic repeats the input it refused)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len)[::-1]
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            if isinstance(error, ValidationError):
                fields = ", ".join(
                    f"{'.'.join(str(p) for p in problem['loc'])}: {problem['type']}"
                    for problem in error.errors(include_input=False, include_url=False)
                )
                record.exc_text = f"{type(error).__name__}: {fields}"
            else:
                record.exc_text = self.redact(self._formatter.formatException(record.exc_info))
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever standard error is when a line is written (a redirection made
    later, a test's capture), never to a stream closed since."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(log_format: str, secrets: Iterable[str]) -> None:
    handler = StderrHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # aiogram says "Update id=... is handled" for every update: our own line says more.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
