#!/usr/bin/env bash
# Benchmarks, each measured as a ratio against a real peer in the same run (the machines are
# shared and noisy: absolute times drift, ratios much less). Results go to tests/bench/out/.
# usage: tests/bench/run.sh [validate|store|check|plan|puts|page|http|writes|replicas|putcmp ...]   (default: all)
# putcmp compares the PUT latency of BENCH_BEFORE (another build of subreg; default: the same
# binary, which measures the noise) with bin/subreg.
# BENCH_TINY=1 runs every section's own code once at a tiny size, with no timing claim (make
# test does, so that a broken benchmark fails the build); a section whose peer is not
# installed is then skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tests/bench/out
mkdir -p "$OUT"
BIN=$PWD/bin/subreg
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(validate store check plan puts page http writes replicas putcmp)
if [ "${BENCH_TINY:-0}" = 1 ]; then
  N_LARGE=50 N_SMALL=4 WRITES=3 N_PLAN=50 GIT_N=3 PUTS_WARM=2 PUTS=3 SECS_LONG=2 REPL_ROUNDS=1
  HF="-w 0 -r 2" DUR=1s ROUNDS=1 OUT=tests/bench/out-tiny
  mkdir -p "$OUT"
else
  N_LARGE=10000 N_SMALL=100 WRITES=200 N_PLAN=20000 GIT_N=50 PUTS_WARM=400 PUTS=200 SECS_LONG=60 REPL_ROUNDS=20
  HF="-w 2 -r 20" DUR=10s ROUNDS="1 2 3"
fi
# peers TOOL...: 0 when every tool is there; in tiny mode a missing one skips the section,
# otherwise it is an error.
peers() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 && continue
    if [ "${BENCH_TINY:-0}" = 1 ]; then echo "(skipped: $t is not installed)"; return 1; fi
    echo "bench: $t is missing: run make bench (it installs the peers)" >&2; exit 1
  done
}
echo "machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"

mean_ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.1f' % (x['mean']*1000) for x in r))" "$1"; }

bench_validate() {
  peers hyperfine xmllint || return 0
  echo "== validate: 10,000 entries, subreg validate vs xmllint --schema (same files)"
  python3 tests/bench/gen.py $N_LARGE "$OUT/reg10k"
  # xmllint takes the file list through the shell (one process for all files, like subreg).
  hyperfine $HF --export-json "$OUT/validate.json" \
    "$BIN validate $OUT/reg10k" \
    "xmllint --noout --schema schemas/subprocessor.xsd $OUT/reg10k/subprocessors/*.xml 2>/dev/null"
  read -r a b <<<"$(mean_ms "$OUT/validate.json")"
  python3 -c "print('validate 10k: subreg %s ms, xmllint %s ms, ratio subreg/xmllint = %.2f' % ('$a', '$b', $a/$b))" | tee "$OUT/validate.txt"
}

bench_store() {
  peers git || return 0
  echo "== store: validated writes into registries of 10,000 and 100 entries; git plumbing beside"
  make -s build/release/tests/bench/bench_store
  for n in $N_SMALL $N_LARGE; do
    python3 tests/bench/gen.py $n "$OUT/reg$n"
    rm -rf "$OUT/reg$n.git"
    "$BIN" init --registry "$OUT/reg$n.git" --from "$OUT/reg$n" >/dev/null
    # a fresh repository writes slower for its first few hundred commits (new object
    # directories): one full run first, then the measured one
    build/release/tests/bench/bench_store "$OUT/reg$n.git" "$OUT/index$n.sqlite" $WRITES >/dev/null
    build/release/tests/bench/bench_store "$OUT/reg$n.git" "$OUT/index$n.sqlite" $WRITES | tee "$OUT/store$n.txt"
  done
  git --git-dir="$OUT/reg$N_LARGE.git" show main:subprocessors/bench-entry.xml > "$OUT/bench-entry.xml"
  g=$(tests/bench/git_plumbing.sh "$OUT/reg$N_LARGE.git" $GIT_N "$OUT/bench-entry.xml")
  echo "git plumbing (no validation, no fsync): median ${g} ms per change" | tee "$OUT/git_plumbing.txt"
  python3 - "$OUT" $N_LARGE $N_SMALL <<'PY'
import re, sys
out = sys.argv[1]
def kv(f):
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", open(f).read()))
a, b = kv(out + "/store%s.txt" % sys.argv[2]), kv(out + "/store%s.txt" % sys.argv[3])
print("write median: 10k %.2f ms, 100 %.2f ms, ratio 10k/100 = %.2f" % (a["write_median_ms"], b["write_median_ms"], a["write_median_ms"] / b["write_median_ms"]))
PY
}

