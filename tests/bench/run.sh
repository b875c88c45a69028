#!/usr/bin/env bash
# Benchmarks, each measured as a ratio against a real peer in the same run (the machines are
# shared and noisy: absolute times drift, ratios much less). Results go to tests/bench/out/.
# usage: tests/bench/run.sh [validate|store|check|http ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tests/bench/out
mkdir -p "$OUT"
BIN=$PWD/bin/subreg
sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(validate store check http)

mean_ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.1f' % (x['mean']*1000) for x in r))" "$1"; }

bench_validate() {
  echo "== validate: 10,000 entries, subreg validate vs xmllint --schema (same files)"
  python3 tests/bench/gen.py 10000 "$OUT/reg10k"
  # xmllint takes the file list through the shell (one process for all files, like subreg).
  hyperfine -w 2 -r 20 --export-json "$OUT/validate.json" \
    "$BIN validate $OUT/reg10k" \
    "xmllint --noout --schema schemas/subprocessor.xsd $OUT/reg10k/subprocessors/*.xml 2>/dev/null"
  read -r a b <<<"$(mean_ms "$OUT/validate.json")"
  python3 -c "print('validate 10k: subreg %s ms, xmllint %s ms, ratio subreg/xmllint = %.2f' % ('$a', '$b', $a/$b))" | tee "$OUT/validate.txt"
}

bench_store() {
  echo "== store: validated writes into registries of 10,000 and 100 entries; git plumbing beside"
  make -s build/release/tests/bench/bench_store
  for n in 100 10000; do
    python3 tests/bench/gen.py $n "$OUT/reg$n"
    rm -rf "$OUT/reg$n.git"
    "$BIN" init --registry "$OUT/reg$n.git" --from "$OUT/reg$n" >/dev/null
    # a fresh repository writes slower for its first few hundred commits (new object
    # directories): one full run first, then the measured one
    build/release/tests/bench/bench_store "$OUT/reg$n.git" "$OUT/index$n.sqlite" 200 >/dev/null
    build/release/tests/bench/bench_store "$OUT/reg$n.git" "$OUT/index$n.sqlite" 200 | tee "$OUT/store$n.txt"
  done
  git --git-dir="$OUT/reg10000.git" show main:subprocessors/bench-entry.xml > "$OUT/bench-entry.xml"
  g=$(tests/bench/git_plumbing.sh "$OUT/reg10000.git" 50 "$OUT/bench-entry.xml")
  echo "git plumbing (no validation, no fsync): median ${g} ms per change" | tee "$OUT/git_plumbing.txt"
  python3 - "$OUT" <<'PY'
import re, sys
out = sys.argv[1]
def kv(f):
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", open(f).read()))
a, b = kv(out + "/store10000.txt"), kv(out + "/store100.txt")
print("write median: 10k %.2f ms, 100 %.2f ms, ratio 10k/100 = %.2f" % (a["write_median_ms"], b["write_median_ms"], a["write_median_ms"] / b["write_median_ms"]))
PY
}

for s in "${sections[@]}"; do
  if declare -f "bench_$s" >/dev/null; then "bench_$s"; else echo "(no benchmark section '$s' yet)"; fi
done
