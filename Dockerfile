# subreg in a container: Debian 12 slim, the binary and its runtime packages only, non-root.
# Both package lists come from tools/packages.txt (the one list).
#   docker build -t subreg .
#   docker run --rm -v "$PWD:/work" -w /work subreg check --registry . --format sarif
FROM debian:12-slim AS build
COPY tools/packages.txt /tmp/packages.txt
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git ca-certificates \
      $(sed -n 's/^build: //p' /tmp/packages.txt) \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# tools/deps.sh sees the packages installed above; the version comes from git when present
RUN make bin/subreg

FROM debian:12-slim
COPY tools/packages.txt /tmp/packages.txt
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      $(sed -n 's/^runtime: //p' /tmp/packages.txt) \
    && rm -rf /var/lib/apt/lists/* /tmp/packages.txt \
    && useradd --system --uid 10001 --home-dir /work subreg
COPY --from=build /src/bin/subreg /usr/local/bin/subreg
USER subreg
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/subreg"]
CMD ["--help"]
