"""Ideas that look alike, for staff to merge: the reference case advises "mixing the projects
that look alike" before the committee selects.

Texts are compared word set against word set (rapidfuzz's `token_set_ratio`), after case,
accents, punctuation and the most frequent little words of the edition languages are set aside:
two citizens asking for the same orchard rarely use the same sentence, but they use the same
words ("verger", "école", "Jambes"). On ideas modelled on Namur's, look-alikes score 74 to 85
and unrelated ideas at most 60; hence the threshold of 70."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

THRESHOLD = 70

# Words of three letters or more that any two texts in these languages share (fr, nl, de, en);
# shorter words are dropped anyway.
_COMMON_WORDS = frozenset(
    word
    for words in (
        "les des une dans pour avec sur par aux est sont qui que mais pas plus ces cette ses "
        "leur leurs nous vous ils elles tout tous sans chez entre",
        "het een van voor met die dat zijn niet ook aan bij door naar wordt worden",
        "der die das und mit fur von den dem ein eine einen ist sind auf auch nicht wird werden",
        "the and for with from this that into their are was our can could would should will",
    )
    for word in words.split()
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LookAlike:
    """Two ideas (`first` < `second`) and how alike their texts are, from 0 to 100."""

    first: int
    second: int
    score: float


def normalise(text: str) -> str:
    """The words that carry the meaning, lower-case and without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(
        word for word in _WORD.findall(plain) if len(word) > 2 and word not in _COMMON_WORDS
    )


def look_alikes(texts: Iterable[tuple[int, str]], threshold: float = THRESHOLD) -> list[LookAlike]:
    """Every pair of ideas whose texts score at least `threshold`, the most alike first (then
    the oldest ideas first). Each pair is compared once: a few hundred ideas take well under a
    second."""
    words = sorted((number, normalise(text)) for number, text in texts)
    pairs = []
    for index, (first, first_words) in enumerate(words):
        for second, second_words in words[index + 1 :]:
            if first == second or not first_words or not second_words:
                continue
            score = fuzz.token_set_ratio(first_words, second_words, score_cutoff=threshold)
            if score:
                pairs.append(LookAlike(first, second, score))
    pairs.sort(key=lambda pair: (-pair.score, pair.first, pair.second))
    return pairs


def alike(first: str, second: str) -> float:
    """How alike two texts are, from 0 to 100, as `look_alikes` scores them."""
    return fuzz.token_set_ratio(normalise(first), normalise(second))


def most_alike(
    number: int, texts: Iterable[tuple[int, str]], limit: int = 3
) -> list[tuple[int, float]]:
    """The ideas most like idea `number` and their scores, whatever these are: staff who know
    two ideas are the same pick the other one among these (or type its number)."""
    known = dict(texts)
    own = normalise(known.pop(number, ""))
    scored = sorted(
        (-fuzz.token_set_ratio(own, normalise(text)), other) for other, text in known.items()
    )
    return [(other, -negative) for negative, other in scored[:limit]]
