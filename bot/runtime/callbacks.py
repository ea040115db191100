"""What the bot's buttons carry. Telegram allows 64 bytes; aiogram packs and checks them.

Each action is a member of its conversation's StrEnum: a button whose action is not one of
them cannot be packed (a typo fails the test that shows it), and a pressed one whose action is
not one of them does not unpack, so it falls to the answer for an unknown button."""

from collections.abc import Callable
from enum import StrEnum
from typing import Self

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from pydantic import BaseModel

from conversations.campaign_form import ComposeAction
from conversations.follow_up_form import AnswerAction
from conversations.guide import GuideAction
from conversations.idea_browser import BrowseAction
from conversations.idea_form import FormAction
from conversations.integrity import IntegrityAction
from conversations.menu import MenuAction
from conversations.progress_form import ProgressAction
from conversations.projects import ProjectAction
from conversations.replies import Button
from conversations.stand import StandAction
from conversations.vote import VoteAction
from conversations.welcome import ConsentAction, Destination

# What turns a conversation's button into the data Telegram carries back.
Encode = Callable[[Button], str]


class ScreenFields(BaseModel):
    """A button of a screen that changes in place: the conversation's instance (`token`) and
    the screen (`seq`) it was shown on, so that a button from an older message is recognised;
    then what it asks for. Each conversation's button narrows `action` to its own actions."""

    token: str
    seq: int
    action: StrEnum
    arg: str = ""


class MenuButton(CallbackData, prefix="m"):
    action: MenuAction
    arg: str = ""


def encode_menu(button: Button) -> str:
    return MenuButton(action=MenuAction(button.action), arg=button.arg).pack()


def encode_screen(button_type: type[ScreenFields], token: str, seq: int) -> Encode:
    """The encoder of one screen: the menu's actions open the menu's entries afresh from any
    message; the others are the screen's own, named by `token` and `seq`.

    The screen's part is packed once and each button adds its action and argument, checked as
    aiogram's `CallbackData.pack` checks them (a declared action, no separator inside, 64
    bytes at most) and giving the same text (`tests/unit/test_callbacks.py`): building and
    packing a model for each button was a twentieth of an update's CPU (bench/flow.py)."""
    assert issubclass(button_type, CallbackData)
    actions = button_type.model_fields["action"].annotation
    assert isinstance(actions, type)
    separator = button_type.__separator__
    if separator in token:
        raise ValueError(f"the token {token!r} holds the separator {separator!r}")
    head = f"{button_type.__prefix__}{separator}{token}{separator}{int(seq)}{separator}"

    def encode(button: Button) -> str:
        if isinstance(button.action, MenuAction):
            return encode_menu(button)
        if not isinstance(button.action, actions):
            raise TypeError(f"{button.action!r} is not an action of {button_type.__name__}")
        if separator in button.arg:
            raise ValueError(f"{button.arg!r} holds the separator {separator!r}")
        data = f"{head}{button.action.value}{separator}{button.arg}"
        if len(data.encode()) > MAX_CALLBACK_LENGTH:
            raise ValueError(f"{data!r} is longer than Telegram's {MAX_CALLBACK_LENGTH} bytes")
        return data

    return encode


class FormButton(ScreenFields, CallbackData, prefix="f"):
    """A button of the idea form; `token` names the draft, `seq` the question."""

    action: FormAction


def _grown(cls: type[CallbackData], value: str, added: int) -> str:
    """Buttons sent before `added` trailing fields were given to `cls` still work: the fields
    they lack take their defaults (empty)."""
    parts = value.split(cls.__separator__)
    if len(parts) == len(cls.model_fields) + 1 - added:
        value += cls.__separator__ * added
    return value


class ConsentButton(CallbackData, prefix="c"):
    """The answer to the privacy notice, with the language it was read in, the deep-link
    source and where the citizen asked to go (`then`): nothing is stored before this button
    is pressed. The longest, "c:language:fr:<32 characters>:my_ideas", takes 57 bytes."""

    action: ConsentAction
    lang: str
    source: str = ""
    then: Destination = Destination.MENU

    @classmethod
    def unpack(cls, value: str) -> Self:
        return super().unpack(_grown(cls, value, added=1))


