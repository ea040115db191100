"""Staff roles and what each may do. An admin may do everything, and names the others."""

from collections.abc import Collection
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    ANALYST = "analyst"
    COMMITTEE = "committee"
    BROADCASTER = "broadcaster"
    # Enters paper ideas and paper ballots on citizens' behalf at a stand in town.
    STAND = "stand"


def may(roles: Collection[Role], *needed: Role) -> bool:
    """Whether someone with `roles` may do what one of the `needed` roles does."""
    return Role.ADMIN in roles or any(role in roles for role in needed)
