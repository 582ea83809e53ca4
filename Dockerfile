# The sequencer image, with the prover worker (`ccr-prover-worker`, the fleet's command):
# `docker build -t ccr-sequencer:dev .` (from the repository root).
# Multi-stage: a Rust builder (clang for RocksDB's C++), then a small Debian runtime running as
# a non-root user. Keys, the L1 key and every option come from mounted files and the environment
# (`CCR_…`, see `ccr-sequencer --help`); nothing secret is baked in.
FROM rust:1.94-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang libclang-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV CARGO_INCREMENTAL=0
RUN cargo build --release --locked -p ccr-sequencer \
 && cp target/release/ccr-sequencer target/release/ccr-prover-worker /usr/local/bin/

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 ccr && useradd --uid 10001 --gid ccr --no-create-home --shell /usr/sbin/nologin ccr \
 && mkdir -p /data && chown ccr:ccr /data
COPY --from=build /usr/local/bin/ccr-sequencer /usr/local/bin/ccr-prover-worker /usr/local/bin/
USER 10001:10001
ENV CCR_DB=/data/db CCR_RPC=0.0.0.0:8645 CCR_METRICS=0.0.0.0:9100
EXPOSE 8645 8646 9100
VOLUME ["/data"]
ENTRYPOINT ["ccr-sequencer"]
