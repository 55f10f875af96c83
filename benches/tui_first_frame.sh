#!/usr/bin/env bash
# Time to the first frame of the interactive UI, and peak memory, for dive 0.13.1 and layerlens
# on the same image (default: the 200k-file /tmp/bench-200k.tar from gen_bench_image.py).
#
# Each tool runs in a real terminal (a detached tmux session, 160x50). The script polls
# `tmux capture-pane` every 50 ms until the layers pane's header ("Cmp  Size  Command") is on
# screen: that is the first frame. It reads the process's peak RSS (VmHWM) at that moment, then
# for layerlens also notes when the file tree is on screen (its "Filetree" header: the image is
# loaded; layerlens shows the layers pane before that, while the layers are indexed) and waits
# until the image details show the efficiency (analysis finished), then quits the tool and reads
# its whole-run peak RSS from GNU time. The first poll is right after tmux starts the session,
# so a first frame of 0.01 s means "on screen at the first look".
#
# usage: benches/tui_first_frame.sh [IMAGE.tar]
# Env: TOOLS (default "layerlens dive"), LAYERLENS (default target/release/layerlens),
#      TIMEOUT seconds per tool (default 1800).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-/tmp/bench-200k.tar}
TOOLS=${TOOLS:-layerlens dive}
LAYERLENS=${LAYERLENS:-target/release/layerlens}
TIMEOUT=${TIMEOUT:-1800}

command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 2; }
if [ ! -x /usr/bin/time ]; then
    apt-get update -qq </dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time </dev/null >/dev/null
fi
if [ ! -f "$IMAGE" ]; then
    echo "generating $IMAGE" >&2
    python3 benches/gen_bench_image.py -o "$IMAGE"
fi

now() { date +%s.%N; }
kib_of() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# measure NAME QUIT-KEY COMMAND...
measure() {
    local name=$1 quit=$2
    shift 2
    local session="ll-first-frame-$$-$name" log out start t pane tool="" first="" tree_at="" done_at="" hwm=""
    log=$(mktemp)
    out=$(mktemp)
    tmux new-session -d -s "$session" -x 160 -y 50 \
        "exec /usr/bin/time -v -o $log $* 2>/dev/null"
    start=$(now)
    pane=$(tmux display-message -p -t "$session" '#{pane_pid}')
    while :; do
        t=$(now)
        if awk -v a="$t" -v b="$start" -v l="$TIMEOUT" 'BEGIN { exit !(a - b > l) }'; then
            echo "$name: no first frame after ${TIMEOUT}s" >&2
            break
        fi
        [ -n "$tool" ] || tool=$(pgrep -P "$pane" | head -1 || true)
        tmux capture-pane -p -t "$session" >"$out" 2>/dev/null || break
        if [ -z "$first" ] && grep -Eq 'Cmp +Size +Command' "$out"; then
            first=$(awk -v a="$t" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
            hwm=$(kib_of "$tool" VmHWM)
            [ "$name" = layerlens ] || break
        fi
        if [ -n "$first" ] && [ -z "$tree_at" ] && grep -q 'Filetree' "$out"; then
            tree_at=$(awk -v a="$t" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
        fi
        if [ -n "$first" ] && grep -Eq 'efficiency score: [0-9]' "$out"; then
            done_at=$(awk -v a="$t" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
            break
        fi
        sleep 0.05
    done
    tmux send-keys -t "$session" "$quit"
    for _ in $(seq 1 100); do
        tmux has-session -t "$session" 2>/dev/null || break
        sleep 0.1
    done
    tmux kill-session -t "$session" 2>/dev/null || true
    local peak
    peak=$(awk '/Maximum resident set size/ { print $NF }' "$log")
    printf '%-10s first frame %8s s  RSS at first frame %8s MiB' "$name" "${first:-none}" \
        "$(awk -v k="${hwm:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
    [ -z "$tree_at" ] || printf '  tree %8s s' "$tree_at"
    [ -z "$done_at" ] || printf '  analysis done %8s s' "$done_at"
    printf '  peak RSS (whole run) %8s MiB\n' "$(awk -v k="${peak:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
    rm -f "$log" "$out"
}

echo "image: $IMAGE ($(stat -c %s "$IMAGE") bytes), $(nproc) cores"
for tool in $TOOLS; do
    case $tool in
    layerlens) measure layerlens q "$LAYERLENS" "docker-archive:$IMAGE" ;;
    dive) measure dive C-c dive --source docker-archive "$IMAGE" ;;
    *) echo "unknown tool $tool" >&2 ;;
    esac
done
