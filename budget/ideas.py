"""What an idea is made of, its limits and the statuses it goes through."""

from enum import StrEnum


class AuthorKind(StrEnum):
    ORGANISATION = "organisation"
    MYSELF = "myself"
    SOMEONE_ELSE = "someone_else"


class IdeaStatus(StrEnum):
    """Every status an idea can have, in the order an idea goes through them.

    draft: being written in the chat (kept in the conversation state, not yet an idea row)
    submitted: published by its author, waiting for moderation
    rejected: refused by moderation (off-topic, insulting...); the author is told why
    published: visible to everyone after moderation
    changes_asked: moderation asked the author for changes
    under_analysis: staff check its feasibility
    not_feasible: analysis found it cannot be carried out
    merged: joined into a look-alike idea
    retained: put on the ballot by the committee
    not_retained: not put on the ballot
    winner: funded after the vote
    not_funded: on the ballot, not funded
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    PUBLISHED = "published"
    CHANGES_ASKED = "changes_asked"
    UNDER_ANALYSIS = "under_analysis"
    NOT_FEASIBLE = "not_feasible"
    MERGED = "merged"
    RETAINED = "retained"
    NOT_RETAINED = "not_retained"
    WINNER = "winner"
    NOT_FUNDED = "not_funded"


# While moderation has not published it, the author may still change their idea.
AUTHOR_MAY_EDIT = frozenset({IdeaStatus.SUBMITTED, IdeaStatus.CHANGES_ASKED})

# Limits chosen to fit a whole preview card in one Telegram message (4 096 characters) and to
# stay readable on a phone; the title limit is the edition form's own.
TITLE_MAX = 140
NAME_MAX = 140
DESCRIPTION_MAX = 2000
LONG_TEXT_MAX = 1000
ADDRESS_MAX = 200
ATTACHMENTS_MAX = 10


# What citizens may see of an idea: never one moderation has not published (submitted,
# changes asked, rejected), nor one merged into another.
PUBLIC_STATUSES = frozenset(
    {
        IdeaStatus.PUBLISHED,
        IdeaStatus.UNDER_ANALYSIS,
        IdeaStatus.NOT_FEASIBLE,
        IdeaStatus.RETAINED,
        IdeaStatus.NOT_RETAINED,
        IdeaStatus.WINNER,
        IdeaStatus.NOT_FUNDED,
    }
)
