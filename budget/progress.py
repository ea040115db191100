"""A funded project's progress as staff post it: a stage of the edition's and a text (for a
stage that needs one, such as cancelled, the text says why)."""

from budget.edition import Edition, Stage

# Room for the text under a photo (Telegram's caption holds 1 024 characters) with the
# project's title, the stage and the date around it.
PROGRESS_TEXT_MAX = 800


class ProgressError(ValueError):
    """What is wrong with a post: "stage" (not one of the edition's), "empty", "too_long"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_post(edition: Edition, stage_code: str, text: str) -> Stage:
    stage = edition.stage(stage_code)
    if stage is None:
        raise ProgressError("stage")
    if not text.strip():
        raise ProgressError("empty")
    if len(text.strip()) > PROGRESS_TEXT_MAX:
        raise ProgressError("too_long")
    return stage