class LanguageButton(CallbackData, prefix="l"):
    """A language chosen; before consent, with the source and destination the privacy notice
    carries."""

    lang: str
    source: str = ""
    then: Destination = Destination.MENU

    @classmethod
    def unpack(cls, value: str) -> Self:
        return super().unpack(_grown(cls, value, added=1))


class VoteButton(ScreenFields, CallbackData, prefix="v"):
    """A button of the vote's screens; `token` names the envelope."""

    action: VoteAction


class CampaignButton(ScreenFields, CallbackData, prefix="b"):
    """A button of the campaign composer."""

    action: ComposeAction


class RunButton(CallbackData, prefix="r"):
    """Pause, resume or cancel a campaign's run, from its progress message (staff only)."""

    action: str
    run: int


class FollowUpButton(CallbackData, prefix="fu"):
    """A questionnaire for an idea's author: "send" on the staff idea card, "answer" under the
    message that tells the author."""

    action: str
    idea: int
    questionnaire: str = ""


class FollowUpFormButton(ScreenFields, CallbackData, prefix="fq"):
    """A button of the questionnaire being answered."""

    action: AnswerAction


class ModerationButton(CallbackData, prefix="mo"):
    """A button on a moderation card: what to do (`action`, `arg`) with which idea or
    suggestion. It needs no token: whether it still applies is the item's status, checked
    by the database when the decision is taken, and for an idea the fingerprint of the
    version the card showed (`version`), so that a change by its author is never decided
    unseen. The longest, "mo:decide:idea:2147483647:changes.outside_territory:abcdef", takes
    58 bytes of the 64."""

    action: str
    kind: str
    item: int
    arg: str = ""
    version: str = ""


class IdeasButton(ScreenFields, CallbackData, prefix="i"):
    """A button of the published ideas (list, card, support, suggestion)."""

    action: BrowseAction


class VolunteerButton(CallbackData, prefix="kv"):
    """A button of /volunteer: the district chosen (`arg`), change it, or withdraw."""

    action: str
    arg: str = ""


class InvitationButton(CallbackData, prefix="ki"):
    """Accept or refuse a seat on the committee; `volunteer` names the invitation."""

    action: str
    volunteer: int


class ReviewButton(CallbackData, prefix="kr"):
    """A committee member's Retain / Not retain on an idea, or the idea to show."""

    action: str
    idea: int


class SelectionButton(CallbackData, prefix="ks"):
    """Confirm the selection as it was shown (`check` names that tally), or show it again."""

    action: str
    check: str = ""


class AnalysisButton(CallbackData, prefix="an"):
    """A button of the staff idea card, with the status and verdict the card showed: a
    decision someone took meanwhile is never overridden unseen."""

    action: str
    idea: int
    status: str
    feasible: bool | None = None


class MergeButton(CallbackData, prefix="mg"):
    """A button of the look-alike pairs: for "merge" and "confirm", `idea` is merged into
    `other`; otherwise they are the pair on show."""

    action: str
    idea: int
    other: int


class IntegrityButton(CallbackData, prefix="ia"):
    """A button under an integrity alarm, admins only: whether it still applies is the
    alarm's own state, read when it is pressed."""

    action: IntegrityAction
    alarm: int


class ProjectButton(CallbackData, prefix="p"):
    """A funded project's card, and following it or not; it needs no token: the card is shown
    afresh from the database at each press."""

    action: ProjectAction
    project: int = 0


class ProgressButton(ScreenFields, CallbackData, prefix="pg"):
    """A button of /progress, where staff post a funded project's progress; `token` names the
    post being written."""

    action: ProgressAction


class StandButton(ScreenFields, CallbackData, prefix="sd"):
    """A button of a stand's desk; `token` names the stand session."""

    action: StandAction


class StandFormButton(ScreenFields, CallbackData, prefix="sf"):
    """A button of the idea form shown inside a stand's desk (a paper idea)."""

    action: FormAction


class GuideButton(ScreenFields, CallbackData, prefix="g"):
    """A button of the guide before the idea form; `seq` names the checklist as shown."""

    action: GuideAction
