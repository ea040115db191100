"""/audit: admins read the audit log's last entries, filtered, and see whether its chain of
hashes is intact; for anyone else it is an unknown command."""

from datetime import UTC, datetime

from sqlalchemy import update

from storage.tables import AuditRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import STAFF_ID, App, consented

MODERATOR = 42
ANALYST = 43
AT = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


async def record_actions(app: App) -> None:
    """What staff did before: a moderator published ideas 12 and 3, an analyst compared ideas
    3 and 12, the committee's list was closed from the command line."""
    async with UnitOfWork(app.sessionmaker) as uow:
        for number in (12, 3):
            await uow.audit.record(
                MODERATOR,
                "idea_published",
                f"idea:{number}",
                AT,
                before={"status": "submitted"},
                after={"status": "published"},
            )
        await uow.audit.record(ANALYST, "merge_dismissed", "ideas:3+12", AT)
        await uow.audit.record(0, "committee_volunteers_closed", "edition:1", AT)
        await uow.commit()


async def head_hash(app: App) -> str:
    async with UnitOfWork(app.sessionmaker) as uow:
        return (await uow.audit.head()).hash


async def test_an_admin_sees_the_last_entries_and_that_the_chain_is_intact(app: App) -> None:
    await record_actions(app)
    admin = await consented(app, STAFF_ID)
    await admin.send("/audit")
    entries, chain = (shown.text for shown in admin.shown[-2:])
    assert entries.splitlines() == [
        "📜 <b>Audit log</b>: the last entries, oldest first",
        "<b>1</b> · 30 November 2026 09:15 · 42 · idea_published · idea:12 · "
        "status: submitted → status: published",
        "<b>2</b> · 30 November 2026 09:15 · 42 · idea_published · idea:3 · "
        "status: submitted → status: published",
        "<b>3</b> · 30 November 2026 09:15 · 43 · merge_dismissed · ideas:3+12",
        "<b>4</b> · 30 November 2026 09:15 · command line · committee_volunteers_closed · "
        "edition:1",
    ]
    assert chain.startswith("✅ The audit log's chain is intact: 4 entries")
    assert f"Head: <code>{await head_hash(app)}</code>" in chain


async def test_filters_by_staff_member_action_and_idea(app: App) -> None:
    await record_actions(app)
    admin = await consented(app, STAFF_ID)

    async def numbers(command: str) -> list[str]:
        await admin.send(command)
        _, *lines = admin.shown[-2].text.splitlines()
        return [line.split("</b>")[0].removeprefix("<b>") for line in lines]

    assert await numbers("/audit staff 43") == ["3"]
    assert admin.shown[-2].text.startswith("📜 <b>Audit log</b>: the last entries with staff 43")
    assert await numbers("/audit action publish") == ["1", "2"]
    assert await numbers("/audit idea 12") == ["1", "3"]
    assert await numbers("/audit idea 3 staff 42") == ["2"]
    await admin.send("/audit staff 12345")
    assert admin.shown[-2].text.splitlines()[1:] == ["No entry matches."]
    assert admin.last.text.startswith("✅ The audit log's chain is intact: 4 entries")


async def test_a_filter_written_wrong_gets_the_usage(app: App) -> None:
    await record_actions(app)
    admin = await consented(app, STAFF_ID)
    wrong = ("/audit idea twelve", "/audit staff", "/audit colour red", "/audit idea 1 idea 2")
    for typed in wrong:
        await admin.send(typed)
        assert admin.last.text.startswith("Write /audit for the last 20 entries"), typed


async def test_dates_are_in_the_admins_language_and_a_broken_chain_says_where(app: App) -> None:
    await record_actions(app)
    async with app.sessionmaker() as session:
        await session.execute(
            update(AuditRow).where(AuditRow.sequence == 2).values(after={"status": "rejected"})
        )
        await session.commit()
    admin = await consented(app, STAFF_ID, language_code="fr")
    await admin.send("/audit")
    assert "<b>4</b> · 30 novembre 2026 09:15 · ligne de commande ·" in admin.shown[-2].text
    assert admin.last.text.startswith(
        "⚠️ La chaîne du journal d'audit est rompue à l'entrée 2 : elle a été modifiée"
    )


async def test_an_empty_audit_log_says_so(app: App) -> None:
    admin = await consented(app, STAFF_ID)
    await admin.send("/audit")
    assert admin.last.text == "📜 The audit log is empty: no staff action has been recorded yet."


async def test_a_citizen_or_a_moderator_gets_the_unknown_command_answer(app: App) -> None:
    await record_actions(app)
    admin = await consented(app, STAFF_ID)
    await admin.send(f"/staff add {MODERATOR} moderator")
    for someone in (await consented(app, MODERATOR), await consented(app, 44)):
        await someone.send("/audit")
        texts = [shown.text for shown in someone.shown[-2:]]
        assert "I do not know this command." in texts
        assert not any("Audit log" in text or "chain" in text for text in texts)
