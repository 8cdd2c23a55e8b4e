#!/usr/bin/env bash
# Drives `attnlab lesson masks` and its Chinese version in a real terminal (tmux, 100 × 40) with
# single keys, and checks what the screen shows: each step's title on the top row, a "more"
# prompt instead of scrolling, pictures in colour half-blocks, the terminal's settings (stty -g)
# unchanged after q and after Ctrl-C, and the page `--html` writes after stepping by hand. Skips
# (exit 0) when tmux is not installed.
#
#   Tests/Interactive/lesson-in-tmux.sh [path/to/attnlab]     (default: .build/debug/attnlab)
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:-.build/debug/attnlab}")
if ! command -v tmux >/dev/null; then echo "skipped: tmux is not installed (apt-get install -y tmux)"; exit 0; fi
[ -x "$BIN" ] || { echo "no attnlab at $BIN: build it first (swift build)"; exit 1; }

WORK=$(mktemp -d)
SOCKET="attnlab-test-$$"            # a private tmux server: other tmux sessions are not touched
T="tmux -L $SOCKET"
FAILED=0
trap '$T kill-server 2>/dev/null; rm -rf "$WORK"' EXIT

screen() { $T capture-pane -p -t lesson; }
top() { screen | head -1; }
fail() { echo "FAIL: $*"; echo "--- screen ---"; screen; echo "--------------"; FAILED=1; }
# Waits up to 60 s for the screen to contain $1.
wait_for() {
    for _ in $(seq 1 600); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    fail "waited for '$1'"; return 1
}
# Sends a key, then waits for the top row to start with $2.
key_then_top() {
    $T send-keys -t lesson "$1"
    for _ in $(seq 1 600); do top | grep -qF -- "$2" && return 0; sleep 0.1; done
    fail "after key $1 the top row is '$(top)', expected '$2'"
}
check_stty() {
    if cmp -s "$WORK/before" "$WORK/after"; then echo "ok: terminal settings restored ($1)"
    else fail "stty settings differ after $1: $(cat "$WORK/before") vs $(cat "$WORK/after")"; fi
}

run_lesson() {   # starts the lesson in the tmux shell, saving stty before and after
    rm -f "$WORK/before" "$WORK/after"
    $T send-keys -t lesson "clear; stty -g > $WORK/before; $BIN lesson masks --lessons Lessons --out $WORK/out; echo exit=\$?; stty -g > $WORK/after" Enter
}

$T new-session -d -x 100 -y 40 -s lesson "env -u NO_COLOR TERM=xterm-256color bash --norc --noprofile"
$T set-option -t lesson status off >/dev/null   # all 40 rows for the lesson
sleep 0.5

# 1. Keys: → space b ← 3, then 7 (long: paged), then q.
run_lesson
wait_for "→ space Enter: start" && [ "$(top)" = "# The mask zoo" ] && echo "ok: title page" || fail "title page"
key_then_top Right "## Step 1 of 7: Bidirectional" && echo "ok: → step 1"
wait_for "rows are queries (who attends), columns are keys" && echo "ok: legend shown"
$T capture-pane -e -p -t lesson | grep -q "▀" && echo "ok: colour half-blocks" || fail "no half-blocks"
key_then_top Space "## Step 2 of 7: Causal" && echo "ok: space step 2"
key_then_top b "## Step 1 of 7: Bidirectional" && echo "ok: b step 1"
key_then_top Left "# The mask zoo" && echo "ok: ← title page"
key_then_top 3 "## Step 3 of 7: Prefix-LM" && echo "ok: 3 jumps"
key_then_top 7 "## Step 7 of 7: Where the mask acts" && wait_for "-- more" && echo "ok: step 7 pages ('more' at the bottom, title on top)"
[ "$(top)" = "## Step 7 of 7: Where the mask acts" ] || fail "title scrolled away"
key_then_top x "## Step 7 of 7: Where the mask acts (continued)" && echo "ok: any key continues under the title"
wait_for "finish"
screen | awk 'length > 100 { bad = 1 } END { exit bad }' && echo "ok: no line wider than 100" || fail "a line is wider than 100 columns"
$T send-keys -t lesson q
wait_for "exit=0" && echo "ok: q exits with 0"
sleep 0.3; check_stty "q"

# 2. Ctrl-C at a prompt: the terminal is restored and the exit status is 130.
run_lesson
wait_for "→ space Enter: start"
key_then_top Right "## Step 1 of 7: Bidirectional"
$T send-keys -t lesson C-c
wait_for "exit=130" && echo "ok: Ctrl-C exits with 130"
sleep 0.3; check_stty "Ctrl-C"
screen | grep -q "attnlab: interrupted" && echo "ok: says it was interrupted" || fail "no interrupted message"

# 3. NO_COLOR: ASCII shades, no colour escapes.
$T send-keys -t lesson "clear; NO_COLOR=1 $BIN lesson masks --lessons Lessons --out $WORK/out; echo exit=\$?" Enter
wait_for "→ space Enter: start"
key_then_top 2 "## Step 2 of 7: Causal"
wait_for "rows are queries"
screen | grep -q "@@//" && echo "ok: NO_COLOR draws ASCII shades and hatch" || fail "no ASCII picture under NO_COLOR"
$T capture-pane -e -p -t lesson | grep -q "38;2;" && fail "colour escapes under NO_COLOR" || echo "ok: no colour under NO_COLOR"
$T send-keys -t lesson q
wait_for "exit=0"

# 4. A Chinese lesson, stepped by hand with --html: framed in Chinese, and its page shows what ran.
$T send-keys -t lesson "clear; $BIN lesson masks --lang zh --html --lessons Lessons --out $WORK/zh; echo exit=\$?" Enter
wait_for "→ 空格 回车：开始" && [ "$(top)" = "# 掩码大全" ] && echo "ok: Chinese title page" || fail "Chinese title page"
key_then_top Right "## 第 1 步（共 7 步）：双向" && echo "ok: → Chinese step 1"
screen | python3 -c 'import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
sys.exit(any(w(l.rstrip("\n")) > 100 for l in sys.stdin))' && echo "ok: no Chinese line wider than 100 columns" || fail "a Chinese line is wider than 100 columns"
$T send-keys -t lesson q
wait_for "exit=0" && echo "ok: q exits with 0"
page="$WORK/zh/index.html"
if [ -f "$page" ] && grep -q "bidirectional mask, 8 × 8" "$page" && grep -q "本次未运行" "$page"; then
    echo "ok: the page shows step 1's output and marks the steps not run"
else fail "page after an interactive run: $(ls "$WORK/zh" 2>&1)"; fi

[ $FAILED = 0 ] && echo "all passed" || echo "SOME CHECKS FAILED"
exit $FAILED
