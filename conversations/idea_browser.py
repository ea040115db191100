"""Browsing the published ideas: a list a page at a time, in an order of the citizen's own, with
filters by theme, district and status; an idea's card; supports and suggestions.

A plain state machine like the vote. Supporting, withdrawing a support and keeping a suggestion
are effects the caller carries out (`BrowseOutcome.effect`), then feeds back as a result
(`SupportCounted`, `SuggestionKept`) with the context as it is then; the idea's documents are
sent as they are (`BrowseOutcome.files`). The list and the card are one message kept up to date
(`Reply(edit=True)`). The caller loads the card of the idea a step is about (`wanted_idea`)
before calling `step`."""

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from budget.edition import Edition, Phase
from budget.ideas import PUBLIC_STATUSES, AuthorKind, IdeaStatus
from conversations.events import Event, Press, TextIn, button_number
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Outcome, Reply, Text

PAGE_SIZE = 5
TITLE_ON_BUTTON = 24
SUGGESTION_MAX = 500
# The card stays short enough to read on a phone (and within Telegram's 4 096 characters):
# long texts are cut there, and "Read in full" sends them whole.
CARD_DESCRIPTION_MAX = 600
CARD_TEXT_MAX = 300
SUGGESTIONS_ON_CARD = 3
SUGGESTION_ON_CARD_MAX = 200
# How much typed text goes in one message of full texts or suggestions (Telegram: 4 096).
TYPED_PER_MESSAGE = 3000

# Everything made public; an idea waiting for moderation, refused, sent back for changes or
# merged into another is never shown.
PUBLIC = PUBLIC_STATUSES
# Supports and suggestions help the analysis and the committee: they are taken until then.
OPEN_TO_SUPPORT = frozenset({IdeaStatus.PUBLISHED, IdeaStatus.UNDER_ANALYSIS})
SUPPORT_PHASES = frozenset({Phase.DEPOSIT, Phase.ANALYSIS})


class BrowseAction(StrEnum):
    """What the published ideas' buttons ask for; the encoder accepts nothing else."""

    LIST = "list"
    PAGE = "page"
    CARD = "card"
    FULL = "full"
    FILES = "files"
    SUPPORT = "support"
    WITHDRAW = "withdraw"
    SUGGEST = "suggest"
    SUGGESTIONS = "suggestions"
    CANCEL = "cancel"
    THEMES = "themes"
    THEME = "theme"
    DISTRICTS = "districts"
    DISTRICT = "district"
    STATUSES = "statuses"
    STATUS = "status"
    CLEAR = "clear"


# Presses that mean the same whichever screen they come from: two quick taps on Support (the
# second from a card not yet redrawn) make one support, and nothing else.
TOGGLES = frozenset({BrowseAction.SUPPORT, BrowseAction.WITHDRAW})
# Presses about one idea's card, whose argument is the idea's number: the caller loads it.
IDEA_ACTIONS = frozenset(
    {
        BrowseAction.CARD,
        BrowseAction.SUPPORT,
        BrowseAction.WITHDRAW,
        BrowseAction.SUGGEST,
        BrowseAction.FILES,
        BrowseAction.FULL,
        BrowseAction.SUGGESTIONS,
    }
)


class Screen(StrEnum):
    LIST = "list"
    THEMES = "themes"
    DISTRICTS = "districts"
    STATUSES = "statuses"
    CARD = "card"
    SUGGEST = "suggest"


@dataclass
class BrowseState:
    """Where a citizen is in the ideas: the page, the filters, the idea open. `token` and `seq`
    name the screen a button was shown on, as in the vote."""

    token: str
    screen: Screen = Screen.LIST
    seq: int = 0
    page: int = 0
    theme: str | None = None
    district: str | None = None
    status: str | None = None
    card: int | None = None


@dataclass(frozen=True)
class Listed:
    """An idea as a line of the list."""

    id: int
    title: str
    theme: str
    district: str | None
    status: IdeaStatus
    supports: int


@dataclass(frozen=True)
class Attachment:
    kind: str  # "document" or "photo"
    file_id: str
    file_name: str


@dataclass(frozen=True)
class IdeaCard:
    """Everything the author gave, and the suggestions published under it."""

    id: int
    status: IdeaStatus
    author_kind: AuthorKind
    organisation: str | None
    title: str
    description: str
    objectives: str | None
    beneficiaries: str | None
    theme: str
    district: str | None
    implementation: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    budget_cents: int
    image: str | None
    attachments: tuple[Attachment, ...] = ()
    suggestions: tuple[str, ...] = ()
    # The citizen looking at it is its author.
    own: bool = False


