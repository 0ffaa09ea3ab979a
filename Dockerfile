# fakekapi: a stand-in for the Kubernetes API server.
#   docker build -t fakekapi .
#   docker run --rm -p 6443:6443 -v fakekapi-data:/data fakekapi
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FAKEKAPI_DATA_DIR=/data

RUN groupadd --system --gid 10001 fakekapi \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/fakekapi fakekapi \
    && mkdir -p /data \
    && chown fakekapi:fakekapi /data \
    && chmod 0700 /data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY fakekapi ./fakekapi
RUN pip install --no-cache-dir /src && rm -rf /src

USER 10001:10001
WORKDIR /home/fakekapi
EXPOSE 6443
VOLUME ["/data"]
HEALTHCHECK --interval=2s --timeout=5s --start-period=10s CMD ["fakekapi", "status"]
ENTRYPOINT ["fakekapi"]
CMD ["serve", "--host", "0.0.0.0", "--port", "6443"]
