"""Moderation as staff and authors see it: the submitted ideas and suggestions one at a time,
oldest first, each as a card with Publish / Ask for changes / Reject / Next; the reasons to
choose from or to write; what moderators and authors are told once a decision is taken.

Plain functions from what is pending to what is shown. The decisions themselves are taken by
the caller, once each, whoever presses first (see storage.moderation)."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from budget.edition import Edition
from budget.ideas import IdeaStatus
from conversations.events import Event, TextIn
from conversations.replies import Button, Localized, Money, Reply, Text

REASON_MAX = 500
# A longer answer is shortened on the card and sent in full in a message of its own above it:
# the whole card must fit in one Telegram message (4 096 characters).
CARD_TEXT_MAX = 500


class Kind(StrEnum):
    IDEA = "idea"
    SUGGESTION = "suggestion"


class Decision(StrEnum):
    PUBLISH = "publish"
    CHANGES = "changes"
    REJECT = "reject"


# What an idea becomes; a suggestion is only published or rejected.
IDEA_STATUS = {
    Decision.PUBLISH: IdeaStatus.PUBLISHED,
    Decision.CHANGES: IdeaStatus.CHANGES_ASKED,
    Decision.REJECT: IdeaStatus.REJECTED,
}
NEEDS_REASON = frozenset({Decision.CHANGES, Decision.REJECT})
SUGGESTION_STATUS = {Decision.PUBLISH: "published", Decision.REJECT: "rejected"}


def audited_as(kind: Kind, decision: Decision) -> str:
    """The audit log's name for a decision: "idea_published", "suggestion_rejected"..."""
    status = IDEA_STATUS[decision] if kind is Kind.IDEA else SUGGESTION_STATUS[decision]
    return f"{kind}_{status}"


def audit_actions(kind: Kind) -> set[str]:
    """The audit log's names of every decision on an idea, or on a suggestion."""
    decisions = IDEA_STATUS if kind is Kind.IDEA else SUGGESTION_STATUS
    return {audited_as(kind, decision) for decision in decisions}


@dataclass(frozen=True)
class Item:
    """Something waiting for moderation; the queue is the ideas, then the suggestions."""

    kind: Kind
    number: int

    @property
    def rank(self) -> tuple[int, int]:
        return (list(Kind).index(self.kind), self.number)


@dataclass(frozen=True)
class PaperOrigin:
    """A paper idea entered at a stand: which stand, the form's reference, and its author's
    name and contact where they gave them (the idea's account is the staff member's)."""

    stand: str
    reference: str
    author_name: str | None = None
    author_contact: str | None = None


@dataclass(frozen=True)
class IdeaCard:
    """Everything the author gave."""

    number: int
    author_kind: str
    organisation: str | None
    title: str
    description: str
    objectives: str | None
    beneficiaries: str | None
    theme: str
    implementation: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    budget_cents: int
    image_file_id: str | None
    attachments: int
    district: str | None
    deposited_on: date
    # Why changes were asked before the author changed it and sent it again.
    earlier_reason: str | None = None
    # The author's answers to the checklist before the form: (criterion, yes / no / unsure).
    checklist: tuple[tuple[str, str], ...] = ()
    paper: PaperOrigin | None = None


@dataclass(frozen=True)
class SuggestionCard:
    number: int
    text: str
    idea_number: int
    idea_title: str
    sent_on: date


@dataclass(frozen=True)
class Awaiting:
    """A moderator chose to write the reason for a decision: their next message is it, and
    the decision waits until they confirm it (`reason` is then what they wrote). `seen` is
    the fingerprint of the idea as the card showed it (see storage.moderation.fingerprint)."""

    number: int
    decision: Decision
    reason: str | None = None
    seen: str = ""


def next_item(queue: list[Item], after: Item | None) -> Item | None:
    """The item after `after` in the queue, starting again from the oldest past the end."""
    if after is not None:
        later = [item for item in queue if item.rank > after.rank]
        if later:
            return later[0]
    return queue[0] if queue else None


def nothing_pending() -> Reply:
    return Reply("moderation.none")


