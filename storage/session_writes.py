"""Whether a session wrote since its transaction began: a unit of work whose session only read
can still commit its states with group commit (storage.conversation_states.GroupCommit),
after ending its reads' transaction; one that wrote must commit that transaction itself."""

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

# Set in a session's `info`: any statement but a SELECT, a flush of the ORM's objects, or a
# lock that must be held until the transaction commits.
WROTE = "pbbot_wrote"


@event.listens_for(Session, "do_orm_execute")
def _note_a_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_a_flush(session: Session, flush_context: object) -> None:
    session.info[WROTE] = True


def keep_transaction(session: AsyncSession) -> None:
    """The session's transaction must be the one that commits: it holds a lock (a chat's) that
    is let go when it ends."""
    session.info[WROTE] = True
