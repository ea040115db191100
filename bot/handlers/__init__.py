"""The router tree, built anew for each dispatcher; the order is the order of precedence.
And the table that takes the most frequent updates past it."""

from aiogram import Router

from bot.handlers import (
    analysis,
    audit,
    broadcast,
    campaign_reminders,
    committee,
    fallback,
    figures,
    follow_ups,
    guide,
    idea_form,
    ideas,
    integrity,
    moderation,
    my_ideas,
    privacy,
    progress,
    projects,
    results,
    staff_roles,
    stands,
    start,
    vote,
)
from bot.runtime.callbacks import FormButton, VoteButton
from bot.runtime.hot_routes import HotRoutes


def get_routers() -> list[Router]:
    # Commands come before the form, so that /start in the middle of it is a command and not a
    # title; the fallback comes last and takes whatever nobody else did.
    return [
        start.router(),
        my_ideas.router(),
        campaign_reminders.router(),
        privacy.router(),
        # While the idea form is being filled in, no other conversation waits for typed text
        # (each one that asks leaves the form first): the form's answers skip the others'
        # filters, which each read a conversation state.
        guide.router(),
        idea_form.router(),
        staff_roles.router(),
        stands.router(),
        audit.router(),
        figures.router(),
        moderation.router(),
        analysis.router(),
        committee.router(),
        follow_ups.router(),
        ideas.router(),
        broadcast.router(),
        integrity.router(),
        progress.router(),
        projects.router(),
        vote.router(),
        results.router(),
        fallback.router(),
    ]


def get_hot_routes() -> HotRoutes:
    """What citizens send most, taken to its handler without going through the routers above
    (see bot.runtime.hot_routes). Each entry is what the routers would choose: its handler is
    registered there with the same filter, and no router before it takes the same updates
    (tests/flows/test_hot_routes.py checks both)."""
    routes = HotRoutes()
    routes.button(FormButton, idea_form.press_form_button)
    routes.typed(idea_form.IdeaForm.answering, idea_form.answer_question)
    routes.button(VoteButton, vote.press_vote_button)
    return routes
