#!/bin/sh
# Install the Debian packages subreg needs to build, test or benchmark, when missing.
# usage: tools/deps.sh build|test|bench|fuzz      install what is missing
#        tools/deps.sh list build|runtime          print a line of tools/packages.txt
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
here=$(dirname "$0")
line() { sed -n "s/^$1: //p" "$here/packages.txt"; }
if [ "${1:-}" = list ]; then
  case "${2:-}" in build|runtime) line "$2"; exit 0 ;; *) echo "usage: $0 list build|runtime" >&2; exit 2 ;; esac
fi
# what builds the binary and what it needs to run (make run and make test run it)
build="$(line build) $(line runtime)"
test="$build libcmocka-dev libxml2-utils git python3 python3-aiosmtpd curl sqlite3 chromium fonts-dejavu-core libicu72 prometheus wrk hyperfine jq time"
bench="$test nginx-light"
fuzz="$test clang-14 libclang-rt-14-dev"
case "${1:-build}" in
  build) want=$build ;;
  test) want=$test ;;
  bench) want=$bench ;;
  fuzz) want=$fuzz ;;
  *) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
# Node.js (for the SARIF schema check with ajv): any installed node/npm will do; Debian's
# packages only when there is none.
if [ "${1:-build}" != build ] && ! command -v npm >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
echo "subreg: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "subreg: install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be empty or stale on a fresh machine.
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends $missing >&2
