"""The conversations as plain state machines: step(state, event) -> outcome with replies.

They speak in message ids and parameters (`Reply`); the bot layer translates and renders them.
"""
