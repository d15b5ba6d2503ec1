# The helpline web application. Stateless: all state is in PostgreSQL and the keyring volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system helpline && useradd --system --gid helpline --home-dir /app helpline

WORKDIR /app
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY alembic ./alembic
COPY crypto ./crypto
COPY helpline ./helpline
# Editable install: migrations are found next to the package (helpline/migrations.py).
RUN pip install -e . && mkdir -p /keys && chown helpline:helpline /keys

USER helpline
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Serves only. Migrations run as the tables' owner, a separate step before each start (in
# docker-compose.yml the `migrate` service), because the app's own role must not own them.
CMD ["helpline", "serve", "--host", "0.0.0.0", "--port", "8000"]