bench_writes() {
  peers curl || return 0
  echo "== writes: /healthz and GET /v1/subprocessors latency idle and with 4 API writers (writes off the request threads)"
  python3 tests/bench/read_under_writes.py "$BIN" "$OUT" $([ "${BENCH_TINY:-0}" = 1 ] && echo 2 || echo 20) | tee "$OUT/writes.txt"
}

bench_replicas() {
  peers git || return 0
  echo "== replicas: a push to the upstream (git daemon) until two --read-only replicas serve it, with and without webhook"
  python3 tests/bench/replicas.py "$BIN" "$OUT" $REPL_ROUNDS | tee "$OUT/replicas.txt"
}

bench_check() {
  peers hyperfine || return 0
  echo "== check: subreg check over 10,000 entries (all rules), beside xmllint schema-only on the same files"
  python3 tests/bench/gen.py $N_LARGE "$OUT/reg10k"
  hyperfine -N $HF --export-json "$OUT/check.json" "$BIN check --registry $OUT/reg10k" >/dev/null
  read -r a <<<"$(mean_ms "$OUT/check.json")"
  echo "check 10k: subreg check ${a} ms (target: under 1000 ms)" | tee "$OUT/check.txt"
}

bench_plan() {
  peers hyperfine jq /usr/bin/time || return 0
  echo "== plan: subreg check --hosting on a plan of 20,000 resources in nested modules, beside jq . on the same file"
  python3 tests/bench/gen_plan.py $N_PLAN "$OUT/plan20k.json"
  size=$(stat -c %s "$OUT/plan20k.json")
  hyperfine -N $HF --export-json "$OUT/plan.json" \
    "$BIN check --registry data/seed --hosting $OUT/plan20k.json" \
    "jq . $OUT/plan20k.json" >/dev/null
  read -r a b <<<"$(mean_ms "$OUT/plan.json")"
  rss_a=$(/usr/bin/time -f %M "$BIN" check --registry data/seed --hosting "$OUT/plan20k.json" 2>&1 >/dev/null | tail -1)
  rss_b=$(/usr/bin/time -f %M jq . "$OUT/plan20k.json" 2>&1 >/dev/null | tail -1)
  python3 -c "
s=$size/1e6; a=$a; b=$b; ra=$rss_a/1024; rb=$rss_b/1024
print('plan 20k (%.1f MB): subreg %.0f ms, jq %.0f ms, ratio subreg/jq = %.2f; peak RSS subreg %.0f MB (%.1fx the file), jq %.0f MB' % (s, a, b, a/b, ra, ra/s, rb))" | tee "$OUT/plan.txt"
}

bench_puts() {
  peers wrk curl || return 0
  echo "== puts: PUT throughput, 1 and 16 concurrent clients (wrk, tests/bench/put.lua, --threads 16), on the seed and on 10,000 entries"
  local d="$OUT/puts" port=18093
  rm -rf "$d"; mkdir -p "$d"
  rm -f "$OUT/puts.txt"
  python3 tests/bench/gen.py $N_LARGE "$d/reg10k"
  for reg in seed 10k; do
    local from=data/seed entry=subprocessors/mistral.xml
    [ $reg = 10k ] && from="$d/reg10k" && entry=subprocessors/vendor-00042.xml
    "$BIN" init --registry "$d/$reg.git" --from "$from" >/dev/null
    export TOKEN
    TOKEN=$("$BIN" token add bench --role editor --state "$d/state-$reg" | tail -1)
    export ENTRY="$d/entry-$reg.xml"
    git --git-dir="$d/$reg.git" show "main:$entry" > "$ENTRY"
    "$BIN" serve --registry "$d/$reg.git" --state "$d/state-$reg" --listen 127.0.0.1:$port --threads 16 --log off 2>"$d/serve-$reg.err" &
    spid=$!
    for i in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
    # a repository fresh from init writes slower for its first few hundred commits
    wrk -t1 -c1 -d$DUR -s tests/bench/put.lua http://127.0.0.1:$port >/dev/null
    for round in $ROUNDS; do
      for c in 1 16; do
        echo "$reg clients=$c $(wrk -t$([ $c = 1 ] && echo 1 || echo 2) -c$c -d$DUR -s tests/bench/put.lua http://127.0.0.1:$port |
          awk '/Requests\/sec/{r=$2} /^writes=/{w=$0} END{print "writes_per_s=" r, w}')"
      done
    done | tee -a "$OUT/puts.txt"
    kill -TERM $spid; wait $spid || true
  done
  python3 - "$OUT/puts.txt" <<'PY' | tee "$OUT/puts-summary.txt"
import re, statistics, sys
rows = {}
for l in open(sys.argv[1]):
    reg, c = l.split()[:2]
    rows.setdefault((reg, c), []).append(float(re.search(r"writes_per_s=([\d.]+)", l).group(1)))
