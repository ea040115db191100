"""The tables. Generic column types and named constraints, so that one schema and one set of
migrations serve SQLite and PostgreSQL alike."""

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from storage.types import BoundedString, CleanJSON, CleanText, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it from the class
        datetime: UtcDateTime(),
        dict[str, Any]: CleanJSON,
    }


class EditionRow(Base):
    """An edition as staff loaded it: the TOML source is kept whole and read by `budget`."""

    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(BoundedString(64), unique=True)
    source: Mapped[str] = mapped_column(CleanText)
    # Phases opened or closed by hand: {"vote": true, "deposit": false}.
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    loaded_at: Mapped[datetime]
    # When the vote's ballots were published (unsealed, shuffled, written in `ballots`).
    ballots_published_at: Mapped[datetime | None]
    # When the results were published: each project marked funded or not, its idea's status
    # set, and the announcements queued; set once, by whichever process gets there first.
    results_published_at: Mapped[datetime | None]


class CitizenRow(Base):
    """A Telegram account that consented to the privacy notice; nothing exists before that."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str] = mapped_column(BoundedString(8))
    source: Mapped[str | None] = mapped_column(BoundedString(64))
    consented_at: Mapped[datetime]
    # Campaign reminders: stopped by the citizen (/stop), or the citizen blocked the bot.
    reminders_stopped_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]
    # Asked for the results announcement when casting a ballot (sent even after /stop).
    wants_results: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Erased on request or at the end of the retention period: the row no longer points to
    # anyone (storage.personal_data), what hangs on it keeps its place.
    forgotten_at: Mapped[datetime | None]


class IdeaRow(Base):
    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint("budget_cents > 0", name="budget_positive"),
        Index("ix_ideas_citizen_id", "citizen_id"),
        Index("ix_ideas_edition_status", "edition_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(BoundedString(32))
    author_kind: Mapped[str] = mapped_column(BoundedString(32))
    organisation: Mapped[str | None] = mapped_column(BoundedString(200))
    title: Mapped[str] = mapped_column(BoundedString(200))
    description: Mapped[str] = mapped_column(CleanText)
    objectives: Mapped[str | None] = mapped_column(CleanText)
    beneficiaries: Mapped[str | None] = mapped_column(CleanText)
    theme: Mapped[str] = mapped_column(BoundedString(32))
    implementation: Mapped[str | None] = mapped_column(CleanText)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(BoundedString(300))
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    image_file_id: Mapped[str | None] = mapped_column(BoundedString(255))
    submitted_at: Mapped[datetime]
    # Found from the address's commune or postal code, or set by staff.
    district: Mapped[str | None] = mapped_column(BoundedString(32))
    published_at: Mapped[datetime | None]
    # Why moderation asked for changes or rejected it, or why it is not feasible: shown to
    # the author.
    status_reason: Mapped[str | None] = mapped_column(BoundedString(500))
    # The analysis: feasible or not, the cost after analysis, notes only staff see.
    feasible: Mapped[bool | None] = mapped_column(Boolean)
    analysed_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    staff_notes: Mapped[str | None] = mapped_column(CleanText)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("ideas.id", ondelete="SET NULL", name="fk_ideas_merged_into_id_ideas")
    )
    # The author's answers to the edition's admissibility checklist: criterion -> "yes",
    # "no" or "unsure"; None when no checklist was shown (a paper idea, an older idea).
    checklist: Mapped[dict[str, Any] | None]
    # What a shared link to the idea carries: random, so that nobody can list ideas by trying
    # numbers (an idea not published yet is no stranger's business).
    share_code: Mapped[str] = mapped_column(
        BoundedString(16), unique=True, default=lambda: secrets.token_urlsafe(8)
    )

    attachments: Mapped[list["AttachmentRow"]] = relationship(
        order_by="AttachmentRow.position", cascade="all, delete-orphan", lazy="selectin"
    )


class AttachmentRow(Base):
    """A document or photo attached to an idea, kept as Telegram's file id (no bytes)."""

    __tablename__ = "idea_attachments"
    __table_args__ = (UniqueConstraint("idea_id", "position", name="uq_idea_attachments_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(BoundedString(16))
    file_id: Mapped[str] = mapped_column(BoundedString(255))
    file_name: Mapped[str] = mapped_column(BoundedString(255))


class ConversationStateRow(Base):
    """Where each chat is in a conversation, and its data (an idea draft, say): a restart of
    the bot loses nothing."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(BoundedString(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(BoundedString(255))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
    # Bumped at each write, and checked by it: an update that read an older version (another
    # process wrote meanwhile) cannot overwrite what it did not see.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class ProcessedUpdateRow(Base):
    """An update from Telegram whose work is committed, with the Bot API calls that answered
    it. Telegram delivers an update again until it is confirmed (webhook answered, polling
    offset moved past it); a second delivery is never applied twice, and its answer is sent
    again in case the first one was lost with a crashed process."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)
    # The Bot API calls, as a JSON array (written as the text aiogram's models give).
    replies: Mapped[str | None] = mapped_column(CleanText)


class ProjectRow(Base):
    """A project on the ballot: a retained idea with its cost after analysis, or one imported
    by staff. Its cost is fixed once the vote opens."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("cost_cents > 0", name="cost_positive"),
        UniqueConstraint("edition_id", "idea_id", name="uq_projects_edition_idea"),
        Index("ix_projects_edition_id", "edition_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    # {"fr": "...", "nl": "..."}: the edition's first language at least.
    title: Mapped[dict[str, Any]]
    summary: Mapped[dict[str, Any]]
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    district: Mapped[str | None] = mapped_column(BoundedString(32))
    theme: Mapped[str | None] = mapped_column(BoundedString(32))
    # A Telegram file id or an https URL.
    image: Mapped[str | None] = mapped_column(BoundedString(500))
    place: Mapped[str | None] = mapped_column(BoundedString(300))
    created_at: Mapped[datetime]
    # Set when the results are published: funded or not, its votes and its rank.
    funded: Mapped[bool | None] = mapped_column(Boolean)
    votes: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)


class VoterRow(Base):
    """A citizen found eligible to vote in an edition. One per account, and one per phone
    number where the edition asks for it (the number is kept only as a keyed fingerprint).

    Until the vote closes, the voter's ballot is kept here sealed with the key outside the
    database (storage.sealing): the database alone cannot tell what anyone chose. At the close
    the ballots are published, shuffled and unsigned, in `ballots`, and the sealed ones and the
    fingerprints are erased: from then on nothing joins a voter to a ballot, key or not."""

    __tablename__ = "voters"
    __table_args__ = (
        UniqueConstraint("edition_id", "citizen_id", name="uq_voters_edition_citizen"),
        UniqueConstraint("edition_id", "phone_hash", name="uq_voters_edition_phone"),
        UniqueConstraint("edition_id", "identity_hash", name="uq_voters_edition_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    # None: a paper ballot entered at a stand, for a citizen with no account.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    district: Mapped[str | None] = mapped_column(BoundedString(32))
    phone_hash: Mapped[str | None] = mapped_column(BoundedString(64))
    # The identity reference the edition takes at stands (national register number...),
    # fingerprinted like the phone number and erased with it at the close.
    identity_hash: Mapped[str | None] = mapped_column(BoundedString(64))
    # The ballot as cast (its projects, receipt and version), sealed; None: none cast.
    sealed_ballot: Mapped[str | None] = mapped_column(CleanText)
    registered_at: Mapped[datetime]


class BallotRow(Base):
    """A published ballot: written at the close of the vote, all of them at once and in a
    random order, under a random id, with no time and no voter; its receipt lets the voter who
    holds it find it in the published count. The database itself refuses one that costs more
    than the envelope."""

    __tablename__ = "ballots"
    __table_args__ = (
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        CheckConstraint("total_cents <= envelope_cents", name="within_envelope"),
        UniqueConstraint("edition_id", "receipt", name="uq_ballots_edition_receipt"),
        Index("ix_ballots_edition_id", "edition_id"),
        # Counting a national vote groups identical ballots by this index alone.
        Index("ix_ballots_edition_project_ids", "edition_id", "project_ids"),
    )

    id: Mapped[str] = mapped_column(BoundedString(32), primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    envelope_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    receipt: Mapped[str] = mapped_column(BoundedString(16))
    # The ballot's projects as written in `items`, in one text ("3,17,42": ids ascending, ""
    # for none), so that identical ballots are counted together by the database.
    project_ids: Mapped[str] = mapped_column(Text, server_default="")

    items: Mapped[list["BallotItemRow"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class BallotItemRow(Base):
    """A project in a published ballot; a project is in a ballot at most once."""

    __tablename__ = "ballot_items"
    __table_args__ = (
        UniqueConstraint("ballot_id", "project_id", name="uq_ballot_items_ballot_project"),
        Index("ix_ballot_items_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[str] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))


class KeyCheckRow(Base):
    """Something known, sealed with the key when it was made: a key file that does not open
    it is not this database's (restored from the wrong copy), which the bot says at start-up
    rather than fail later on each ballot."""

    __tablename__ = "key_checks"

    purpose: Mapped[str] = mapped_column(BoundedString(32), primary_key=True)
    sealed: Mapped[str] = mapped_column(CleanText)


class CampaignRow(Base):
    """A campaign as staff composed it: its texts per language, its button, who it is for and
    when it goes out (now, at a moment, or every week between two dates)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_edition_id", "edition_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(BoundedString(100))
    # {"fr": "...", "nl": "..."}
    texts: Mapped[dict[str, Any]]
    html: Mapped[bool] = mapped_column(Boolean, default=False)
    image: Mapped[str | None] = mapped_column(BoundedString(500))
    # "vote", "deposit" or "link" (with button_url); None: no button but Stop reminders.
    button: Mapped[str | None] = mapped_column(BoundedString(16))
    button_url: Mapped[str | None] = mapped_column(BoundedString(500))
    # {"kind": "not_voted"} or {"kind": "language", "value": "nl"}
    audience: Mapped[dict[str, Any]]
    # {"kind": "now"} / {"kind": "at", "at": iso} / {"kind": "weekly", "weekday": 0, "hour": 18,
    #  "minute": 0, "start": iso, "end": iso}
    schedule: Mapped[dict[str, Any]]
    results_announcement: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sent with Telegram's allow_paid_broadcast (up to 1 000 messages a second, in Stars).
    paid_broadcast: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(BoundedString(16))
    # Who follows its sendings' progress (its composer); None: nobody (the command line).
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class CampaignRunRow(Base):
    """One sending of a campaign (a weekly campaign has one a week); the same due moment is
    never run twice."""

    __tablename__ = "campaign_runs"
    __table_args__ = (
        UniqueConstraint("campaign_id", "due_at", name="uq_campaign_runs_campaign_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    # sending, paused, cancelled, done
    state: Mapped[str] = mapped_column(BoundedString(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # The staff message that shows the run's progress, edited as it goes.
    status_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)


class DeliveryRow(Base):
    """One message of one run to one citizen: queued, sending (the call is under way), sent,
    blocked (403), failed (after retries) or unknown (the process died during the call; never
    sent again). The unique constraint is what makes a citizen get a run at most once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "citizen_id", name="uq_deliveries_run_citizen"),
        Index("ix_deliveries_run_state", "run_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(BoundedString(8))
    state: Mapped[str] = mapped_column(BoundedString(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(BoundedString(300))
    updated_at: Mapped[datetime]
    # The process that marked it sending (its liveness key, storage.liveness; PostgreSQL).
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)


class LeaseRow(Base):
    """A lease one process holds for a while (the weekly schedule): whoever holds an unexpired
    lease is the only one doing that job."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(BoundedString(64), primary_key=True)
    holder: Mapped[str] = mapped_column(BoundedString(64))
    expires_at: Mapped[datetime]


class StaffRoleRow(Base):
    """A staff member's role: admin, moderator, analyst or committee (a member may have
    several). The first admins come from the settings (STAFF_IDS)."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("telegram_id", "role", name="uq_staff_roles_member_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(BoundedString(16))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime]


class UnreachableStaffRow(Base):
    """A staff member Telegram refused a notice to (they never opened the bot, or blocked
    it): kept until they open it, so that admins can be told."""

    __tablename__ = "unreachable_staff"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    refused_at: Mapped[datetime]


class AuditRow(Base):
    """Every staff action: who, what, on what, when, and the values before and after; each
    entry chained to the one before by a hash (see budget/audit_chain.py)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_subject", "subject"),
        UniqueConstraint("sequence", name="uq_audit_log_sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    actor: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(BoundedString(64))
    subject: Mapped[str] = mapped_column(BoundedString(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    at: Mapped[datetime]
    previous_hash: Mapped[str] = mapped_column(BoundedString(64))
    hash: Mapped[str] = mapped_column(BoundedString(64))


class SupportRow(Base):
    """A citizen supports a published idea: once, and can withdraw it."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("idea_id", "citizen_id", name="uq_supports_idea_citizen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class SuggestionRow(Base):
    """A short text a citizen suggests to an idea's author; moderated like ideas
    (submitted, published, rejected)."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_idea_id", "idea_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(CleanText)
    status: Mapped[str] = mapped_column(BoundedString(16))
    at: Mapped[datetime]


class FollowUpRow(Base):
    """A questionnaire sent to an idea's author, with its deadline and, once sent back, the
    answers ({question code: answer})."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("idea_id", "questionnaire", name="uq_follow_ups_idea_questionnaire"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(BoundedString(32))
    deadline: Mapped[datetime]
    sent_by: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)


class VolunteerRow(Base):
    """A citizen who volunteered for the committee drawn by lot, with their district; drawn,
    they are asked, and accept or refuse."""

    __tablename__ = "volunteers"
    __table_args__ = (
        UniqueConstraint("edition_id", "citizen_id", name="uq_volunteers_edition_citizen"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    district: Mapped[str] = mapped_column(BoundedString(32))
    # volunteered, asked, accepted, refused
    state: Mapped[str] = mapped_column(BoundedString(16))
    volunteered_at: Mapped[datetime]


class CommitteeVoteRow(Base):
    """A committee member's Retain / Not retain on a feasible idea; one per member and idea,
    changed in place."""

    __tablename__ = "committee_votes"
    __table_args__ = (UniqueConstraint("idea_id", "member", name="uq_committee_votes_idea_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    member: Mapped[int] = mapped_column(BigInteger)
    retain: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class TallyRow(Base):
    """How many times a step of the idea form or of the vote happened on one day, through one
    channel, in one district (budget/figures.py): a counter, never a row per citizen; "" where
    the channel or the district is not known."""

    __tablename__ = "tallies"
    __table_args__ = (
        UniqueConstraint(
            "edition_id", "day", "tally", "source", "district", name="uq_tallies_counter"
        ),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    tally: Mapped[str] = mapped_column(BoundedString(32))
    source: Mapped[str] = mapped_column(BoundedString(64), default="")
    district: Mapped[str] = mapped_column(BoundedString(32), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class IntegrityCountRow(Base):
    """How many events of one kind (`tally`: budget.integrity.Tally) were counted for one
    item (a deep link, a district, a project, a block of numbers, an account's fingerprint) in
    one bucket of time, for the integrity alarms: a sum, never whose events. The running
    totals that keep no time (single-project ballots of new accounts, per project) sit in the
    bucket of `budget.integrity.EPOCH`."""

    __tablename__ = "integrity_counts"
    __table_args__ = (
        UniqueConstraint(
            "edition_id", "tally", "item", "bucket", name="uq_integrity_counts_edition_tally"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    tally: Mapped[str] = mapped_column(BoundedString(32))
    item: Mapped[str] = mapped_column(BoundedString(64))
    bucket: Mapped[datetime]
    n: Mapped[int] = mapped_column(Integer)


class IntegrityNumberRow(Base):
    """A number an account tried to register with, so that the same number shared twice is
    counted once: the account as a keyed fingerprint, the number as a tag of 16 bits, which
    some 1 500 numbers of a country's mobile range share, so that it names none; no time."""

    __tablename__ = "integrity_numbers"
    __table_args__ = (
        UniqueConstraint("edition_id", "account", "tag", name="uq_integrity_numbers_edition_tag"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(BoundedString(64))
    tag: Mapped[str] = mapped_column(BoundedString(8))


class IntegrityAlarmRow(Base):
    """An integrity alarm (budget.integrity.Alarm) as raised and updated by the checks, told
    to the admins once; staff mark it as looked at (written in the audit log too)."""

    __tablename__ = "integrity_alarms"
    __table_args__ = (
        UniqueConstraint("edition_id", "identity", name="uq_integrity_alarms_edition_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    identity: Mapped[str] = mapped_column(BoundedString(160))
    kind: Mapped[str] = mapped_column(BoundedString(32))
    item: Mapped[str] = mapped_column(BoundedString(64))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float | None] = mapped_column(Float)
    total: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[int | None] = mapped_column(BigInteger)


class FollowRow(Base):
    """A citizen who chose to follow a project (`following` true), or to stop following one
    they followed by default as the author or a supporter of its idea (false)."""

    __tablename__ = "project_follows"
    __table_args__ = (
        UniqueConstraint("project_id", "citizen_id", name="uq_project_follows_project_citizen"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    following: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class ProgressRow(Base):
    """Where a funded project stands, as staff posted it: a stage of the edition's, a text, an
    optional photo (a Telegram file id) and, for a cancelled project, why."""

    __tablename__ = "progress_posts"
    __table_args__ = (Index("ix_progress_posts_project_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(BoundedString(32))
    text: Mapped[str] = mapped_column(CleanText)
    photo: Mapped[str | None] = mapped_column(BoundedString(255))
    posted_by: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime]


class StandEntryRow(Base):
    """A paper idea or a paper ballot entered at a stand: where, by which staff member, under
    which paper reference (unique in the edition, to find the paper form again). It holds no
    choice: the ballot itself is sealed on its voter's row like any other, with nothing
    pointing from here to there. The author's name and contact, for a paper idea, are optional."""

    __tablename__ = "stand_entries"
    __table_args__ = (
        UniqueConstraint("edition_id", "reference", name="uq_stand_entries_edition_reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    # "idea" or "ballot".
    kind: Mapped[str] = mapped_column(BoundedString(16))
    stand: Mapped[str] = mapped_column(BoundedString(32))
    staff_id: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(BoundedString(32))
    entered_at: Mapped[datetime]
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    author_name: Mapped[str | None] = mapped_column(BoundedString(200))
    author_contact: Mapped[str | None] = mapped_column(BoundedString(200))
