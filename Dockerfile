# eventplanner: the web app; the same image runs the mail worker and the cron jobs.
FROM python:3.11-slim AS build
WORKDIR /app
COPY pyproject.toml README.md ./
COPY eventplanner ./eventplanner
COPY config.py babel.cfg ./
# The dependencies go into the venv; the app itself runs from /app (templates and
# migrations sit beside it), so the installed copy is removed again.
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir '.[prod]' \
 && /venv/bin/pip uninstall --yes eventplanner \
 && /venv/bin/pybabel compile -d eventplanner/translations

FROM python:3.11-slim
# WeasyPrint (briefings and place cards as PDF) draws text with Pango; DejaVu covers æøåäöüß.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 eventplanner
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app/eventplanner ./eventplanner
COPY config.py ./
COPY templates ./templates
COPY migrations ./migrations
COPY deploy ./deploy
ENV PATH="/venv/bin:$PATH" \
    PYTHONPATH=/app \
    FLASK_APP=eventplanner \
    EVENTPLANNER_CONFIG=production \
    BIND=0.0.0.0:8000 \
    PYTHONUNBUFFERED=1
USER eventplanner
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# Migrations run first (they are idempotent); then gunicorn serves.
CMD ["sh", "-c", "flask db upgrade && exec gunicorn -c deploy/gunicorn.conf.py"]
