# syntax=docker/dockerfile:1
# Build stage: install the locked dependencies and the project into a virtualenv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY models ./models
COPY migrations ./migrations
RUN /opt/venv/bin/pip install --no-deps .

# Runtime stage: the virtualenv only, run as an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 LCM__BOT__DATA_DIR=/data
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin lcm \
    && mkdir -p /data && chown lcm:lcm /data
COPY --from=build /opt/venv /opt/venv
USER lcm
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["lcm-bot"]
CMD ["run"]
