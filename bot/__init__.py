"""Telegram through aiogram 3: handlers, rendering, middlewares, polling and the command line."""