for reg in ("seed", "10k"):
    one, many = rows[(reg, "clients=1")], rows[(reg, "clients=16")]
    print("%s: 1 client median %.0f writes/s, 16 clients median %.0f writes/s, ratio 16/1 per round %s" % (
        reg, statistics.median(one), statistics.median(many), " ".join("%.2f" % (b / a) for a, b in zip(one, many))))
PY
}

wrk_field() { # FILE -> "rps p99_ms non2xx"
  python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err = re.search(r"Socket errors: (.*)", t)
print("%.0f %.3f %s %s" % (rps, p99, bad.group(1) if bad else 0, "errors" if err else "ok"))
PY
}

bench_page() {
  peers wrk nginx curl || return 0
  echo "== page: GET / (the public page, English) of the seed, keep-alive, 50 connections, wrk; nginx serving the same bytes"
  local port=18183 nport=18184 d="$OUT/page"
  rm -rf "$d"; mkdir -p "$d/www"
  "$BIN" init --registry "$d/r.git" --from data/seed >/dev/null
  "$BIN" serve --registry "$d/r.git" --state "$d/state" --listen 127.0.0.1:$port --threads 2 --log off 2>"$d/serve.err" &
  local spid=$!
  for i in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  curl -sf http://127.0.0.1:$port/ > "$d/www/index.html"
  cat > "$d/nginx.conf" <<NGX
worker_processes 2;
pid $PWD/$d/nginx.pid;
error_log $PWD/$d/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nport; location / { root $PWD/$d/www; default_type text/html; } }
}
NGX
  nginx -c "$PWD/$d/nginx.conf"
  sleep 0.5
  for round in $ROUNDS; do
    wrk -t2 -c50 -d$DUR --latency http://127.0.0.1:$nport/ > "$d/wrk-nginx-$round.txt"
    wrk -t2 -c50 -d$DUR --latency http://127.0.0.1:$port/ > "$d/wrk-subreg-$round.txt"
  done
  nginx -c "$PWD/$d/nginx.conf" -s stop
  kill -TERM $spid; wait $spid || true
  for r in $ROUNDS; do echo "$r $(wrk_field "$d/wrk-subreg-$r.txt") $(wrk_field "$d/wrk-nginx-$r.txt")"; done |
    python3 -c "
import sys, statistics
rows = [l.split() for l in sys.stdin]
ratios = [float(r[1]) / float(r[5]) for r in rows]
print('page: subreg median %.0f req/s, nginx median %.0f req/s (%d bytes), ratio per round %s, median %.2f' % (
    statistics.median(float(r[1]) for r in rows), statistics.median(float(r[5]) for r in rows),
    $(stat -c %s "$d/www/index.html"), ' '.join('%.2f' % x for x in ratios), statistics.median(ratios)))" | tee "$OUT/page.txt"
}

