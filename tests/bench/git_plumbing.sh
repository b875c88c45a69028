#!/usr/bin/env bash
# The same one-entry change as a subreg write, through the git command line's plumbing
# (no validation): hash-object, update-index, write-tree, commit-tree, update-ref (with the
# old value, i.e. compare-and-swap). usage: git_plumbing.sh REPO N  -> median ms per change
set -euo pipefail
repo=$1; n=$2
export GIT_DIR=$repo GIT_INDEX_FILE=$(mktemp) GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.org \
       GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.org
git read-tree main
tmpf=$(mktemp)
times=()
for i in $(seq 1 "$n"); do
  t0=$(date +%s%N)
  sed "s/Benchmark write [0-9A-Z]*/Benchmark git $i/" "$3" > "$tmpf"
  blob=$(git hash-object -w "$tmpf")
  git update-index --add --cacheinfo 100644,"$blob",subprocessors/bench-entry.xml
  tree=$(git write-tree)
  old=$(git rev-parse main)
  commit=$(echo "bench $i" | git commit-tree "$tree" -p "$old")
  git update-ref refs/heads/main "$commit" "$old"
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]/1000}'
rm -f "$GIT_INDEX_FILE" "$tmpf"
