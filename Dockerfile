# SprintSync: the installed package, run as an unprivileged user. Migrates, then serves.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin sprintsync \
    && mkdir -p /data \
    && chown sprintsync:sprintsync /data

COPY pyproject.toml README.md /tmp/src/
COPY sprintsync /tmp/src/sprintsync
RUN pip install /tmp/src && rm -rf /tmp/src

USER sprintsync
WORKDIR /home/sprintsync

# Production refuses to start without SPRINTSYNC_SECRET_KEY (32+ random characters).
# SQLite in the /data volume unless SPRINTSYNC_DATABASE_URL points elsewhere (compose.yaml
# uses PostgreSQL).
ENV SPRINTSYNC_ENV=production \
    SPRINTSYNC_DATABASE_URL=sqlite+aiosqlite:////data/sprintsync.db \
    WEB_WORKERS=2
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

CMD ["sh", "-c", "sprintsync db upgrade && exec sprintsync serve --host 0.0.0.0 --port 8000 --workers \"$WEB_WORKERS\""]
