# The Twinweave server and ingest worker image (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY twinweave ./twinweave
COPY dtdl ./dtdl
COPY ontology ./ontology
COPY aas ./aas
COPY ingest ./ingest
COPY loaders ./loaders
COPY server ./server
RUN pip install . \
    && useradd --system --create-home --home-dir /var/lib/twinweave twinweave

USER twinweave
EXPOSE 8000
CMD ["twinweave", "serve"]
