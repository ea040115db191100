"""Who a campaign run is for, evaluated afresh at each run: a weekly reminder to those who
have not voted no longer reaches someone who voted since."""

from datetime import UTC, datetime

from budget.campaigns import Audience, AudienceKind
from conversations.vote import UNCAST
from storage.audiences import Reachable
from storage.campaigns import Recipient
from storage.unit_of_work import UnitOfWork

# Conversation states are stored under "fsm:<bot>:<chat>:<user>:<destiny>" (the bot's key
# builder); the chat is the citizen's Telegram id, as the bot talks in private chats only.
# The idea form keeps its draft under the first, the vote its envelope under the second.
FORM_DESTINY = ":form"
VOTE_DESTINY = ":vote"


def _chat_of(key: str) -> int | None:
    parts = key.split(":")
    return int(parts[2]) if len(parts) == 5 and parts[2].lstrip("-").isdigit() else None


async def recipients(
    uow: UnitOfWork,
    edition_id: int,
    audience: Audience,
    results_announcement: bool,
    now: datetime | None = None,
) -> list[Recipient]:
    """The citizens the run goes to (as of `now`, by default the present moment). Never those
    who stopped reminders, except for a results announcement they asked for when they voted;
    never those who blocked the bot."""
    everyone = await uow.audiences.reachable()

    def allowed(citizen: Reachable) -> bool:
        return not citizen.stopped or (results_announcement and citizen.wants_results)

    chosen = [citizen for citizen in everyone if allowed(citizen)]
    kind = audience.kind
    if kind is AudienceKind.LANGUAGE:
        chosen = [c for c in chosen if c.language == audience.value]
    elif kind is AudienceKind.DISTRICT:
        districts = await uow.audiences.districts(edition_id)
        chosen = [c for c in chosen if districts.get(c.citizen_id) == audience.value]
    elif kind in {AudienceKind.NOT_VOTED, AudienceKind.VOTED}:
        voted = await uow.audiences.voted(edition_id)
        wanted = kind is AudienceKind.VOTED
        chosen = [c for c in chosen if (c.citizen_id in voted) == wanted]
    elif kind is AudienceKind.DRAFT:
        chats = {
            _chat_of(key)
            for key, _, data in await uow.audiences.conversation_states(FORM_DESTINY)
            if data
        }
        chosen = [c for c in chosen if c.telegram_id in chats]
    elif kind is AudienceKind.UNCAST:
        # The envelope's content is sealed; its state's name says that a change waits.
        waiting = {
            _chat_of(key)
            for key, state, _ in await uow.audiences.conversation_states(VOTE_DESTINY)
            if state == UNCAST
        }
        chosen = [c for c in chosen if c.telegram_id in waiting]
    elif kind is AudienceKind.FOLLOWERS and audience.value:
        # Following a project is asked for, and stopped, on its own button, not by /stop.
        followers = await uow.accountability.followers(int(audience.value))
        chosen = [c for c in everyone if c.citizen_id in followers]
    elif kind is AudienceKind.FOLLOWERS:
        followers = await uow.accountability.all_followers(edition_id)
        chosen = [c for c in chosen if c.citizen_id in followers]
    elif kind is AudienceKind.WANTS_RESULTS:
        chosen = [c for c in chosen if c.wants_results]
    elif kind is AudienceKind.FOLLOW_UP:
        waiting_authors = await uow.audiences.awaiting_follow_up(
            edition_id, now or datetime.now(UTC)
        )
        chosen = [c for c in chosen if c.citizen_id in waiting_authors]
    return [Recipient(c.citizen_id, c.telegram_id, c.language) for c in chosen]
