# subreg in a container: Debian 12 slim, the binary and its five libraries only, non-root.
#   docker build -t subreg .
#   docker run --rm -v "$PWD:/work" -w /work subreg check --registry . --format sarif
FROM debian:12-slim AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      gcc make pkg-config git ca-certificates \
      libxml2-dev libgit2-dev libsqlite3-dev libmicrohttpd-dev libcjson-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# tools/deps.sh sees the packages installed above; the version comes from git when present
RUN make bin/subreg

FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      libxml2 libgit2-1.5 libsqlite3-0 libmicrohttpd12 libcjson1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /work subreg
COPY --from=build /src/bin/subreg /usr/local/bin/subreg
USER subreg
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/subreg"]
CMD ["--help"]
