"""The router tree, built anew for each dispatcher; the order is the order of precedence."""

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
