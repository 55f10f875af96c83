#!/usr/bin/env bash
# layerlens in CI, the one script every recipe here runs: dive's rules and layerlens's budgets
# on one image, a JUnit report for the CI to show, and the verdict as the exit code
# (0 pass, 1 a rule or budget failed, 2 layerlens could not check the image).
#
#   bash layerlens-ci.sh [IMAGE]
#
#   LAYERLENS_IMAGE    the image, in any form layerlens reads (app.tar, docker://app:1,
#                      registry://host/app:1...); the first argument wins
#   LAYERLENS_FORMAT   what to print: github (annotations, and the step summary when
#                      $GITHUB_STEP_SUMMARY is set), text (the advice), json; default dive's CI text
#   LAYERLENS_REPORTS  the folder junit.xml is written to (default layerlens-reports)
#   LAYERLENS          the layerlens binary (default: layerlens on PATH)
#
# Rules and budgets come from .dive-ci and .layerlens.yaml in the working directory, as always.
# The image is read twice (once per report): for a live image, `docker save` it to a file
# first if that costs less than a second export.
set -uo pipefail

image=${1:-${LAYERLENS_IMAGE:-}}
if [ -z "$image" ]; then
    echo "layerlens-ci: name the image: LAYERLENS_IMAGE=... or the first argument" >&2
    exit 2
fi
reports=${LAYERLENS_REPORTS:-layerlens-reports}
bin=${LAYERLENS:-layerlens}
mkdir -p "$reports" || exit 2

"$bin" --ci --format junit "$image" >"$reports/junit.xml"
junit=$?
if [ "$junit" -ge 2 ]; then
    # No report to upload: the error above says why.
    rm -f "$reports/junit.xml"
fi

if [ -n "${LAYERLENS_FORMAT:-}" ]; then
    "$bin" --ci --format "$LAYERLENS_FORMAT" "$image"
else
    "$bin" --ci "$image"
fi
shown=$?

# An error in either run wins over a failed rule.
code=$((junit > shown ? junit : shown))
case $code in
0) echo "layerlens-ci: $image passed; JUnit report in $reports/junit.xml" >&2 ;;
1) echo "layerlens-ci: $image failed a rule or budget; JUnit report in $reports/junit.xml" >&2 ;;
*) echo "layerlens-ci: layerlens could not check $image (exit $code)" >&2 ;;
esac
exit "$code"
