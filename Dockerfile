# Multi-stage build: the runtime image holds one binary (with assets and migrations embedded)
# and the libssl that the bundled libpq and the HTTP clients link (one TLS stack: OpenSSL).
#
# Base images are pinned to a version (the toolchain CI uses, and a Debian point release);
# change them here, in one place, when updating.
ARG RUST_IMAGE=rust:1.95.0-slim-bookworm
ARG RUNTIME_IMAGE=debian:12.12-slim
ARG CARGO_CHEF_VERSION=0.1.78

# 1. cargo-chef: the toolchain with the tool that builds only the dependencies.
FROM ${RUST_IMAGE} AS chef
ARG CARGO_CHEF_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/* \
    && cargo install cargo-chef --locked --version ${CARGO_CHEF_VERSION}
WORKDIR /src

# 2. The recipe: Cargo.toml and Cargo.lock reduced to what the dependencies need.
FROM chef AS plan
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# 3. The dependencies, built in a layer of their own: a change to the code alone reuses it.
FROM chef AS build
COPY --from=plan /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --bin parkportal --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin parkportal

# 4. The runtime.
FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin parkportal \
    && mkdir /data && chown parkportal /data
COPY --from=build /src/target/release/parkportal /usr/local/bin/parkportal
USER parkportal
WORKDIR /data
# The SQLite file (the default DATABASE_URL, parkportal.db) lives here.
VOLUME /data
# Every interface: demo mode is not allowed (DEMO_MODE=auto), so there is no /dev/mailbox and no
# payment simulator, and the start stops with one line unless SMTP_URL and Swish or Nexi are set.
# To try the image with simulators and the local mailbox (anyone who reaches it reads every
# e-mail): docker run -e DEMO_MODE=on -p 127.0.0.1:8080:8080 parkportal
# The allocator setting (glibc's mmap threshold, 4 MiB) is made by the binary itself
# (src/memory.rs); MALLOC_MMAP_THRESHOLD_ set here would override it.
ENV BIND_ADDR=0.0.0.0:8080 \
    DEMO_MODE=auto
EXPOSE 8080
# `parkportal health` asks GET /health of the server on BIND_ADDR's port (the slim image has
# no curl); exit 0 when it answers 200 within 2 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["parkportal", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["parkportal"]
CMD ["serve"]
