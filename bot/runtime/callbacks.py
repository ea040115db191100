"""What the bot's buttons carry. Telegram allows 64 bytes; aiogram packs and checks them."""

from aiogram.filters.callback_data import CallbackData


class FormButton(CallbackData, prefix="f"):
    """A button of the idea form: the draft (`token`) and the question (`seq`) it was shown
    under, so that a button from an older message is recognised."""

    token: str
    seq: int
    action: str
    arg: str = ""


class MenuButton(CallbackData, prefix="m"):
    action: str
    arg: str = ""


class ConsentButton(CallbackData, prefix="c"):
    """The answer to the privacy notice, with the language it was read in and the deep-link
    source: nothing is stored before this button is pressed."""

    action: str
    lang: str
    source: str = ""


class LanguageButton(CallbackData, prefix="l"):
    lang: str
    source: str = ""


class VoteButton(CallbackData, prefix="v"):
    """A button of the vote, named like the form's by the envelope (`token`) and screen (`seq`)."""

    token: str
    seq: int
    action: str
    arg: str = ""


class CampaignButton(CallbackData, prefix="b"):
    """A button of the campaign composer, named like the form's."""

    token: str
    seq: int
    action: str
    arg: str = ""


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


class FollowUpFormButton(CallbackData, prefix="fq"):
    """A button of the questionnaire being answered, named like the idea form's."""

    token: str
    seq: int
    action: str
    arg: str = ""


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


class IdeasButton(CallbackData, prefix="i"):
    """A button of the published ideas (list, card, support, suggestion), named like the
    vote's by the browser (`token`) and screen (`seq`)."""

    token: str
    seq: int
    action: str
    arg: str = ""


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