@dataclass(frozen=True)
class BrowseContext:
    edition: Edition
    now: datetime
    # The public ideas, in this citizen's own order.
    ideas: tuple[Listed, ...]
    supported: frozenset[int] = frozenset()
    # The idea the step is about (see `wanted_idea`), if it is public in this edition.
    card: IdeaCard | None = None

    def idea(self, idea_id: int) -> Listed | None:
        return next((idea for idea in self.ideas if idea.id == idea_id), None)


@dataclass(frozen=True)
class Support:
    idea_id: int


@dataclass(frozen=True)
class WithdrawSupport:
    idea_id: int


@dataclass(frozen=True)
class Suggest:
    idea_id: int
    text: str


Effect = Support | WithdrawSupport | Suggest


@dataclass(frozen=True)
class SupportCounted:
    """The support (or its withdrawal) is in; the context counts it, other citizens' too."""


@dataclass(frozen=True)
class SuggestionKept:
    """The suggestion is kept for the idea's author and the moderators."""


Result = SupportCounted | SuggestionKept


@dataclass
class BrowseOutcome(Outcome):
    state: BrowseState
    effect: Effect | None = None
    files: tuple[Attachment, ...] = ()


def browse_order(ideas: Iterable[Listed], seed: str) -> list[Listed]:
    """The ideas in an order of the citizen's own (`seed`), so that no idea profits from being
    shown first. Each idea's place comes from its own number: one published later slots in
    somewhere without shuffling the others, and a citizen paging through keeps their bearings."""

    def place(idea: Listed) -> bytes:
        return hashlib.blake2b(f"{seed}:{idea.id}".encode(), digest_size=8).digest()

    return sorted(ideas, key=place)


def wanted_idea(state: BrowseState | None, event: Event | None) -> int | None:
    """The idea whose card the caller should load before `step`."""
    if isinstance(event, Press) and event.action in IDEA_ACTIONS:
        return button_number(event.arg)
    if state is not None and state.screen in {Screen.CARD, Screen.SUGGEST}:
        return state.card
    return None


def open_browser(state: BrowseState | None, ctx: BrowseContext, token: str) -> BrowseOutcome:
    """/ideas or the menu: the list from its first page, without filters. An earlier browser
    keeps its token, so that Support on a card still open works."""
    state = state or BrowseState(token=token)
    state.page, state.theme, state.district, state.status, state.card = 0, None, None, None, None
    return _show(state, Screen.LIST, ctx, edit=False)


def open_card(state: BrowseState | None, ctx: BrowseContext, token: str) -> BrowseOutcome:
    """A link to an idea (`ctx.card`): its card, with the buttons to support it, as if opened
    from the list; Back leads to the list from its first page."""
    state = state or BrowseState(token=token)
    state.page, state.theme, state.district, state.status, state.card = 0, None, None, None, None
    if ctx.card is None:
        return _show(state, Screen.LIST, ctx, edit=False)
    state.card = ctx.card.id
    return _with_photo(_show(state, Screen.CARD, ctx, edit=False), ctx.card)


def step(state: BrowseState, event: Event | Result, ctx: BrowseContext) -> BrowseOutcome:
    if isinstance(event, SupportCounted):
        return BrowseOutcome(state, [screen(state, ctx)])
    if isinstance(event, SuggestionKept):
        return BrowseOutcome(state, [Reply("ideas.suggest.thanks"), screen(state, ctx, edit=False)])
    if isinstance(event, Press):
        stale = event.seq != state.seq and event.action not in TOGGLES
        if event.token != state.token or stale:
            return BrowseOutcome(state, [Reply("ideas.error.old_button", notice=True)])
        return _press(state, event, ctx)
    if state.screen is Screen.SUGGEST:
        return _suggestion(state, event, ctx)
    return BrowseOutcome(state, [Reply("ideas.error.invalid_button")])


