#!/usr/bin/env bash
# What reading an image from a daemon or a registry costs, against reading the same image from
# a file, on the 200k-file image from benches/gen_bench_image.py. usage:
#   benches/compare_sources.sh [IMAGE.tar]
# Needs the services `.ci/test` starts (dockerd, the anonymous registry on 127.0.0.1:5000),
# skopeo, curl and GNU time. Env: RUNS (default 3), LAYERLENS (default target/release/layerlens),
# ONLY (daemon or registry: run one half).
#
# Daemon: `layerlens docker://NAME` (export streamed through bollard into the indexer) against
#   `docker save NAME | layerlens docker-archive:/dev/stdin`, and `docker save NAME >/dev/null`
#   alone (what the daemon's export costs by itself).
# Registry: `layerlens registry://REF` (layers downloaded and indexed as they arrive, several at
#   once) against downloading every blob alone (curl, one after another) and indexing the same
#   blobs from an OCI layout on disk alone: overlap shows when the first is below the sum of the
#   other two.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-/tmp/bench-200k.tar}
RUNS=${RUNS:-3}
LAYERLENS=${LAYERLENS:-target/release/layerlens}
NAME=layerlens-bench:200k
REG=127.0.0.1:5000
REPO=layerlens/bench
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; docker rmi -f "$NAME" >/dev/null 2>&1 || true' EXIT

[ -x "$LAYERLENS" ] || { echo "build first: cargo build --release" >&2; exit 1; }
if [ ! -f "$IMAGE" ]; then
    echo "generating $IMAGE" >&2
    python3 benches/gen_bench_image.py -o "$IMAGE"
fi

# measure NAME SHELL-COMMAND: run it RUNS times under GNU time; print wall seconds and max RSS
# (of the largest process in the pipeline's shell, i.e. its biggest member).
measure() {
    local name=$1 cmd=$2 i log rc
    log=$(mktemp)
    for ((i = 1; i <= RUNS; i++)); do
        set +e
        /usr/bin/time -v -o "$log" bash -c "$cmd" </dev/null >/dev/null 2>&1
        rc=$?
        set -e
        awk -v name="$name" -v run="$i" -v rc="$rc" '
            /Elapsed \(wall clock\) time/ { n = split($NF, t, ":"); wall = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
            /Maximum resident set size/ { rss = $NF }
            END { printf "%-34s run %d: wall %7.2f s  max RSS %8.1f MiB  exit %s\n", name, run, wall, rss/1024, rc }' "$log"
    done
    rm -f "$log"
}

echo "image: $IMAGE ($(stat -c %s "$IMAGE") bytes)"

# --- daemon -----------------------------------------------------------------------------------
if [ "${ONLY:-daemon}" = daemon ]; then
docker load -q -i "$IMAGE" >/dev/null
docker tag bench-200k:latest "$NAME"
docker rmi bench-200k:latest >/dev/null
measure "docker save >/dev/null" "docker save $NAME >/dev/null"
measure "docker save | layerlens stdin" "docker save $NAME | $LAYERLENS --ci docker-archive:/dev/stdin"
measure "layerlens docker://" "$LAYERLENS --ci docker://$NAME"
fi

# --- registry ---------------------------------------------------------------------------------
[ "${ONLY:-registry}" = registry ] || exit 0
# skopeo compresses the layers with gzip on the way in, as a registry push does.
skopeo copy -q --dest-tls-verify=false "docker-archive:$IMAGE" "docker://$REG/$REPO:200k"
skopeo copy -q --src-tls-verify=false "docker://$REG/$REPO:200k" "oci:$WORK/layout:200k"
blobs=$(find "$WORK/layout/blobs/sha256" -type f -size +1M -printf '%f ')
download="for b in $blobs; do curl -fsS http://$REG/v2/$REPO/blobs/sha256:\$b >/dev/null; done"
measure "download blobs alone (curl)" "$download"
measure "index the same layout alone" "$LAYERLENS --ci oci:$WORK/layout:200k"
measure "layerlens registry://" "$LAYERLENS --ci registry://$REG/$REPO:200k"

# The same over a link limited to RATE bytes/s (default 50 MB/s, shared by all connections,
# benches/throttle_proxy.py): here the download is the slow part, so overlap shows as
# registry:// taking about the longer of "download alone" and "index alone", not their sum.
RATE=${RATE:-50000000}
PROXY=127.0.0.1:5099
python3 benches/throttle_proxy.py 5099 5000 "$RATE" &
proxy_pid=$!
trap 'kill $proxy_pid 2>/dev/null; rm -rf "$WORK"; docker rmi -f "$NAME" >/dev/null 2>&1 || true' EXIT
sleep 0.5
download="for b in $blobs; do curl -fsS http://$PROXY/v2/$REPO/blobs/sha256:\$b >/dev/null; done"
measure "download alone, $((RATE / 1000000)) MB/s link" "$download"
measure "layerlens registry://, same link" "$LAYERLENS --ci registry://$PROXY/$REPO:200k"
