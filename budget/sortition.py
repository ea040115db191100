"""The citizens' seats of the selection committee, drawn by lot in a way anyone can repeat.

What goes in: the volunteers (each one's number and district), the number of seats, quotas per
district if staff set them, and a seed: a text announced publicly *before* the draw, which
nobody could know when volunteering closed (for example "Lotto 2027-01-30: 3 11 19 27 38 44").
The list of volunteers (numbers and districts, nothing more) is closed and published before the
seed is known, since from the seed anyone can compute their own ticket; it is published again
with the result, so that anyone can draw again and find the same committee.

1. Ticket. Each volunteer's ticket is the SHA-256 digest, in hexadecimal, of the UTF-8 text
   "<seed>:<number>", e.g. for volunteer no. 17:
   `printf '%s' 'Lotto 2027-01-30: 3 11 19 27 38 44:17' | sha256sum`
2. Order. In each district, the volunteers are ordered by ticket, the smallest (as text) first.
3. Seats per district. Quotas given by staff are kept as they are; the seats they leave over go
   to the districts they do not name, as follows. Without quotas, all seats are shared that way:
   one seat at a time goes to the district with the fewest seats so far among those that still
   have a volunteer without a seat; ties go to the district with the most volunteers, then to
   the district whose code comes first in alphabetical order. Six seats over three districts
   that each have two volunteers or more give two seats each; a seventh would go to the
   district with the most volunteers; a district with a single volunteer gets one seat and
   leaves the others to the rest.
4. Drawn and reserve. In each district, as many volunteers as it has seats are drawn, taken
   from the start of its order; the others are its reserve list, in that order. When someone
   drawn refuses, the first of the same district's reserve who is still available is asked.
   Seats for which a district has no volunteer stay empty, and the result says so.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class VolunteerState(StrEnum):
    """Where a volunteer stands.

    volunteered: waiting for the draw, or on their district's reserve list after it
    asked: drawn (or next on the reserve list), invited, not answered yet
    accepted: sits on the committee
    refused: declined the seat
    """

    VOLUNTEERED = "volunteered"
    ASKED = "asked"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class DrawError(ValueError):
    """A draw that cannot be made; `reason` is "no_seed", "no_seats", "negative_quota",
    "quotas_over_seats" or "same_volunteer_twice"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DistrictDraw:
    district: str
    seats: int
    # Every volunteer of the district, in the order of their tickets.
    order: tuple[int, ...]

    @property
    def drawn(self) -> tuple[int, ...]:
        return self.order[: self.seats]

    @property
    def reserve(self) -> tuple[int, ...]:
        return self.order[self.seats :]

    @property
    def unfilled(self) -> int:
        return max(0, self.seats - len(self.order))


@dataclass(frozen=True)
class Draw:
    seed: str
    seats: int
    # In alphabetical order of district code.
    districts: tuple[DistrictDraw, ...]

    @property
    def drawn(self) -> tuple[int, ...]:
        return tuple(volunteer for district in self.districts for volunteer in district.drawn)

    @property
    def unfilled(self) -> int:
        """Seats nobody was drawn for: too few volunteers (in a district, or in all)."""
        return self.seats - len(self.drawn)

    def district(self, code: str) -> DistrictDraw | None:
        return next((d for d in self.districts if d.district == code), None)

    def to_dict(self) -> dict[str, Any]:
        """The draw as it is recorded (and published)."""
        districts = {d.district: {"seats": d.seats, "order": list(d.order)} for d in self.districts}
        return {"seed": self.seed, "seats": self.seats, "districts": districts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Draw":
        districts = tuple(
            DistrictDraw(code, int(part["seats"]), tuple(int(v) for v in part["order"]))
            for code, part in sorted(data["districts"].items())
        )
        return cls(str(data["seed"]), int(data["seats"]), districts)


def ticket(seed: str, volunteer: int) -> str:
    return hashlib.sha256(f"{seed}:{volunteer}".encode()).hexdigest()


def draw(
    volunteers: Sequence[tuple[int, str]],
    seats: int,
    quotas: Mapping[str, int] | None,
    seed: str,
) -> Draw:
    """Draw the committee's citizens: `volunteers` are (number, district) pairs, in any order."""
    if not seed.strip():
        raise DrawError("no_seed")
    if seats < 1:
        raise DrawError("no_seats")
    numbers = [number for number, _ in volunteers]
    if len(set(numbers)) != len(numbers):
        raise DrawError("same_volunteer_twice")
    quotas = dict(quotas or {})
    if any(quota < 0 for quota in quotas.values()):
        raise DrawError("negative_quota")
    if sum(quotas.values()) > seats:
        raise DrawError("quotas_over_seats")
    by_district: dict[str, list[int]] = {}
    for number, district in volunteers:
        by_district.setdefault(district, []).append(number)
    orders = {
        district: tuple(sorted(members, key=lambda number: (ticket(seed, number), number)))
        for district, members in by_district.items()
    }
    shared = {district: len(orders[district]) for district in orders if district not in quotas}
    allocation = {**quotas, **share(seats - sum(quotas.values()), shared)}
    return Draw(
        seed,
        seats,
        tuple(
            DistrictDraw(district, allocation.get(district, 0), orders.get(district, ()))
            for district in sorted(set(orders) | set(quotas))
        ),
    )


def share(seats: int, volunteers: Mapping[str, int]) -> dict[str, int]:
    """Seats for each district, given how many volunteers each has (step 3 above)."""
    allocation = dict.fromkeys(volunteers, 0)
    for _ in range(seats):
        open_districts = [d for d, count in volunteers.items() if allocation[d] < count]
        if not open_districts:
            break
        chosen = min(open_districts, key=lambda d: (allocation[d], -volunteers[d], d))
        allocation[chosen] += 1
    return allocation
