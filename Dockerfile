# fakekapi: a stand-in for the Kubernetes API server.
#   docker build -t fakekapi .
#   docker run --rm -p 6443:6443 -v fakekapi-data:/data fakekapi
#
# Two stages: the first builds the wheel exactly as `pip wheel .` does for users (MANIFEST.in
# decides what it carries; tests/test_packaging.py checks it carries every data file), the second
# installs that wheel, so the image runs what `pip install` users run.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml MANIFEST.in README.md ./
COPY fakekapi ./fakekapi
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

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

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/fakekapi-*.whl && rm -rf /wheels

USER 10001:10001
WORKDIR /home/fakekapi
EXPOSE 6443
VOLUME ["/data"]
HEALTHCHECK --interval=2s --timeout=5s --start-period=10s CMD ["fakekapi", "status"]
ENTRYPOINT ["fakekapi"]
CMD ["serve", "--host", "0.0.0.0", "--port", "6443"]
