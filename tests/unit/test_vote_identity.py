"""The vote's identity step as a plain state machine: what is typed goes out to be
fingerprinted and never stays in the state."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from budget.edition_file import parse_edition
from budget.serialise import dump
from conversations import vote
from conversations.events import Press, TextIn
from conversations.vote import VoteContext, VoteState

EDITION = parse_edition(
    (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(encoding="utf-8")
)
DURING_VOTE = datetime(2027, 4, 20, 10, tzinfo=UTC)
CTX = VoteContext(EDITION, DURING_VOTE, (), registered=False)


def at_identity() -> VoteState:
    state = vote.open_vote(None, CTX, "tok").state
    assert state is not None
    for action, arg in ((vote.VoteAction.RESIDENT, "yes"), (vote.VoteAction.HOME, "namur")):
        state = vote.step(state, Press(action, arg, state.token, state.seq), CTX).state
        assert state is not None
    assert state.screen is vote.Screen.IDENTITY
    return state


def test_the_reference_typed_goes_out_as_typed_letters_and_digits_never_into_the_state() -> None:
    state = at_identity()
    outcome = vote.step(state, TextIn(" 85.07.30-033.61 "), CTX)
    assert outcome.effect == vote.CheckIdentity("85073003361")
    assert "85073003361" not in str(dump(state)) and "033" not in str(dump(state))
    freed = vote.step(state, vote.IdentityFree("f" * 64), CTX)
    assert freed.effect == vote.Register("namur", None, "f" * 64)
    registered = vote.step(state, vote.Registered(), replace(CTX, registered=True))
    assert registered.state is not None and registered.state.identity_hash is None


def test_an_edition_that_stops_asking_for_it_lets_the_voter_through() -> None:
    state = at_identity()
    no_reference = replace(
        CTX, edition=replace(EDITION, vote=replace(EDITION.vote, identity_reference=None))
    )
    outcome = vote.step(state, TextIn("85073003361"), no_reference)
    assert outcome.effect == vote.Register("namur", None, None)
