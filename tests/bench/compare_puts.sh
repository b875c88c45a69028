#!/usr/bin/env bash
# PUT latency of two builds of subreg, alternating in one run on identical registries (the
# seed and 10,000 entries): what a change to the write path costs or saves, as a ratio.
# usage: tests/bench/compare_puts.sh BIN_BEFORE BIN_AFTER [PUTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1 B=$2 N=${3:-200} ROUNDS=${4:-3}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 tests/bench/gen.py $([ "$N" -lt 50 ] && echo 50 || echo 10000) "$d/reg10k" >/dev/null
for reg in seed 10k; do
  from=data/seed entry=subprocessors/mistral.xml
  [ $reg = 10k ] && from="$d/reg10k" && entry=subprocessors/vendor-00042.xml
  for who in A B; do
    bin=$A; [ $who = B ] && bin=$B
    "$bin" init --registry "$d/$reg-$who.git" --from "$from" >/dev/null
    "$bin" token add b --role editor --state "$d/st-$reg-$who" | tail -1 > "$d/tok-$reg-$who"
    git --git-dir="$d/$reg-$who.git" show "main:$entry" > "$d/put-$reg.xml"
  done
  for round in $(seq "$ROUNDS"); do
    for who in A B; do
      bin=$A; [ $who = B ] && bin=$B
      "$bin" serve --registry "$d/$reg-$who.git" --state "$d/st-$reg-$who" --listen 127.0.0.1:0 \
        --threads 2 --log off 2>"$d/err" &
      p=$!
      port=
      for i in $(seq 100); do
        port=$(sed -n 's|.*sub-processors) on http://127.0.0.1:\([0-9][0-9]*\)/.*|\1|p' "$d/err" | head -1)
        [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 0.1
      done
      # a repository fresh from init writes slower for its first commits: warm it up
      python3 tests/bench/put_load.py "$port" "$(cat "$d/tok-$reg-$who")" "$d/put-$reg.xml" $((N * 3 / 4)) >/dev/null
      echo "$reg $([ $who = A ] && echo before || echo after) round=$round $(python3 tests/bench/put_load.py "$port" "$(cat "$d/tok-$reg-$who")" "$d/put-$reg.xml" "$N")"
      kill -TERM $p; wait $p || true
    done
  done
done
