"""Admins give and take staff roles from the chat; every change is in the audit log."""

from storage.tables import AuditRow, StaffRoleRow
from tests.support.app import STAFF_ID, App, consented


async def test_an_admin_gives_a_role_and_the_new_member_is_told(app: App) -> None:
    member = await consented(app, 42, language_code="fr")
    admin = await consented(app, STAFF_ID)
    await admin.send("/staff add 42 moderator")
    assert admin.last.text == "✅ 42 is now moderator."
    assert member.last.text.startswith("👋 Vous êtes désormais modérateur·rice")
    [role] = await app.rows(StaffRoleRow)
    assert (role.telegram_id, role.role, role.added_by) == (42, "moderator", STAFF_ID)
    [entry] = await app.rows(AuditRow)
    assert (entry.actor, entry.action, entry.subject, entry.after) == (
        STAFF_ID,
        "staff_add",
        "member:42",
        {"role": "moderator"},
    )
    await admin.send("/staff add 42 moderator")
    assert admin.last.text == "42 is already moderator."
    await admin.send("/staff")
    assert f"{STAFF_ID}: admin" in admin.last.text
    assert "42: moderator" in admin.last.text
    await admin.send("/staff remove 42 moderator")
    assert admin.last.text == "✅ 42 is no longer moderator."
    assert await app.count(StaffRoleRow) == 0


async def test_a_malformed_staff_command_says_how_to_write_it(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    await admin.send("/staff add someone king")
    assert admin.last.text.startswith("Write /staff add ID ROLE")
    await admin.send(f"/staff remove {STAFF_ID} admin")
    assert "through the bot's settings (STAFF_IDS)" in admin.last.text
    assert await app.count(AuditRow) == 0


async def test_only_admins_manage_staff_others_get_the_unknown_command_answer(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    await admin.send("/staff add 42 moderator")
    moderator = await consented(app, 42)
    citizen = await consented(app, 43)
    for someone in (moderator, citizen):
        await someone.send("/staff add 43 admin")
        assert "I do not know this command." in [shown.text for shown in someone.shown[-2:]]
    assert await app.count(StaffRoleRow) == 1


async def test_help_lists_the_staff_commands_to_staff_only(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    citizen = await consented(app, 43)
    await admin.send("/help")
    assert "/pending: moderate ideas and suggestions" in admin.last.text
    await citizen.send("/help")
    assert "/ideas: the ideas of others" in citizen.last.text
    assert "/pending" not in citizen.last.text


async def test_an_id_that_is_no_telegram_id_gets_the_usage_and_changes_nothing(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    for member in ("99999999999999999999", "²", "0", "-5"):
        await admin.send(f"/staff add {member} moderator")
        assert admin.last.text.startswith("Write /staff add ID ROLE"), member
    assert await app.count(StaffRoleRow) == 0