def screen(state: BrowseState, ctx: BrowseContext, edit: bool = True) -> Reply:
    """The screen the state is at, drawn from `ctx` (after a support, with the new count)."""
    match state.screen:
        case Screen.THEMES:
            themes = [(t.code, Localized(t.label)) for t in ctx.edition.themes]
            counts = Counter(idea.theme for idea in ctx.ideas)
            return _choices("ideas.filter.theme.ask", BrowseAction.THEME, themes, counts, edit)
        case Screen.DISTRICTS:
            districts = [(d.code, Localized(d.name)) for d in ctx.edition.districts]
            counts = Counter(idea.district or "" for idea in ctx.ideas)
            return _choices(
                "ideas.filter.district.ask", BrowseAction.DISTRICT, districts, counts, edit
            )
        case Screen.STATUSES:
            statuses = [(s.value, Text(f"status.{s.value}")) for s in IdeaStatus]
            counts = Counter(idea.status.value for idea in ctx.ideas)
            return _choices("ideas.filter.status.ask", BrowseAction.STATUS, statuses, counts, edit)
        case Screen.CARD | Screen.SUGGEST if ctx.card is not None:
            return _card(ctx.card, ctx, edit)
    return _list(state, ctx, edit)


# -- presses --------------------------------------------------------------------------------


def _press(state: BrowseState, press: Press, ctx: BrowseContext) -> BrowseOutcome:
    action, arg, current = press.action, press.arg, state.screen
    number = button_number(arg)
    if action in IDEA_ACTIONS:
        card = ctx.card
        if number is None or card is None or card.id != number:
            return BrowseOutcome(state, [Reply("ideas.error.unknown_idea", notice=True)])
        return _press_on_card(state, action, card, ctx)
    if action == BrowseAction.PAGE and current is Screen.LIST and number is not None:
        state.page = min(number, _pages(state, ctx) - 1)
        return _show(state, Screen.LIST, ctx)
    if (
        action in {BrowseAction.THEMES, BrowseAction.DISTRICTS, BrowseAction.STATUSES}
        and current is Screen.LIST
    ):
        return _show(state, Screen(action), ctx)
    if (
        action == BrowseAction.THEME
        and current is Screen.THEMES
        and (arg == "" or ctx.edition.theme(arg))
    ):
        state.theme, state.page = arg or None, 0
        return _show(state, Screen.LIST, ctx)
    if (
        action == BrowseAction.DISTRICT
        and current is Screen.DISTRICTS
        and (arg == "" or ctx.edition.district(arg))
    ):
        state.district, state.page = arg or None, 0
        return _show(state, Screen.LIST, ctx)
    if (
        action == BrowseAction.STATUS
        and current is Screen.STATUSES
        and (arg == "" or arg in PUBLIC)
    ):
        state.status, state.page = arg or None, 0
        return _show(state, Screen.LIST, ctx)
    if action == BrowseAction.CLEAR and current is Screen.LIST:
        state.theme = state.district = state.status = None
        state.page = 0
        return _show(state, Screen.LIST, ctx)
    if action == BrowseAction.LIST and current is not Screen.LIST:
        return _show(state, Screen.LIST, ctx)
    if action == BrowseAction.CANCEL and current is Screen.SUGGEST:
        return _show(state, Screen.CARD if ctx.card else Screen.LIST, ctx)
    return _invalid(state)


def _press_on_card(
    state: BrowseState, action: str, card: IdeaCard, ctx: BrowseContext
) -> BrowseOutcome:
    if action == BrowseAction.CARD:
        state.card = card.id
        return _with_photo(_show(state, Screen.CARD, ctx, edit=card.image is None), card)
    if action == BrowseAction.FILES:
        if not card.attachments:
            return _invalid(state)
        return BrowseOutcome(state, [], files=card.attachments)
    if action == BrowseAction.FULL:
        return BrowseOutcome(state, _full_texts(card))
    if action == BrowseAction.SUGGESTIONS:
        return BrowseOutcome(state, _all_suggestions(card))
    closed = _closed(card, ctx)
    if closed is not None:
        return BrowseOutcome(state, [closed])
    if action in TOGGLES:
        # Drawn once the support is counted (`SupportCounted`), with the count as it is then.
        state.card, state.screen = card.id, Screen.CARD
        state.seq += 1
        if action == BrowseAction.SUPPORT:
            return BrowseOutcome(state, [], effect=Support(card.id))
        return BrowseOutcome(state, [], effect=WithdrawSupport(card.id))
    if card.own:
        return BrowseOutcome(state, [Reply("ideas.suggest.own", notice=True)])
    state.card, state.screen = card.id, Screen.SUGGEST
    state.seq += 1
    # Asked in a message of its own, under the card, which stays in view.
    return BrowseOutcome(state, [_ask_suggestion(card)])


