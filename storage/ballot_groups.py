"""The published ballots as the results count them: each distinct ballot once, with how many
cast it, read from the database in one text and turned into numpy arrays without a Python
object per ballot (a national vote has a million ballots, a few hundred thousand distinct).

The database groups the ballots by their `project_ids` text and joins the groups into one
text, "times:ids" per group, groups separated by ";" (e.g. "3:4,17;1:;2:9"); parsing it is a
few passes of numpy over its characters."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy
from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import BallotRow

COUNT_MARK, GROUP_MARK, ID_MARK = ":", ";", ","


@dataclass(frozen=True, eq=False)
class BallotGroups:
    """Each distinct ballot once: the projects' ids of every ballot one ballot after the other
    (`project_ids`, ascending within a ballot), how many projects each holds (`lengths`, 0 for
    an empty ballot) and how many cast it (`counts`)."""

    project_ids: numpy.ndarray
    lengths: numpy.ndarray
    counts: numpy.ndarray

    def __iter__(self) -> Iterator[tuple[tuple[int, ...], int]]:
        """Each ballot as its projects' ids, with how many cast it."""
        ends = numpy.cumsum(self.lengths).tolist()
        ids = self.project_ids.tolist()
        starts = [0, *ends[:-1]]
        for start, end, times in zip(starts, ends, self.counts.tolist(), strict=True):
            yield tuple(ids[start:end]), times

    @classmethod
    def of(cls, groups: Iterable[tuple[Iterable[int], int]]) -> "BallotGroups":
        """From (ballot, times cast) pairs, each ballot's ids sorted here."""
        ballots, counts = [], []
        for ballot, times in groups:
            ballots.append(sorted(ballot))
            counts.append(times)
        return cls(
            numpy.fromiter((id for ballot in ballots for id in ballot), dtype=numpy.int64),
            numpy.fromiter(map(len, ballots), dtype=numpy.int64, count=len(ballots)),
            numpy.array(counts, dtype=numpy.int64),
        )


async def published_groups(session: AsyncSession, edition_id: int) -> BallotGroups:
    """The published ballots of the edition, grouped by the database."""
    group = cast(func.count(), Text) + COUNT_MARK + BallotRow.project_ids
    grouped = (
        select(group.label("ballot"))
        .where(BallotRow.edition_id == edition_id)
        .group_by(BallotRow.project_ids)
        .subquery()
    )
    joined = select(func.aggregate_strings(grouped.c.ballot, GROUP_MARK))
    if session.get_bind().dialect.name != "postgresql":
        # SQLite groups along the index on (edition_id, project_ids) by itself.
        return parse_groups(await session.scalar(joined) or "")
    # PostgreSQL underestimates how many distinct ballots there are and would group them in
    # a hash table spilling to disk; along the index it takes less than half the time.
    # The setting lasts for this query only (a failure rolls it back with the transaction).
    previous = await session.scalar(
        select(func.current_setting("enable_hashagg")).add_columns(
            func.set_config("enable_hashagg", "off", True)
        )
    )
    text = await session.scalar(joined)
    await session.execute(select(func.set_config("enable_hashagg", previous, True)))
    return parse_groups(text or "")


def parse_groups(text: str) -> BallotGroups:
    """The groups of a text "times:ids;times:ids..." (see the module's docstring)."""
    if not text:
        empty = numpy.zeros(0, dtype=numpy.int64)
        return BallotGroups(empty, empty, empty)
    chars = numpy.frombuffer(text.encode("ascii"), dtype=numpy.uint8)
    marks = numpy.flatnonzero(chars == ord(COUNT_MARK))
    commas = numpy.flatnonzero(chars == ord(ID_MARK))
    # A group holds one id more than its commas, or none when nothing follows its mark.
    after = numpy.append(chars, ord(GROUP_MARK))[marks + 1]
    lengths = numpy.bincount(numpy.searchsorted(marks, commas) - 1, minlength=len(marks)) + (
        after != ord(GROUP_MARK)
    )
    # Every number, times and ids alike, in order: numpy's text reader, once, in C.
    numbers_text = (
        text.replace(COUNT_MARK + GROUP_MARK, GROUP_MARK)
        .removesuffix(COUNT_MARK)
        .replace(COUNT_MARK, ID_MARK)
        .replace(GROUP_MARK, ID_MARK)
    )
    numbers = numpy.fromstring(numbers_text, dtype=numpy.int64, sep=ID_MARK)
    if len(numbers) != len(marks) + int(lengths.sum()):
        raise ValueError("the grouped ballots could not be read")
    # Each group's times comes first, then its ids.
    at = numpy.arange(len(marks)) + numpy.concatenate(([0], numpy.cumsum(lengths)[:-1]))
    is_count = numpy.zeros(len(numbers), dtype=bool)
    is_count[at] = True
    return BallotGroups(numbers[~is_count], lengths.astype(numpy.int64), numbers[at])
