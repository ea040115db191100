# The bot's image, for compose.yaml (README.md, "Deploying") or `docker run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# .dockerignore lets in only what `pip install .` needs.
COPY . /src
RUN pip install /src && rm -rf /src

# The bot runs as a user of its own; its working directory holds what it writes: pbbot.db and
# pbbot.key when it runs on SQLite, pbbot.key alone on PostgreSQL.
RUN useradd --system --create-home --home-dir /var/lib/pbbot --shell /usr/sbin/nologin pbbot
USER pbbot
WORKDIR /var/lib/pbbot

# In a container the health and webhook server must be reachable from the others.
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${HTTP_PORT:-8080}/healthz', timeout=4)"

CMD ["pbbot", "run"]
