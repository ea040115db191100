"""The router tree, built anew for each dispatcher; the order is the order of precedence."""

from aiogram import Router

from bot.handlers import fallback, idea_form, my_ideas, results, start, vote


def get_routers() -> list[Router]:
    # Commands come before the form, so that /start in the middle of it is a command and not a
    # title; the fallback comes last and takes whatever nobody else did.
    return [
        start.router(),
        my_ideas.router(),
        idea_form.router(),
        vote.router(),
        results.router(),
        fallback.router(),
    ]