def _with_photo(outcome: BrowseOutcome, card: IdeaCard) -> BrowseOutcome:
    if card.image is not None:
        # A text message cannot become a photo: the photo comes first, then the card, which
        # stays a text message that Support can redraw in place.
        # The card under it names the idea: the photo goes without a caption.
        outcome.replies.insert(0, Reply(photo=card.image))
    return outcome


def _closed(card: IdeaCard, ctx: BrowseContext) -> Reply | None:
    """Why the idea cannot be supported or improved now, if it cannot."""
    edition, now = ctx.edition, ctx.now
    if edition.current_phase(now) not in SUPPORT_PHASES:
        opens = edition.opens_on(Phase.DEPOSIT, now)
        if opens is not None:
            return Reply("ideas.support.not_yet", day=opens, notice=True)
        last = Phase.ANALYSIS if Phase.ANALYSIS in edition.phases else Phase.DEPOSIT
        closed = edition.closed_on(last, now)
        if closed is not None:
            return Reply("ideas.support.over", day=closed, notice=True)
        return Reply("ideas.support.closed", notice=True)
    if card.status not in OPEN_TO_SUPPORT:
        status = Text(f"status.{card.status.value}")
        return Reply("ideas.support.idea_closed", status=status, notice=True)
    return None


def _suggestion(state: BrowseState, event: Event, ctx: BrowseContext) -> BrowseOutcome:
    card = ctx.card
    if card is None:
        return _show(state, Screen.LIST, ctx, edit=False, before=Reply("ideas.error.unknown_idea"))
    cancel = [[Button("ideas.button.cancel", BrowseAction.CANCEL)]]
    closed = _closed(card, ctx)
    if closed is not None:
        state.screen = Screen.CARD
        state.seq += 1
        return BrowseOutcome(state, [Reply(*closed.texts), _card(card, ctx, edit=False)])
    if not isinstance(event, TextIn) or not event.text.strip():
        return BrowseOutcome(state, [Reply("ideas.suggest.text_expected", buttons=cancel)])
    text = event.text.strip()
    if len(text) > SUGGESTION_MAX:
        refusal = Reply(
            "ideas.suggest.too_long", count=len(text), limit=SUGGESTION_MAX, buttons=cancel
        )
        return BrowseOutcome(state, [refusal])
    state.screen = Screen.CARD
    state.seq += 1
    return BrowseOutcome(state, [], effect=Suggest(card.id, text))


def _invalid(state: BrowseState) -> BrowseOutcome:
    return BrowseOutcome(state, [Reply("ideas.error.invalid_button", notice=True)])


def _show(
    state: BrowseState,
    target: Screen,
    ctx: BrowseContext,
    edit: bool = True,
    before: Reply | None = None,
) -> BrowseOutcome:
    state.screen = target
    state.seq += 1
    replies = [screen(state, ctx, edit)]
    if before is not None:
        replies.insert(0, before)
    return BrowseOutcome(state, replies)


# -- the list -------------------------------------------------------------------------------


def _filtered(state: BrowseState, ctx: BrowseContext) -> list[Listed]:
    return [
        idea
        for idea in ctx.ideas
        if (state.theme is None or idea.theme == state.theme)
        and (state.district is None or idea.district == state.district)
        and (state.status is None or idea.status == state.status)
    ]


