# Multi-stage build: the runtime image holds one binary (with assets and migrations embedded)
# and the libssl that the bundled libpq links.
FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin parkportal

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin parkportal \
    && mkdir /data && chown parkportal /data
COPY --from=build /src/target/release/parkportal /usr/local/bin/parkportal
USER parkportal
WORKDIR /data
# Every interface: demo mode is not allowed (DEMO_MODE=auto), so there is no /dev/mailbox and no
# payment simulator, and the start stops with one line unless SMTP_URL and Swish or Nexi are set.
# To try the image with simulators and the local mailbox (anyone who reaches it reads every
# e-mail): docker run -e DEMO_MODE=on -p 127.0.0.1:8080:8080 parkportal
# The allocator setting (glibc's mmap threshold, 4 MiB) is made by the binary itself
# (src/memory.rs); MALLOC_MMAP_THRESHOLD_ set here would override it.
ENV BIND_ADDR=0.0.0.0:8080 \
    DEMO_MODE=auto
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["parkportal"]
CMD ["serve"]