def idea_card(
    card: IdeaCard, edition: Edition, position: int, total: int, again: bool = False
) -> list[Reply]:
    """The card, after a message for each answer too long to be shown whole on it; `again`
    shows it anew in place of the reasons (the long answers are still above)."""
    in_full = [
        Reply("moderation.card.in_full", number=card.number, field=Text(name), value=text)
        for name, text in (
            ("form.field.description", card.description),
            ("form.field.objectives", card.objectives),
            ("form.field.beneficiaries", card.beneficiaries),
            ("form.field.implementation", card.implementation),
        )
        if text is not None and len(text) > CARD_TEXT_MAX and not again
    ]
    theme = edition.theme(card.theme)
    district = edition.district(card.district or "")
    texts = [
        Text("moderation.card.idea", number=card.number, position=position, total=total),
        Text("moderation.card.deposited", day=card.deposited_on),
    ]
    if card.paper is not None:
        texts.append(_paper(card.paper, edition))
    if card.earlier_reason is not None:
        reason = reason_text(card.earlier_reason, edition)
        texts.append(Text("moderation.card.changed", reason=reason))
    texts += [
        Text("form.preview.title", value=card.title),
        _author(card),
        Text("form.preview.description", value=_shorten(card.description)),
        Text("form.preview.objectives", value=_shorten(card.objectives)),
        Text("form.preview.beneficiaries", value=_shorten(card.beneficiaries)),
        Text("form.preview.theme", value=Localized(theme.label) if theme else card.theme),
        Text("form.preview.attachments", count=card.attachments),
        Text(
            "form.preview.implementation",
            value=_shorten(card.implementation)
            if card.implementation
            else Text("form.preview.asks_suggestions"),
        ),
        Text("form.preview.place", value=_place(card)),
        Text(
            "moderation.card.district",
            value=Localized(district.name) if district else Text("moderation.card.no_district"),
        ),
        Text("form.preview.budget", value=Money(card.budget_cents, edition.currency)),
        *_checklist(card, edition),
    ]
    buttons = [
        [Button("moderation.button.publish", "decide", Decision.PUBLISH)],
        [Button("moderation.button.changes", "reasons", Decision.CHANGES)],
        [Button("moderation.button.reject", "reasons", Decision.REJECT)],
    ]
    if card.attachments:
        # Seen before deciding: they are sent into the moderator's chat by their file ids.
        label = Text("moderation.button.files", count=card.attachments)
        buttons.append([Button(label, "files")])
    buttons.append([Button("moderation.button.next", "next")])
    card_reply = Reply(*texts, compact=True, photo=card.image_file_id, buttons=buttons, edit=again)
    return [*in_full, card_reply]


def suggestion_card(card: SuggestionCard, position: int, total: int, again: bool = False) -> Reply:
    return Reply(
        Text("moderation.card.suggestion", position=position, total=total),
        Text("moderation.card.suggestion_for", number=card.idea_number, title=card.idea_title),
        Text("moderation.card.sent", day=card.sent_on),
        Text("moderation.card.suggestion_text", text=card.text),
        compact=True,
        buttons=[
            [Button("moderation.button.publish", "decide", Decision.PUBLISH)],
            [Button("moderation.button.reject", "decide", Decision.REJECT)],
            [Button("moderation.button.next", "next")],
        ],
        edit=again,
    )


def reasons(decision: Decision, number: int, title: str, edition: Edition) -> Reply:
    """The edition's reasons, one tap each, or write one."""
    rows = [
        [Button(Localized(reason.label), "decide", f"{decision}.{reason.code}")]
        for reason in edition.moderation_reasons
    ]
    rows.append([Button("moderation.button.write", "write", decision)])
    rows.append([Button("moderation.button.back", "card")])
    return Reply(
        f"moderation.reasons.{decision}", number=number, title=title, buttons=rows, edit=True
    )


def ask_reason(awaiting: Awaiting) -> Reply:
    return Reply(
        f"moderation.write.{awaiting.decision}",
        number=awaiting.number,
        limit=REASON_MAX,
        buttons=[[Button("moderation.button.back", "card")]],
        edit=True,
    )


def written_reason(event: Event) -> str | Reply:
    """The reason a moderator wrote, or what is wrong with it (they can write it again)."""
    back = [[Button("moderation.button.back", "card")]]
    if not isinstance(event, TextIn):
        return Reply("moderation.write.text_expected", buttons=back)
    text = event.text.strip()
    if not text:
        return Reply("moderation.write.text_expected", buttons=back)
    if len(text) > REASON_MAX:
        return Reply("moderation.write.too_long", count=len(text), limit=REASON_MAX, buttons=back)
    return text


def confirm_reason(awaiting: Awaiting) -> Reply:
    """What the author will read, before it is sent: a stray message typed long after is
    never taken as a decision."""
    decision = awaiting.decision
    return Reply(
        f"moderation.confirm.{decision}",
        number=awaiting.number,
        reason=awaiting.reason,
        buttons=[
            [Button(f"moderation.button.confirm_{decision}", "confirm")],
            [Button("moderation.button.back", "card")],
        ],
    )


def parse_choice(arg: str, kind: Kind, edition: Edition) -> tuple[Decision, str | None] | None:
    """A decision button's argument ("publish", "changes.off_topic"), checked: a listed
    reason is kept as its code; None for anything a button of ours never carries."""
    name, _, code = arg.partition(".")
    if name not in set(Decision):
        return None
    decision = Decision(name)
    if kind is Kind.SUGGESTION:
        return (decision, None) if decision is not Decision.CHANGES and not code else None
    if decision not in NEEDS_REASON:
        return (decision, None) if not code else None
    return (decision, code) if edition.moderation_reason(code) else None


