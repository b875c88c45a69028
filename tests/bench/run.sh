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

for s in "${sections[@]}"; do
  if declare -f "bench_$s" >/dev/null; then "bench_$s"; else echo "(no benchmark section '$s' yet)"; fi
done
