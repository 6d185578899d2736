# One image for web (gunicorn), Celery worker and Celery beat; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY partnerships ./partnerships
COPY services ./services
COPY referrals ./referrals
COPY monitoring ./monitoring
COPY notifications ./notifications
COPY composition ./composition
COPY demo ./demo
RUN pip install .
COPY . .
RUN DJANGO_ENV=development python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 registry && mkdir -p /app/media && chown registry /app/media
USER registry

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
