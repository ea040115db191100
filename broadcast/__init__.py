"""Campaigns, their audiences, the rate-limited delivery outbox and the weekly schedule."""
