"""How a serving process collects its garbage."""

import gc

# An update makes a few thousand short-lived objects (Telegram's, SQLAlchemy's, the replies'),
# nearly all gone when it is answered. At Python's default (a young collection every 700 new
# objects) the collector walks each update's objects several times while they are still in
# use; every 10 000 it walks them about once, for 4 % less CPU per update (bench/flow.py, the
# two settings alternated in one process).
YOUNG_COLLECTION_EVERY = 10_000


def settle() -> None:
    """Called once the process has started, before it serves: the ~250 000 objects of the
    imported libraries never die, so they are left out of garbage collection (its full passes
    over them would otherwise stall every chat for 100 ms), and young objects are collected
    less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)
