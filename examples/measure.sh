#!/usr/bin/env bash
# measure.sh [python] [node]
#
# Builds each example twice, naively (Dockerfile.naive) and well (Dockerfile), prints the sizes
# and the measured reduction, then what layerlens says about the naive image: its text report,
# the diff naive -> good, and its own estimate of the savings beside the measured reduction.
#
# Environment:
#   LAYERLENS=PATH       the layerlens binary (default: layerlens on PATH; skipped when missing)
#   DOCKER=PATH          the docker client (default /usr/bin/docker when present, else docker)
#   DOCKER_BUILDKIT=1    build with BuildKit instead of the legacy builder (passed through)
#   SAVE_DIR=DIR         also `docker save` each image to DIR/<example>-{naive,good}<suffix>.tar
#   TAG_SUFFIX=-bk       tag layerlens-example/<example>-service:naive-bk and :good-bk instead
#   KEEP_CONTEXT=1       keep the generated build contexts (their path is printed)
#
# Needs root (make-bases.sh runs debootstrap), a Docker daemon, python3, git, node/npm, and
# network access to the Debian archive, PyPI and the npm registry. Builds run with
# --network host (a daemon without a default bridge network works too).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${DOCKER:-}" ]; then
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
export DOCKER
LAYERLENS=${LAYERLENS:-layerlens}
examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(python node)

work=$(mktemp -d /var/tmp/layerlens-examples.XXXXXX)
if [ "${KEEP_CONTEXT:-0}" = 1 ]; then
  trap 'echo "measure: contexts kept in $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

builder=legacy
[ "${DOCKER_BUILDKIT:-0}" = 1 ] && builder=buildkit
export BUILDKIT_PROGRESS=plain

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

# build TAG DOCKERFILE CONTEXT ignore|no-ignore LOG
build() {
  local tag=$1 dockerfile=$2 ctx=$3 mode=$4 log=$5 t0=$SECONDS
  echo "measure: building $tag ($builder builder, log $log)"
  if [ "$mode" = ignore ]; then
    "$DOCKER" build --network host --force-rm -f "$ctx/$dockerfile" -t "$tag" "$ctx" >"$log" 2>&1 \
      || { tail -40 "$log" >&2; return 1; }
  else
    # The naive build must see the whole working copy, as a project without a .dockerignore
    # would. Sending the context as a tarball without the .dockerignore is the one way that works
    # the same with both builders: the client applies .dockerignore only to a directory context,
    # and the legacy builder ignores Dockerfile.naive.dockerignore (only BuildKit reads
    # <Dockerfile>.dockerignore). -f then names the Dockerfile inside the tarball.
    tar -C "$ctx" --exclude=./.dockerignore -c . \
      | "$DOCKER" build --network host --force-rm -f "$dockerfile" -t "$tag" - >"$log" 2>&1 \
      || { tail -40 "$log" >&2; return 1; }
  fi
  echo "measure: built $tag in $((SECONDS - t0)) s"
}

image_size() { "$DOCKER" image inspect -f '{{.Size}}' "$1"; }
layer_sum() { "$DOCKER" history --human=false --format '{{.Size}}' "$1" | awk '{ s += $1 } END { print s + 0 }'; }
layer_count() { "$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$1"; }
# the uncompressed layer tarballs in a `docker save` archive (what layerlens streams)
saved_layer_sum() { tar -tvf "$1" | awk '$NF ~ /layer\.tar$|^blobs\/sha256\// { s += $3 } END { print s + 0 }'; }

have_layerlens() { command -v "$LAYERLENS" >/dev/null 2>&1; }

# estimate IMAGE: image.estimatedSavingsBytes from layerlens's JSON, or n/a
estimate() {
  { "$LAYERLENS" --format json "docker://$1" 2>/dev/null || true; } | python3 -c '
import json, sys
try:
    v = json.load(sys.stdin)["image"]["estimatedSavingsBytes"]
    print(int(v))
except Exception:
    print("n/a")
'
}

"$here/make-bases.sh"

summary=()
for ex in "${examples[@]}"; do
  case $ex in python|node) ;; *) echo "measure: unknown example '$ex' (python or node)" >&2; exit 1 ;; esac
  ctx=$work/$ex-service
  "$here/make-context.sh" "$ex" "$ctx"
  naive=layerlens-example/$ex-service:naive${TAG_SUFFIX:-}
  good=layerlens-example/$ex-service:good${TAG_SUFFIX:-}
  build "$naive" Dockerfile.naive "$ctx" no-ignore "$work/$ex-naive.log"
  build "$good" Dockerfile "$ctx" ignore "$work/$ex-good.log"

  echo
  echo "== $ex-service =="
  printf '%-40s %14s %14s %7s\n' image 'docker size' 'sum of layers' layers
  for img in "$naive" "$good"; do
    printf '%-40s %14s %14s %7s\n' "$img" "$(image_size "$img")" "$(layer_sum "$img")" "$(layer_count "$img")"
  done
  n=$(image_size "$naive"); g=$(image_size "$good")
  reduction=$((n - g))
  echo "measured reduction: $reduction bytes ($(mb "$reduction")), $(awk -v n="$n" -v g="$g" 'BEGIN { printf "%.1f%% of the naive image; naive/good = %.2fx", 100 * (n - g) / n, n / g }')"

  if [ -n "${SAVE_DIR:-}" ]; then
    mkdir -p "$SAVE_DIR"
    for kind in naive good; do
      out=$SAVE_DIR/$ex-$kind${TAG_SUFFIX:-}.tar
      "$DOCKER" save -o "$out" "layerlens-example/$ex-service:$kind${TAG_SUFFIX:-}"
      echo "saved $out: $(stat -c %s "$out") bytes, layer tarballs $(saved_layer_sum "$out") bytes"
    done
  fi

  est=n/a
  if have_layerlens; then
    echo
    echo "-- $LAYERLENS --format text --dockerfile $ex-service/Dockerfile.naive docker://$naive"
    "$LAYERLENS" --format text --dockerfile "$here/$ex-service/Dockerfile.naive" "docker://$naive" \
      || echo "(layerlens exited $?)"
    echo
    echo "-- $LAYERLENS diff docker://$naive docker://$good"
    "$LAYERLENS" diff "docker://$naive" "docker://$good" || echo "(layerlens exited $?)"
    est=$(estimate "$naive")
  else
    echo "measure: '$LAYERLENS' not found; set LAYERLENS=path/to/layerlens for its reports"
  fi
  if [ "$est" = n/a ]; then
    line="$ex: measured reduction $reduction bytes ($(mb "$reduction")); layerlens estimate n/a"
  else
    line="$ex: measured reduction $reduction bytes ($(mb "$reduction")); layerlens estimate $est bytes ($(mb "$est")); estimate/measured = $(awk -v e="$est" -v r="$reduction" 'BEGIN { printf "%.2f", e / r }')"
  fi
  echo
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary ($builder builder) =="
printf '%s\n' "${summary[@]}"