def reason_text(reason: str, edition: Edition, advice: bool = False) -> object:
    """A listed reason (kept as its code) in the reader's language, or the words a moderator
    wrote; with `advice`, for the author, a reason that points to an admissibility criterion
    names it and says how to adapt the idea."""
    listed = edition.moderation_reason(reason)
    if listed is None:
        return reason
    criterion = edition.criterion(listed.criterion or "")
    if criterion is None or not advice:
        return Localized(listed.label)
    return Text(
        "moderation.reason.criterion",
        reason=Localized(listed.label),
        criterion=Localized(criterion.label),
        advice=Localized(criterion.advice),
    )


def decided(item: Item, decision: Decision, reason: object) -> Reply:
    """For the moderator, in place of the card."""
    if item.kind is Kind.SUGGESTION:
        return Reply(f"moderation.done.suggestion.{decision}", number=item.number, edit=True)
    return Reply(f"moderation.done.idea.{decision}", number=item.number, reason=reason, edit=True)


def already_decided(item: Item, status: str, by: int | None, me: int) -> Reply:
    """A card whose item someone (maybe the same moderator, pressing twice) already decided."""
    who: object = ""
    if by is not None:
        who = (
            Text("moderation.already.by_you")
            if by == me
            else Text("moderation.already.by", member=str(by))
        )
    return Reply(
        f"moderation.already.{item.kind}",
        number=item.number,
        status=Text(f"status.{status}"),
        who=who,
        notice=True,
    )


# -- what authors are told ------------------------------------------------------------------


def tell_author(
    decision: Decision, number: int, title: str, reason: object, edition: Edition, link: str
) -> Reply:
    if decision is Decision.PUBLISH:
        share = f"https://t.me/share/url?url={link}"
        return Reply(
            "moderation.author.publish",
            number=number,
            title=title,
            link=link,
            buttons=[[Button("form.button.share", "share", url=share)]],
        )
    if decision is Decision.CHANGES:
        return Reply(
            "moderation.author.changes",
            number=number,
            title=title,
            reason=reason,
            buttons=[[edit_button(number)]],
        )
    return Reply(
        "moderation.author.reject",
        number=number,
        title=title,
        reason=reason,
        email=edition.contact.email,
    )


def edit_button(number: int) -> Button:
    """Opens an idea the author may still change in the idea form (see idea_form.edit)."""
    return Button(Text("moderation.edit.button", number=number), "edit_idea", str(number))


def tell_idea_author(card: SuggestionCard) -> Reply:
    """A published suggestion, for the author of the idea it is about."""
    return Reply(
        "moderation.author.suggestion",
        number=card.idea_number,
        title=card.idea_title,
        text=card.text,
    )


def tell_sender(decision: Decision, card: SuggestionCard) -> Reply:
    return Reply(f"moderation.sender.{decision}", number=card.idea_number, title=card.idea_title)


def changed_since(number: int) -> Reply:
    """A decision pressed on a card of an idea its author has changed since: none is taken."""
    return Reply("moderation.changed_since", number=number, notice=True)


def tell_moderator_changed(number: int, title: str) -> Reply:
    """An idea whose author made the changes asked: it waits for moderation again."""
    return Reply("moderation.changed", number=number, title=title)


# -- the card's lines -----------------------------------------------------------------------


def _author(card: IdeaCard) -> Text:
    if card.author_kind == "myself":
        return Text("moderation.card.author.myself")
    return Text(f"moderation.card.author.{card.author_kind}", name=card.organisation or "")


def _paper(paper: PaperOrigin, edition: Edition) -> Text:
    stand = edition.stand(paper.stand)
    return Text(
        "moderation.card.paper",
        stand=Localized(stand.name) if stand else paper.stand,
        reference=paper.reference,
        author=paper.author_name or Text("form.preview.empty"),
        contact=paper.author_contact or Text("form.preview.empty"),
    )


def _checklist(card: IdeaCard, edition: Edition) -> list[Text]:
    """The author's answers to the checklist, a line each, by the criterion's label."""
    lines = []
    for code, answer in card.checklist:
        criterion = edition.criterion(code)
        if criterion is not None and answer in {"yes", "no", "unsure"}:
            mark = Text(f"guide.mark.{answer}")
            lines.append(
                Text("moderation.card.criterion", mark=mark, label=Localized(criterion.label))
            )
    return [Text("moderation.card.checklist"), *lines] if lines else []


def _place(card: IdeaCard) -> object:
    if card.address is not None:
        return card.address
    if card.latitude is not None and card.longitude is not None:
        return Text(
            "form.preview.pin", latitude=f"{card.latitude:.5f}", longitude=f"{card.longitude:.5f}"
        )
    return Text("form.preview.empty")


def _shorten(text: str | None) -> object:
    if text is None:
        return Text("form.preview.empty")
    if len(text) <= CARD_TEXT_MAX:
        return text
    return Text("moderation.card.shortened", start=text[: CARD_TEXT_MAX - 1].rstrip())