bench_http() {
  peers wrk nginx curl || return 0
  echo "== http: GET /v1/subprocessors of the seed, keep-alive, 50 connections, wrk; nginx serving the same bytes"
  local port=18181 nport=18182 d="$OUT/http"
  rm -rf "$d"; mkdir -p "$d/www/v1"
  "$BIN" init --registry "$d/r.git" --from data/seed >/dev/null
  tok=$("$BIN" token add bench --role editor --state "$d/state" | tail -1)
  "$BIN" serve --registry "$d/r.git" --state "$d/state" --listen 127.0.0.1:$port --threads 2 --log "$d/subreg.log" 2>"$d/serve.err" &
  local spid=$!
  for i in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  curl -sf http://127.0.0.1:$port/v1/subprocessors > "$d/www/v1/subprocessors"
  cat > "$d/nginx.conf" <<NGX
worker_processes 2;
pid $PWD/$d/nginx.pid;
error_log $PWD/$d/nginx.err;
events { worker_connections 1024; }
http {
  access_log $PWD/$d/nginx.log combined buffer=64k flush=1s;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nport;
    location / { root $PWD/$d/www; default_type application/json; }
  }
}
NGX
  nginx -c "$PWD/$d/nginx.conf"
  sleep 0.5
  local etag_s etag_n
  etag_s=$(curl -sI http://127.0.0.1:$port/v1/subprocessors | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
  etag_n=$(curl -sI http://127.0.0.1:$nport/v1/subprocessors | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
  # alternate the two servers, three rounds each: the host is shared and noisy
  for round in $ROUNDS; do
    wrk -t2 -c50 -d$DUR --latency http://127.0.0.1:$nport/v1/subprocessors > "$d/wrk-nginx-$round.txt"
    wrk -t2 -c50 -d$DUR --latency http://127.0.0.1:$port/v1/subprocessors > "$d/wrk-subreg-$round.txt"
    wrk -t2 -c50 -d$DUR --latency -H "If-None-Match: $etag_n" http://127.0.0.1:$nport/v1/subprocessors > "$d/wrk-nginx304-$round.txt"
    wrk -t2 -c50 -d$DUR --latency -H "If-None-Match: $etag_s" http://127.0.0.1:$port/v1/subprocessors > "$d/wrk-subreg304-$round.txt"
  done
  nginx -c "$PWD/$d/nginx.conf" -s stop
  for k in nginx subreg nginx304 subreg304; do for r in $ROUNDS; do echo "$k $r $(wrk_field "$d/wrk-$k-$r.txt")"; done; done | tee "$OUT/http-raw.txt"
  python3 - "$OUT/http-raw.txt" <<'PY' | tee "$OUT/http.txt"
import statistics, sys
rows = {}
for l in open(sys.argv[1]):
    k, r, rps, p99, bad, _ = l.split()
    rows.setdefault(k, []).append((float(rps), float(p99), int(bad)))
def line(name, s, n):
    ratios = [a[0] / b[0] for a, b in zip(rows[s], rows[n])]
    print("%s: subreg median %.0f req/s (p99 median %.2f ms, range %.2f-%.2f; non-2xx %d), nginx median %.0f req/s (p99 median %.2f ms): ratio per round %s, median %.2f" % (
        name, statistics.median(x[0] for x in rows[s]), statistics.median(x[1] for x in rows[s]),
        min(x[1] for x in rows[s]), max(x[1] for x in rows[s]), sum(x[2] for x in rows[s]),
        statistics.median(x[0] for x in rows[n]), statistics.median(x[1] for x in rows[n]),
        " ".join("%.2f" % r for r in ratios), statistics.median(ratios)))
line("GET list", "subreg", "nginx")
line("304", "subreg304", "nginx304")
PY
  kill -TERM $spid; wait $spid || true

  echo "== http: PUT on a 10,000-entry registry"
  python3 tests/bench/gen.py $N_LARGE "$d/reg10k"
  "$BIN" init --registry "$d/r10k.git" --from "$d/reg10k" >/dev/null
  tok=$("$BIN" token add bench --role editor --state "$d/state10k" | tail -1)
  "$BIN" serve --registry "$d/r10k.git" --state "$d/state10k" --listen 127.0.0.1:$port --threads 2 --log off 2>"$d/serve10k.err" &
  spid=$!
  for i in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
  git --git-dir="$d/r10k.git" show main:subprocessors/vendor-00042.xml > "$d/put.xml"
  # a repository fresh from init writes about twice slower for its first few hundred
  # commits (docs/performance.md): warm it up first
  python3 tests/bench/put_load.py $port "$tok" "$d/put.xml" $PUTS_WARM >/dev/null
  python3 tests/bench/put_load.py $port "$tok" "$d/put.xml" $PUTS | tee "$OUT/http-put.txt"
  kill -TERM $spid; wait $spid || true

  echo "== http: 60 s mixed load (wrk reads + a PUT every 200 ms) on the seed; RSS after"
  "$BIN" serve --registry "$d/r.git" --state "$d/state" --listen 127.0.0.1:$port --threads 2 --log "$d/subreg-mixed.log" 2>"$d/serve-mixed.err" &
  spid=$!
  for i in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  git --git-dir="$d/r.git" show main:subprocessors/mistral.xml > "$d/mistral.xml"
  tok=$("$BIN" token add mixed --role editor --state "$d/state" | tail -1)
  python3 tests/bench/put_load.py $port "$tok" "$d/mistral.xml" 0 $SECS_LONG > "$d/mixed-put.txt" &
  local ppid=$!
  wrk -t2 -c50 -d${SECS_LONG}s --latency -s tests/bench/mixed.lua http://127.0.0.1:$port > "$d/wrk-mixed.txt"
  wait $ppid
  local rss
  rss=$(awk '/VmRSS/{print $2}' /proc/$spid/status)
  echo "mixed: $(wrk_field "$d/wrk-mixed.txt") ; puts: $(cat "$d/mixed-put.txt") ; RSS ${rss} kB" | tee "$OUT/http-mixed.txt"
  kill -TERM $spid; wait $spid || true
}

bench_putcmp() {
  peers curl || return 0
  echo "== putcmp: PUT latency, ${BENCH_BEFORE:-$BIN} (before) and $BIN (after), alternating"
  if [ "${BENCH_TINY:-0}" = 1 ]; then
    tests/bench/compare_puts.sh "${BENCH_BEFORE:-$BIN}" "$BIN" 8 1 | tee "$OUT/putcmp.txt"
  else
    tests/bench/compare_puts.sh "${BENCH_BEFORE:-$BIN}" "$BIN" 200 3 | tee "$OUT/putcmp.txt"
  fi
}

for s in "${sections[@]}"; do
  if declare -f "bench_$s" >/dev/null; then "bench_$s"; else echo "(no benchmark section '$s' yet)"; fi
done
