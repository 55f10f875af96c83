#!/usr/bin/env bash
# Any CI (Jenkins, Buildkite, a cron job) or your own machine: build the image, save it once,
# check it with layerlens-ci.sh (beside this script). Exit 0 pass, 1 a rule or budget failed,
# 2 an error; the JUnit report is in layerlens-reports/junit.xml.
#
#   bash shell.sh [TAG] [CONTEXT]      (default app:ci and .)
#
#   DOCKER             the docker client (default: docker on PATH)
set -euo pipefail

tag=${1:-app:ci}
context=${2:-.}
docker=${DOCKER:-docker}
here=$(dirname "$0")

"$docker" build -q -t "$tag" "$context" >/dev/null
# layerlens-ci.sh reads the image twice: a file costs less than two exports from the daemon.
saved=$(mktemp --suffix=.tar)
trap 'rm -f "$saved"' EXIT
"$docker" save "$tag" -o "$saved"
bash "$here/layerlens-ci.sh" "$saved"
