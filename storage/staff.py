"""Staff roles (what each may do: budget/roles.py)."""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.constraints import is_violation
from storage.tables import StaffRoleRow, UnreachableStaffRow


class Staff:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def roles(self, telegram_id: int) -> set[str]:
        rows = await self.session.scalars(
            select(StaffRoleRow.role).where(StaffRoleRow.telegram_id == telegram_id)
        )
        return set(rows)

    async def members(self, role: str | None = None) -> dict[int, set[str]]:
        """Telegram id -> roles, of everyone with `role` (or with any role)."""
        query = select(StaffRoleRow.telegram_id, StaffRoleRow.role)
        rows = (await self.session.execute(query)).all()
        members: dict[int, set[str]] = {}
        for telegram_id, member_role in rows:
            members.setdefault(telegram_id, set()).add(member_role)
        if role is not None:
            members = {member: roles for member, roles in members.items() if role in roles}
        return members

    async def add(self, telegram_id: int, role: str, by: int, now: datetime) -> bool:
        """Give a role; False if the member had it already."""
        if role in await self.roles(telegram_id):
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(
                    StaffRoleRow(telegram_id=telegram_id, role=role, added_by=by, added_at=now)
                )
        except IntegrityError as error:
            if not is_violation(error, "uq_staff_roles_member_role"):
                raise
            return False
        return True

    async def remove(self, telegram_id: int, role: str) -> bool:
        """Take a role away; False if the member did not have it."""
        result = await self.session.execute(
            delete(StaffRoleRow).where(
                StaffRoleRow.telegram_id == telegram_id, StaffRoleRow.role == role
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def refused(self, telegram_id: int, now: datetime) -> bool:
        """Telegram refused a notice to this staff member; False if that was known already."""
        if await self.session.get(UnreachableStaffRow, telegram_id) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(UnreachableStaffRow(telegram_id=telegram_id, refused_at=now))
        except IntegrityError:
            return False  # another process noted it in the meantime
        return True

    async def unreachable(self) -> list[int]:
        """Staff members Telegram refused notices to, who have not opened the bot since."""
        rows = await self.session.scalars(
            select(UnreachableStaffRow.telegram_id).order_by(UnreachableStaffRow.telegram_id)
        )
        return list(rows)

    async def reached(self, telegram_id: int) -> None:
        """They opened the bot: notices reach them from now on."""
        if await self.session.get(UnreachableStaffRow, telegram_id) is not None:
            await self.session.execute(
                delete(UnreachableStaffRow).where(UnreachableStaffRow.telegram_id == telegram_id)
            )
