"""The committee's citizens drawn by lot: the same seed always draws the same people, the seats
are shared among the districts as the module says, and anyone can check a ticket."""

import hashlib
import random

import pytest

from budget.sortition import Draw, DrawError, draw, share, ticket

SEED = "Lotto 2027-01-30: 3 11 19 27 38 44"


def volunteers(**counts: int) -> list[tuple[int, str]]:
    """Volunteers numbered 1, 2, 3... district after district."""
    numbered, number = [], 0
    for district, count in counts.items():
        for _ in range(count):
            number += 1
            numbered.append((number, district))
    return numbered


def test_the_same_seed_draws_the_same_people_whatever_the_order_of_the_list() -> None:
    people = volunteers(namur=7, dinant=5, philippeville=4)
    first = draw(people, 6, None, SEED)
    shuffled = people[:]
    random.Random(1).shuffle(shuffled)
    assert draw(shuffled, 6, None, SEED) == first
    assert draw(people, 6, None, SEED + " ") != first


def test_anyone_can_check_a_ticket_with_sha256() -> None:
    expected = hashlib.sha256(f"{SEED}:17".encode()).hexdigest()
    assert ticket(SEED, 17) == expected
    result = draw(volunteers(namur=5), 2, None, SEED)
    namur = result.district("namur")
    assert namur is not None
    assert list(namur.order) == sorted(range(1, 6), key=lambda n: ticket(SEED, n))


def test_six_seats_over_three_districts_give_two_each_and_the_rest_is_the_reserve() -> None:
    result = draw(volunteers(namur=5, dinant=3, philippeville=2), 6, None, SEED)
    assert {d.district: d.seats for d in result.districts} == {
        "dinant": 2,
        "namur": 2,
        "philippeville": 2,
    }
    namur = result.district("namur")
    assert namur is not None
    assert namur.drawn == namur.order[:2]
    assert namur.reserve == namur.order[2:]
    assert len(result.drawn) == 6
    assert result.unfilled == 0


def test_a_seat_left_over_goes_to_the_district_with_the_most_volunteers() -> None:
    assert share(7, {"namur": 5, "dinant": 3, "philippeville": 3}) == {
        "namur": 3,
        "dinant": 2,
        "philippeville": 2,
    }
    # Equal numbers of volunteers: alphabetical order decides.
    assert share(4, {"namur": 3, "dinant": 3, "philippeville": 3}) == {
        "namur": 1,
        "dinant": 2,
        "philippeville": 1,
    }


def test_a_district_with_fewer_volunteers_than_its_share_leaves_its_seats_to_the_others() -> None:
    result = draw(volunteers(namur=5, dinant=4, philippeville=1), 6, None, SEED)
    assert {d.district: d.seats for d in result.districts} == {
        "dinant": 2,
        "namur": 3,
        "philippeville": 1,
    }
    assert result.unfilled == 0


def test_fewer_volunteers_than_seats_leaves_seats_empty_and_says_so() -> None:
    result = draw(volunteers(namur=2, dinant=1), 6, None, SEED)
    assert len(result.drawn) == 3
    assert result.unfilled == 3


def test_quotas_are_kept_even_when_a_district_cannot_fill_them() -> None:
    result = draw(
        volunteers(namur=5, dinant=4, philippeville=1), 6, {"namur": 3, "philippeville": 2}, SEED
    )
    seats = {d.district: (d.seats, len(d.drawn), d.unfilled) for d in result.districts}
    # The one seat the quotas leave goes to the district they do not name.
    assert seats == {"namur": (3, 3, 0), "philippeville": (2, 1, 1), "dinant": (1, 1, 0)}
    assert result.unfilled == 1


def test_a_quota_for_a_district_without_volunteers_is_an_empty_seat() -> None:
    result = draw(volunteers(namur=3), 3, {"namur": 2, "dinant": 1}, SEED)
    dinant = result.district("dinant")
    assert dinant is not None and (dinant.seats, dinant.order, dinant.unfilled) == (1, (), 1)


@pytest.mark.parametrize(
    ("people", "seats", "quotas", "seed", "reason"),
    [
        (volunteers(namur=3), 2, None, "  ", "no_seed"),
        (volunteers(namur=3), 0, None, SEED, "no_seats"),
        (volunteers(namur=3), 2, {"namur": -1}, SEED, "negative_quota"),
        (volunteers(namur=3), 2, {"namur": 2, "dinant": 1}, SEED, "quotas_over_seats"),
        ([(1, "namur"), (1, "dinant")], 2, None, SEED, "same_volunteer_twice"),
    ],
)
def test_a_draw_that_cannot_be_made_says_why(
    people: list[tuple[int, str]],
    seats: int,
    quotas: dict[str, int] | None,
    seed: str,
    reason: str,
) -> None:
    with pytest.raises(DrawError) as refused:
        draw(people, seats, quotas, seed)
    assert refused.value.reason == reason


def test_a_recorded_draw_reads_back_the_same() -> None:
    result = draw(volunteers(namur=4, dinant=3), 3, None, SEED)
    assert Draw.from_dict(result.to_dict()) == result