def _pages(state: BrowseState, ctx: BrowseContext) -> int:
    return max(1, -(-len(_filtered(state, ctx)) // PAGE_SIZE))


def _list(state: BrowseState, ctx: BrowseContext, edit: bool) -> Reply:
    ideas = _filtered(state, ctx)
    pages = _pages(state, ctx)
    state.page = min(state.page, pages - 1)
    shown = ideas[state.page * PAGE_SIZE : (state.page + 1) * PAGE_SIZE]
    filtered = bool(state.theme or state.district or state.status)
    texts = [Text("ideas.list.header", count=len(ideas), page=state.page + 1, pages=pages)]
    if filtered:
        texts.append(_filters_line(state, ctx))
    if not ctx.ideas:
        texts.append(Text("ideas.list.empty"))
    elif not shown:
        texts.append(Text("ideas.list.none"))
    elif state.page == 0 and not filtered:
        texts.append(Text("ideas.list.hint"))
    rows: list[list[Button]] = []
    for number, idea in enumerate(shown, start=state.page * PAGE_SIZE + 1):
        texts.append(_line(number, idea, ctx))
        label = Text("ideas.button.card", number=number, title=_short(idea.title))
        rows.append([Button(label, BrowseAction.CARD, str(idea.id))])
    rows.append(_filter_buttons(ctx))
    if filtered:
        rows.append([Button("ideas.button.clear", BrowseAction.CLEAR)])
    navigation = []
    if state.page > 0:
        navigation.append(Button("ideas.button.previous", BrowseAction.PAGE, str(state.page - 1)))
    if state.page < pages - 1:
        navigation.append(Button("ideas.button.next", BrowseAction.PAGE, str(state.page + 1)))
    rows.append(navigation)
    if not ctx.ideas and ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        rows.append([Button("menu.deposit", MenuAction.DEPOSIT)])
    rows.append([Button("menu.open", MenuAction.MENU)])
    # Each idea takes two lines: a blank line between them keeps them apart on a phone.
    return Reply(*texts, edit=edit, buttons=rows)


def _line(number: int, idea: Listed, ctx: BrowseContext) -> Text:
    theme = ctx.edition.theme(idea.theme)
    values: dict[str, object] = dict(
        number=number,
        title=idea.title,
        theme=Localized(theme.label) if theme else idea.theme,
        supports=idea.supports,
    )
    if idea.status is IdeaStatus.PUBLISHED:
        return Text("ideas.list.line", **values)
    return Text("ideas.list.line.status", status=Text(f"status.{idea.status.value}"), **values)


def _filter_buttons(ctx: BrowseContext) -> list[Button]:
    """A filter is offered where it can narrow the list: while every idea is published, say,
    a filter by status would only say so again."""
    filters = [
        ("ideas.button.theme", BrowseAction.THEMES, len({idea.theme for idea in ctx.ideas})),
        (
            "ideas.button.district",
            BrowseAction.DISTRICTS,
            len({idea.district for idea in ctx.ideas}),
        ),
        ("ideas.button.status", BrowseAction.STATUSES, len({idea.status for idea in ctx.ideas})),
    ]
    return [Button(label, action) for label, action, kinds in filters if kinds > 1]


def _filters_line(state: BrowseState, ctx: BrowseContext) -> Text:
    theme = ctx.edition.theme(state.theme or "")
    district = ctx.edition.district(state.district or "")
    return Text(
        "ideas.list.filters",
        theme=Localized(theme.label) if theme else Text("ideas.filter.all"),
        district=Localized(district.name) if district else Text("ideas.filter.all"),
        status=Text(f"status.{state.status}") if state.status else Text("ideas.filter.all"),
    )


def _short(title: str) -> str:
    """A title short enough for a button on a phone."""
    return title if len(title) <= TITLE_ON_BUTTON else title[: TITLE_ON_BUTTON - 1] + "…"


def _choices(
    key: str,
    action: BrowseAction,
    choices: Sequence[tuple[str, Localized | Text]],
    counts: Counter[str],
    edit: bool,
) -> Reply:
    """The values a filter can take, with how many ideas have each; none for a value no idea
    has."""
    options = [
        Button(Text("ideas.filter.option", label=label, count=counts[code]), action, code)
        for code, label in choices
        if counts[code]
    ]
    rows = [options[i : i + 2] for i in range(0, len(options), 2)]
    rows.append([Button("ideas.filter.all", action, "")])
    rows.append([Button("ideas.button.list", BrowseAction.LIST)])
    return Reply(key, edit=edit, buttons=rows)


# -- the card -------------------------------------------------------------------------------


def _card(card: IdeaCard, ctx: BrowseContext, edit: bool) -> Reply:
    edition = ctx.edition
    theme = edition.theme(card.theme)
    district = edition.district(card.district or "")
    listed = ctx.idea(card.id)
    supports = listed.supports if listed else 0
    texts = [Text("ideas.card.title", title=card.title, number=card.id), _author(card)]
    texts.append(Text("ideas.card.theme", theme=Localized(theme.label) if theme else card.theme))
    if district is not None:
        texts.append(Text("ideas.card.district", district=Localized(district.name)))
    texts.append(Text("ideas.card.status", status=Text(f"status.{card.status.value}")))
    texts.append(Text("ideas.card.description", value=_cut(card.description, CARD_DESCRIPTION_MAX)))
    for key, value in _optional_texts(card):
        texts.append(Text(key, value=_cut(value, CARD_TEXT_MAX)))
    if not card.implementation:
        texts.append(Text("ideas.card.asks_suggestions"))
    if card.address:
        texts.append(Text("ideas.card.address", address=card.address))
    elif card.latitude is not None and card.longitude is not None:
        texts.append(
            Text(
                "ideas.card.pin",
                latitude=f"{card.latitude:.5f}",
                longitude=f"{card.longitude:.5f}",
            )
        )
    texts.append(Text("ideas.card.budget", budget=Money(card.budget_cents, edition.currency)))
    texts.append(Text("ideas.card.supports", count=supports))
    if card.id in ctx.supported:
        texts.append(Text("ideas.card.supported"))
    if card.own:
        texts.append(Text("ideas.card.own"))
    if card.suggestions:
        texts.append(Text("ideas.card.suggestions", count=len(card.suggestions)))
        latest = card.suggestions[-SUGGESTIONS_ON_CARD:]
        texts += [
            Text("ideas.card.suggestion", text=_cut(s, SUGGESTION_ON_CARD_MAX)) for s in latest
        ]
    return Reply(*texts, compact=True, edit=edit, buttons=_card_buttons(card, ctx))


def _card_buttons(card: IdeaCard, ctx: BrowseContext) -> list[list[Button]]:
    idea = str(card.id)
    rows: list[list[Button]] = []
    if _closed(card, ctx) is None:
        if card.id in ctx.supported:
            rows.append([Button("ideas.button.withdraw", BrowseAction.WITHDRAW, idea)])
        else:
            rows.append([Button("ideas.button.support", BrowseAction.SUPPORT, idea)])
        if not card.own:
            rows.append([Button("ideas.button.suggest", BrowseAction.SUGGEST, idea)])
    if _is_cut(card):
        rows.append([Button("ideas.button.full", BrowseAction.FULL, idea)])
    if card.attachments:
        label = Text("ideas.button.files", count=len(card.attachments))
        rows.append([Button(label, BrowseAction.FILES, idea)])
    if len(card.suggestions) > SUGGESTIONS_ON_CARD or any(
        len(s) > SUGGESTION_ON_CARD_MAX for s in card.suggestions
    ):
        label = Text("ideas.button.suggestions", count=len(card.suggestions))
        rows.append([Button(label, BrowseAction.SUGGESTIONS, idea)])
    rows.append([Button("ideas.button.list", BrowseAction.LIST)])
    return rows


def _author(card: IdeaCard) -> Text:
    if card.author_kind is AuthorKind.MYSELF:
        return Text("ideas.card.author.myself")
    return Text(f"ideas.card.author.{card.author_kind.value}", name=card.organisation or "")


def _optional_texts(card: IdeaCard) -> list[tuple[str, str]]:
    texts = [
        ("ideas.card.objectives", card.objectives),
        ("ideas.card.beneficiaries", card.beneficiaries),
        ("ideas.card.implementation", card.implementation),
    ]
    return [(key, value) for key, value in texts if value]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _is_cut(card: IdeaCard) -> bool:
    return len(card.description) > CARD_DESCRIPTION_MAX or any(
        len(value) > CARD_TEXT_MAX for _, value in _optional_texts(card)
    )


def _full_texts(card: IdeaCard) -> list[Reply]:
    parts = [("ideas.card.description", card.description), *_optional_texts(card)]
    texts = [(Text(key, value=value), len(value)) for key, value in parts]
    return _messages(Text("ideas.full.header", title=card.title), texts)


def _all_suggestions(card: IdeaCard) -> list[Reply]:
    texts = [(Text("ideas.card.suggestion", text=s), len(s)) for s in card.suggestions]
    return _messages(Text("ideas.suggestions.header", title=card.title), texts)


def _messages(header: Text, texts: Sequence[tuple[Text, int]]) -> list[Reply]:
    """`texts` (each with the length of what was typed in it) in as few messages as hold them."""
    messages: list[list[Text]] = [[header]]
    size = 0
    for text, length in texts:
        if size and size + length > TYPED_PER_MESSAGE:
            messages.append([])
            size = 0
        messages[-1].append(text)
        size += length
    return [Reply(*message) for message in messages]


def _ask_suggestion(card: IdeaCard) -> Reply:
    return Reply(
        "ideas.suggest.ask",
        title=card.title,
        limit=SUGGESTION_MAX,
        buttons=[[Button("ideas.button.cancel", BrowseAction.CANCEL)]],
    )
