# syntax=docker/dockerfile:1
# SprintSync image in two stages: the builder makes the wheel and a virtual environment
# from it (deploy/build-venv.sh, also run by the tests); the runtime stage gets only that
# environment, on a slim base, as an unprivileged user, with no compilers, pip caches or
# source tree.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sprintsync ./sprintsync
COPY deploy/build-venv.sh ./deploy/
RUN sh deploy/build-venv.sh /opt/sprintsync /tmp/wheels

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/sprintsync/bin:$PATH
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin sprintsync \
    && mkdir -p /data \
    && chown sprintsync:sprintsync /data \
    && python -m pip uninstall --yes --quiet pip setuptools wheel \
    && rm -rf /root/.cache
COPY --from=builder /opt/sprintsync /opt/sprintsync

USER sprintsync
WORKDIR /home/sprintsync

# Production refuses to start without SPRINTSYNC_SECRET_KEY (32+ random characters).
# SQLite in the /data volume unless SPRINTSYNC_DATABASE_URL points elsewhere. The port is
# $PORT when the platform sets one, else 8000. With several replicas, set
# SPRINTSYNC_MIGRATE_ON_START=false and run `sprintsync db upgrade` once per release.
ENV SPRINTSYNC_ENV=production \
    SPRINTSYNC_DATABASE_URL=sqlite+aiosqlite:////data/sprintsync.db \
    SPRINTSYNC_WEB_WORKERS=2 \
    SPRINTSYNC_MIGRATE_ON_START=true \
    SPRINTSYNC_SHUTDOWN_GRACE_SECONDS=20
VOLUME ["/data"]
EXPOSE 8000
# uvicorn stops gracefully on SIGTERM (the default stop signal), within the grace period.
STOPSIGNAL SIGTERM

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4)"]

# No ENTRYPOINT: platforms' release commands (`sprintsync db upgrade`) run as written.
CMD ["sprintsync", "serve", "--host", "0.0.0.0"]
