#!/usr/bin/env bash
# Checks check-pages.py itself: builds a page that follows the page contract (sections
# step-0..step-3 with tall content, two PNGs next to it, the inline step script) and four broken
# copies, then asserts the verdicts: the good page passes (exit 0, a screenshot written) and each
# broken one fails (exit 1) saying why. Skips (exit 0) when no Chromium is installed.
#
#   Tests/Browser/selftest.sh [fixtures-folder]   (default: a temp folder, removed afterwards)
set -u
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
    echo "skipped: no Chromium (apt-get install -y chromium)"; exit 0
fi
if [ $# -gt 0 ]; then WORK=$1; mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi

python3 - "$WORK" <<'EOF'
import struct, sys, zlib
from pathlib import Path

def png(width, height, rgb):
    """A one-colour PNG, written by hand: signature, IHDR, one IDAT, IEND."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

# The contract's few lines: next = → / space / PageDown, back = ← / PageUp.
NAV = """<script>
const steps = [...document.querySelectorAll('section.step')];
let current = 0;
function show(n, scroll) {
  n = Math.max(0, Math.min(steps.length - 1, n));
  steps[current].classList.remove('current');
  current = n;
  steps[n].classList.add('current');
  document.body.dataset.step = String(n);
  if (location.hash !== '#step-' + n) history.replaceState(null, '', '#step-' + n);
  if (scroll) steps[n].scrollIntoView({behavior: 'smooth', block: 'start'});
}
document.addEventListener('keydown', e => {
  if (['ArrowRight', ' ', 'PageDown'].includes(e.key)) { e.preventDefault(); show(current + 1, true); }
  else if (['ArrowLeft', 'PageUp'].includes(e.key)) { e.preventDefault(); show(current - 1, true); }
});
show(Number((location.hash.match(/^#step-(\\d+)$/) || [0, 0])[1]), false);
</script>"""

def page(extra_script="", nav=NAV, images=("red.png", "blue.png")):
    sections = []
    for n in range(4):
        img = f'<img src="{images[n - 1]}" alt="picture {n}" width="64" height="64">' if 1 <= n <= len(images) else ""
        sections.append(f'<section class="step" id="step-{n}"><h2>Step {n}</h2>{img}'
                        + "<p>Tall content so each step needs a scroll.</p>" * 30 + "</section>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Fixture</title>"
            "<style>html{scroll-behavior:smooth} section{min-height:100vh} .current h2{color:#b00}</style>"
            "</head><body>" + "".join(sections) + extra_script + nav + "</body></html>")

root = Path(sys.argv[1])
variants = {
    "good": page(),
    "missing-image": page(images=("red.png", "gone.png")),
    "console-error": page("<script>console.error('fixture says no');</script>"),
    "throws": page("<script>window.addEventListener('load', () => { throw new Error('fixture boom'); });</script>"),
    "no-nav": page(nav=""),
    "script-link": page('<p><a href="javascript&#58;void(0)">looks relative, is not</a></p>'),
}
for name, html in variants.items():
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "index.html").write_text(html)
    (root / name / "red.png").write_bytes(png(16, 16, (200, 30, 30)))
    (root / name / "blue.png").write_bytes(png(16, 16, (30, 30, 200)))
EOF

FAILED=0
# expect NAME STATUS WORD...: runs the check on one fixture and wants that exit status and words.
expect() {
    local name=$1 status=$2; shift 2
    local page="$WORK/$name/index.html"; [ -n "$name" ] || page=$WORK     # no name: the whole folder
    local out; out=$(python3 Tests/Browser/check-pages.py --screenshots "$WORK/shots" "$page" 2>&1)
    local got=$?
    local missing=""
    for word in "$@"; do grep -qF -- "$word" <<<"$out" || missing="$missing '$word'"; done
    if [ "$got" = "$status" ] && [ -z "$missing" ]; then echo "ok: ${name:-folder} -> exit $got"
    else echo "FAIL: $name: exit $got (wanted $status)${missing:+, missing$missing}"; echo "$out"; FAILED=1; fi
}
expect good 0 "ok  good/index.html  (4 steps, 2 images, screenshot" "checked 1 pages: 1 ok, 0 failed"
[ -s "$WORK/shots/good.png" ] || { echo "FAIL: no screenshot $WORK/shots/good.png"; FAILED=1; }
expect missing-image 1 "FAIL missing-image/index.html" "image not loaded: gone.png" "ERR_FILE_NOT_FOUND"
expect console-error 1 "FAIL console-error/index.html" "console.error: fixture says no"
expect throws 1 "FAIL throws/index.html" "uncaught exception: Error: fixture boom"
expect no-nav 1 "FAIL no-nav/index.html" "no step navigation"
expect script-link 1 "FAIL script-link/index.html" "link leads to a javascript: URL"
# A folder checks every index.html under it; usage errors exit 2.
expect "" 1 "checked 6 pages: 1 ok, 5 failed"
out=$(python3 Tests/Browser/check-pages.py --screenshots "$WORK/shots" "$WORK/nothing.html" 2>&1)
[ $? = 2 ] && grep -q "no such page" <<<"$out" && echo "ok: missing page -> exit 2" || { echo "FAIL: missing page: $out"; FAILED=1; }
out=$(python3 Tests/Browser/check-pages.py --chromium /nonexistent/chromium --screenshots "$WORK/shots" "$WORK/good" 2>&1)
[ $? = 2 ] && grep -q "no Chromium" <<<"$out" && echo "ok: no Chromium -> exit 2" || { echo "FAIL: no Chromium: $out"; FAILED=1; }
exit $FAILED
