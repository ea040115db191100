"""Editions as staff loaded them."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.edition import Edition, Phase
from budget.edition_file import parse_edition
from storage.tables import EditionRow


@dataclass(frozen=True)
class StoredEdition:
    id: int
    edition: Edition
    # What tells two readings of the same edition apart: when it was loaded, what was set by hand.
    version: tuple[datetime, tuple[tuple[str, bool], ...]]


class Editions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, source: str, now: datetime) -> StoredEdition:
        """Store an edition file (already checked by `parse_edition`); loading one with the same
        slug again replaces it and keeps the phases staff opened or closed by hand."""
        edition = parse_edition(source)
        row = await self.session.scalar(select(EditionRow).where(EditionRow.slug == edition.slug))
        if row is None:
            row = EditionRow(slug=edition.slug, source=source, overrides={}, loaded_at=now)
            self.session.add(row)
        else:
            row.source, row.loaded_at = source, now
        await self.session.flush()
        return _stored(row)

    async def current(
        self, slug: str | None = None, known: StoredEdition | None = None
    ) -> StoredEdition | None:
        """The edition named by `slug`, or the one loaded last; `known` is given back as it
        is when nothing changed since it was read, which spares reading the file again."""
        query = select(EditionRow.id, EditionRow.loaded_at, EditionRow.overrides)
        if slug:
            query = query.where(EditionRow.slug == slug)
        head = (
            await self.session.execute(query.order_by(EditionRow.loaded_at.desc()).limit(1))
        ).first()
        if head is None:
            return None
        if known is not None and (known.id, known.version) == (head.id, _version(head)):
            return known
        row = await self.session.get(EditionRow, head.id)
        return _stored(row) if row else None

    async def set_phase(self, slug: str, phase: Phase, is_open: bool | None) -> StoredEdition:
        """Open or close a phase by hand; None gives it back to its dates."""
        row = await self.session.scalar(select(EditionRow).where(EditionRow.slug == slug))
        if row is None:
            raise LookupError(slug)
        overrides = dict(row.overrides)
        if is_open is None:
            overrides.pop(phase.value, None)
        else:
            if is_open:
                # Only one phase can be open by hand: opening one closes the others' overrides.
                overrides = {key: value for key, value in overrides.items() if not value}
            overrides[phase.value] = is_open
        row.overrides = overrides
        await self.session.flush()
        return _stored(row)


def _version(row: Any) -> tuple[datetime, tuple[tuple[str, bool], ...]]:
    return row.loaded_at, tuple(sorted((key, bool(value)) for key, value in row.overrides.items()))


def _stored(row: EditionRow) -> StoredEdition:
    edition = parse_edition(row.source)
    overrides = {Phase(key): bool(value) for key, value in row.overrides.items()}
    return StoredEdition(row.id, replace(edition, overrides=overrides), _version(row))
