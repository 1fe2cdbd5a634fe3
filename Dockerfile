# Kaikukanta's production image: gunicorn serving the Django app, WhiteNoise
# serving the static files. Configuration comes from the environment (see
# README: SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, …). Migrations are a
# separate release step: docker run --rm --env-file … IMAGE python manage.py migrate

# --- What both stages need: Pango and a font for WeasyPrint's PDFs ----------
FROM python:3.11-slim-bookworm AS base

# DEBUG off whatever else is set: the app then refuses to start without a SECRET_KEY.
ENV DEBUG=0 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Versions float with Debian's security updates of bookworm, on purpose.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# --- Build: dependencies, compiled catalogs, collected static files -----------
FROM base AS build

# gettext only for compilemessages; it stays out of the final image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Settings refuse to load without a SECRET_KEY; a throwaway one, for these
# two commands only (it is not kept in the image).
RUN if [ -n "$(find locale -name '*.po' 2>/dev/null)" ]; then \
        SECRET_KEY=build-only-not-secret python manage.py compilemessages \
            --ignore .venv --ignore node_modules; \
    fi \
    && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

# --- The image that runs ------------------------------------------------------
FROM base

# A numeric id, so that "run as non-root" can be checked without /etc/passwd.
RUN groupadd --system --gid 10001 kaikukanta \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app kaikukanta

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

# gunicorn reads WEB_CONCURRENCY for its number of workers (and
# GUNICORN_CMD_ARGS for any other option). The workers keep their Prometheus
# counters in files under PROMETHEUS_MULTIPROC_DIR, so /metrics adds them up
# (gunicorn_conf empties it at start; mount a tmpfs there to keep them in memory).
ENV WEB_CONCURRENCY=3 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/kaikukanta-metrics
EXPOSE 8000
USER 10001:10001

# /healthz answers 200 while the database answers. Django checks the Host
# header, so the check names the first of ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4)"]

# No gunicorn access log: the app writes one JSON line per request itself
# (kaikukanta/logs.py), without the paths that can carry card IDs.
CMD ["gunicorn", "kaikukanta.wsgi", "--config", "python:kaikukanta.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", "--no-control-socket"]
