#!/usr/bin/env bash
# layerlens --ci against dive --ci on docker save archives, with the floors beside them.
# For each image: the file is put in the page cache, then RUNS alternating runs of each tool
# (medians of wall seconds and peak RSS from GNU time), layerlens pinned to one core
# (taskset -c 0), `cat FILE > /dev/null`, and the sha256 of the file split over every core
# (benches/sha_floor.py), and the sha256 of the archive's largest member alone in one stream
# (`sha_floor.py --largest-member`: for a legacy archive, the largest layer's diff_id, which no
# number of cores shortens). Prints one markdown table row per image.
#
# usage: flock /tmp/layerlens-cargo.lock benches/compare.sh IMAGE.tar...
#   (hold the build lock: nothing else may build while timing)
# Env: RUNS (default 3), LAYERLENS (default target/release/layerlens), EXTRA (more layerlens
#   arguments, e.g. "--format text"), NO_DIVE=1 to skip dive.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
LAYERLENS=${LAYERLENS:-${CARGO_TARGET_DIR:-target}/release/layerlens}
EXTRA=${EXTRA:-}
[ -x "$LAYERLENS" ] || { echo "build it first: cargo build --release ($LAYERLENS)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ -z "${NO_DIVE:-}" ] && ! command -v dive >/dev/null; then echo "needs dive on PATH" >&2; exit 2; fi

# median of the numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# one NAME COMMAND...: one run under GNU time, appends "wall rss_kb" to $TMP/NAME
one() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$TMP/t" "$@" </dev/null >/dev/null 2>&1 || true
    tail -n 1 "$TMP/t" >>"$TMP/$name"
}
wall() { awk '{print $1}' "$TMP/$1" | median; }
rss() { awk '{print $2 / 1024}' "$TMP/$1" | median | awk '{printf "%.0f", $1}'; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cores=$(nproc)
echo "| image | size | dive --ci | layerlens --ci | × | layerlens, 1 core | cat | sha256 over $cores cores | layerlens ÷ floor | largest layer's sha256, 1 stream | dive RSS | layerlens RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for img in "$@"; do
    rm -f "$TMP"/*
    cat "$img" >/dev/null
    size=$(stat -c %s "$img")
    for ((i = 1; i <= RUNS; i++)); do
        [ -n "${NO_DIVE:-}" ] || one dive dive --ci --source docker-archive "$img"
        # shellcheck disable=SC2086
        one ll "$LAYERLENS" --ci $EXTRA "docker-archive:$img"
        # shellcheck disable=SC2086
        one ll1 taskset -c 0 "$LAYERLENS" --ci $EXTRA "docker-archive:$img"
        one cat sh -c "cat '$img' >/dev/null"
        python3 benches/sha_floor.py -j "$cores" "$img" >>"$TMP/sha"
        python3 benches/sha_floor.py --largest-member "$img" >>"$TMP/sha1"
    done
    ll=$(wall ll)
    sha=$(median <"$TMP/sha")
    if [ -n "${NO_DIVE:-}" ]; then dv="-"; dr="-"; x="-"; else
        dv=$(wall dive); dr=$(rss dive); x=$(awk -v a="$dv" -v b="$ll" 'BEGIN {printf "%.1f", a / b}'); fi
    printf '| %s | %.2f GB | %s s | %s s | %s | %s s | %s s | %s s | %s | %s s | %s MB | %s MB |\n' \
        "$(basename "$img")" "$(awk -v s="$size" 'BEGIN {print s / 1e9}')" \
        "$dv" "$ll" "$x" "$(wall ll1)" "$(wall cat)" "$sha" \
        "$(awk -v a="$ll" -v b="$sha" 'BEGIN {printf "%.2f", a / b}')" \
        "$(median <"$TMP/sha1")" "$dr" "$(rss ll)"
done
