"""Which failures mean "try this update again later" rather than "this update cannot be
handled": the database or Redis out of reach, a lock or a connection that timed out, states
changed by another process. Telegram delivers again an update that was not confirmed (the
webhook answered 503, the polling offset not moved past it); a fault of the code itself is not
worth a second try: the citizen is told something went wrong and the update is confirmed."""

import asyncio

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.unit_of_work import AlreadyProcessed, StateConflict


def is_transient(error: BaseException) -> bool:
    if isinstance(error, StateConflict | AlreadyProcessed | PoolTimeout | OperationalError):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError):
        return True
    name = type(error).__module__ + "." + type(error).__name__
    # asyncpg and redis name their lost connections in their own hierarchies.
    return name.startswith(("asyncpg.exceptions.", "redis.exceptions.")) and any(
        word in name for word in ("Connection", "Timeout", "CannotConnect", "Deadlock")
    )
