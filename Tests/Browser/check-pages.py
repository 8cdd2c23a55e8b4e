#!/usr/bin/env python3
"""Opens attnlab's lesson pages in headless Chromium and checks what a class would see: the page
loads, every <img> loaded, nothing was logged as an error (console.error, an uncaught exception,
a resource that failed to load), the step keys move between the <section class="step"
id="step-N"> sections; then it writes a screenshot of step 0.

    python3 Tests/Browser/check-pages.py --screenshots Output/browser Output/*/index.html

Standard library only: Chromium is driven through the DevTools protocol over a pipe
(--remote-debugging-pipe: the child reads commands on fd 3 and writes replies on fd 4, each a
JSON message ended by a NUL byte), so no websocket client, no port and no network are needed.
Exit status: 0 all pages pass, 1 a page failed, 2 bad usage or no Chromium.
"""
import argparse, base64, fcntl, json, os, select, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

TIMEOUT = 20.0   # any one protocol command or page load; generous, the CPUs may be shared with a build
MOVE_WAIT = 3.0  # how long a step key may take to land, smooth scrolling included


class CDPError(Exception):
    pass


class Browser:
    """One headless Chromium with a fresh profile; always killed (whole process group) by close()."""

    def __init__(self, exe, width, height):
        self.profile = tempfile.mkdtemp(prefix="check-pages-")
        self.stderr = tempfile.TemporaryFile()   # shown only if Chromium fails to start
        self.next_id, self.buffer, self.events = 0, b"", []
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # The child must find them at fds 3 and 4 exactly. Copy them above 10 first, so that
        # dup2 onto 3 cannot overwrite the other pipe if the OS happened to hand out 3 or 4.
        high_r, high_w = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10), fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)
        args = [exe, "--headless", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--disable-dev-shm-usage",              # containers often have a tiny /dev/shm
                "--disable-extensions", "--mute-audio", "--disable-background-networking",
                # keep timers and rAF running in every tab: each page is its own target
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                f"--window-size={width},{height}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")              # Chromium refuses to start as root without it
        # Crashpad and dconf write under ~/.config and ~/.cache whatever --user-data-dir says: keep
        # them in the temp profile too, so a check leaves nothing behind in the user's home.
        env = dict(os.environ, XDG_CONFIG_HOME=self.profile, XDG_CACHE_HOME=self.profile)
        self.proc = subprocess.Popen(
            args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(high_r, 3), os.dup2(high_w, 4)),
            start_new_session=True)                     # its own process group, so close() gets the helpers too
        for fd in (cmd_r, res_w, high_r, high_w):
            os.close(fd)                                # else we would never see EOF when it dies

    def send(self, method, params=None, session=None, timeout=TIMEOUT):
        """Sends one command and waits for its reply; events that arrive meanwhile are kept."""
        my_id = self._write(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline, f"{method} got no reply within {timeout:.0f} s")
            if reply.get("id") == my_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def _write(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.cmd_w, data):]
        return self.next_id

    def wait_event(self, method, session, why, timeout=TIMEOUT):
        """Waits for an event (possibly already received) on one page's session."""
        deadline = time.monotonic() + timeout
        while not any(e["method"] == method and e.get("sessionId") == session for e in self.events):
            self._read(deadline, why)

    def _read(self, deadline, why):
        """Returns the next message; events are also appended to self.events."""
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.res_r], [], [], left)[0]:
                raise CDPError(why)
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise CDPError("Chromium exited: " + self.stderr_tail())
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
            if message["method"] == "Page.javascriptDialogOpening":   # it would block the page: dismiss it
                self._write("Page.handleJavaScriptDialog", {"accept": False}, message.get("sessionId"))
        return message

    def stderr_tail(self):
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:]) or "(nothing on stderr)"

    def close(self):
        try:   # the profile is thrown away, so no polite Browser.close: kill the whole group, before
               # reaping the leader so that its group id cannot have been reused
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        # Crashpad's handlers start their own sessions, so the group kill misses them; they quit
        # when the browser does, but any still running are found by our profile in their arguments.
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if self.profile.encode() in (proc / "cmdline").read_bytes():
                    os.kill(int(proc.name), signal.SIGKILL)
            except OSError:
                pass
        os.close(self.cmd_w), os.close(self.res_r), self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


IMAGES_JS = """(async () => {
  // A lazy image below the fold would never load in a screenshot-sized viewport: force them all.
  const imgs = [...document.images];
  imgs.forEach(img => { img.loading = 'eager'; });
  const settled = img => img.complete ? null : new Promise(r => {
    img.addEventListener('load', r, {once: true}); img.addEventListener('error', r, {once: true}); });
  await Promise.race([Promise.all(imgs.map(settled)), new Promise(r => setTimeout(r, 5000))]);
  return imgs.map(i => ({src: i.getAttribute('src') || '', alt: i.alt, ok: i.complete && i.naturalWidth > 0}));
})()"""

# Where every link and picture leads, as the browser resolved it (character references decoded):
# a page may link only to files, the web and mail, and show only its own files and data URIs.
TARGETS_JS = """[...document.querySelectorAll('a[href]')].map(a => ({what: 'link', url: a.href, protocol: a.protocol}))
  .concat([...document.images].map(i => ({what: 'image', url: i.src, protocol: new URL(i.src, location.href).protocol})))"""
ALLOWED = {"link": ("file:", "http:", "https:", "mailto:"), "image": ("file:", "data:")}

STATE_JS = """(n => {
  const s = document.getElementById('step-' + n), r = s ? s.getBoundingClientRect() : null;
  return {step: document.body.dataset.step ?? null, current: !!s && s.classList.contains('current'),
          top: r ? Math.round(r.top) : null, height: innerHeight,
          ids: [...document.querySelectorAll('section.step')].map(e => e.id)};
})(%d)"""

# An instant scroll cancels any smooth scroll still running; two frames later it is painted.
TOP_JS = """new Promise(r => { scrollTo({top: 0, left: 0, behavior: 'instant'});
  requestAnimationFrame(() => requestAnimationFrame(r)); })"""

KEYS = {"ArrowRight": (39, ""), "Space": (32, " "), "ArrowLeft": (37, "")}


def evaluate(browser, session, expression):
    result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session)
    if "exceptionDetails" in result:
        raise CDPError("evaluating a check threw: " + result["exceptionDetails"].get("text", "?"))
    return result["result"].get("value")


def press(browser, session, code):
    """A real key press (keyDown + keyUp), as the keyboard would send it, not a synthetic DOM event."""
    vk, text = KEYS[code]
    key = {"key": text or code, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
    # As Puppeteer does: a key that types text is a keyDown carrying it, others a rawKeyDown.
    down = dict(key, type="keyDown", text=text) if text else dict(key, type="rawKeyDown")
    browser.send("Input.dispatchKeyEvent", down, session)
    browser.send("Input.dispatchKeyEvent", dict(key, type="keyUp"), session)


def move(browser, session, code, n):
    """Presses a key, then polls until step n is shown; returns a problem, or None."""
    press(browser, session, code)
    deadline = time.monotonic() + MOVE_WAIT
    while True:
        s = evaluate(browser, session, STATE_JS % n)
        in_view = s["top"] is not None and -2 <= s["top"] <= s["height"] / 2
        if s["step"] == str(n) and s["current"] and in_view:
            return None
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if s["step"] != str(n):
        return f"after {code} body.dataset.step is {s['step']!r}, expected '{n}'"
    if not s["current"]:
        return f"after {code} #step-{n} lacks class \"current\""
    return f"after {code} #step-{n} is not in view (its top at {s['top']}px, viewport {s['height']}px)"


def problems_logged(browser, session):
    """Console errors, uncaught exceptions and failed loads reported for this page."""
    out = []
    for e in browser.events:
        p, m = e.get("params", {}), e["method"]
        if e.get("sessionId") != session:
            continue
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            words = [str(a.get("value", a.get("description", a.get("type")))) for a in p.get("args", [])]
            out.append(f"console.{p['type']}: " + " ".join(words))
        elif m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "?")
            out.append(f"uncaught exception: {text.splitlines()[0]} (line {d.get('lineNumber', -1) + 1})")
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            entry = p["entry"]
            where = f" ({shorten(entry['url'])})" if entry.get("url") else ""
            out.append(f"logged error: {entry['text']}{where}")
        elif m == "Page.javascriptDialogOpening":
            out.append(f"page opened a dialog ({p.get('type')}): {p.get('message')}")
    return [shorten(x, 200) for x in out]


def shorten(text, limit=60):
    text = text.replace("file://", "")
    return text if len(text) <= limit else text[: limit // 3] + "…" + text[-(limit * 2 // 3):]


def check_page(browser, path, shot, width, height, full_page, shot_step=0):
    """Returns (problems, summary) for one page, in a tab of its own that is closed afterwards."""
    problems, facts = [], []
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        # Enabled before navigating, so nothing the page logs while loading is missed.
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                     "deviceScaleFactor": 1, "mobile": False}, session)
        nav = browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session)
        if nav.get("errorText"):
            raise CDPError(f"did not load: {nav['errorText']}")
        browser.wait_event("Page.loadEventFired", session, f"did not finish loading within {TIMEOUT:.0f} s")

        images = evaluate(browser, session, IMAGES_JS)
        problems += [f"image not loaded: {shorten(i['src'])} (alt {i['alt']!r})" for i in images if not i["ok"]]
        facts.append(f"{len(images)} image" + ("" if len(images) == 1 else "s"))
        problems += [f"{t['what']} leads to a {t['protocol']} URL: {shorten(t['url'])}"
                     for t in evaluate(browser, session, TARGETS_JS) if t["protocol"] not in ALLOWED[t["what"]]]

        state = evaluate(browser, session, STATE_JS % 0)
        ids = state["ids"]
        facts.insert(0, f"{len(ids)} step" + ("" if len(ids) == 1 else "s"))
        if not ids:
            problems.append('no <section class="step"> on the page')
        elif ids != [f"step-{n}" for n in range(len(ids))]:
            problems.append(f"section ids are {', '.join(ids)}, expected step-0 … step-{len(ids) - 1}")
        elif state["step"] is None:
            problems.append("no step navigation: body.dataset.step is not set (expected '0')")
        elif state["step"] != "0":
            problems.append(f"the page opens with body.dataset.step {state['step']!r}, expected '0'")
        elif len(ids) == 1:
            facts[0] += " (one section: no move to check)"
        else:   # forward with → and space, back with ← twice, ending on step 0 for the screenshot
            moves = [("ArrowRight", 1), ("Space", 2), ("ArrowLeft", 1), ("ArrowLeft", 0)]
            for code, n in moves if len(ids) >= 3 else [moves[0], moves[3]]:
                problem = move(browser, session, code, n)
                if problem:
                    problems.append(problem)
                    break

        evaluate(browser, session, TOP_JS)
        # The screenshot may show a later step, reached the way a teacher would: with →.
        for n in range(1, min(shot_step, len(ids) - 1) + 1):
            problem = move(browser, session, "ArrowRight", n)
            if problem:
                problems.append(problem)
                break
        params = {"format": "png"}
        if full_page:
            size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width,
                          "height": max(height, size["height"]), "scale": 1})
        png = browser.send("Page.captureScreenshot", params, session)["data"]
        shot.write_bytes(base64.b64decode(png))
        facts.append(f"screenshot {shot}")
    except CDPError as error:
        problems.append(str(error))
    finally:
        problems[:0] = problems_logged(browser, session)   # what the page logged comes first
        browser.events = [e for e in browser.events if e.get("sessionId") != session]
        try:
            browser.send("Target.closeTarget", {"targetId": target}, timeout=5)
        except CDPError:
            pass   # a hung tab is dealt with when the whole browser is killed
    return problems, ", ".join(facts)


def pages_from(arguments):
    """(page, label, screenshot name) for every page given, a folder giving each index.html under it."""
    pages = []
    for arg in map(Path, arguments):
        if arg.is_dir():
            found = sorted(arg.rglob("index.html"))
            if not found:
                usage_error(f"no index.html under {arg}")
            for page in found:
                rel = page.relative_to(arg)
                pages.append((page, str(rel), "-".join(rel.parent.parts) or "index"))
        elif arg.is_file():
            folder = arg.resolve().parent.name
            stem = "" if arg.name == "index.html" else "-" + arg.stem
            pages.append((arg, f"{folder}/{arg.name}", (folder or "index") + stem))
        else:
            usage_error(f"no such page or folder: {arg}")
    return pages


def usage_error(message):
    print(f"check-pages.py: {message}", file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    def error(self, message):   # one line, not argparse's usage block
        usage_error(f"{message} (try --help)")


def main():
    parser = Parser(description="Check lesson pages in headless Chromium and take screenshots.")
    parser.add_argument("pages", nargs="+", metavar="PAGE", help="a page, or a folder: every index.html under it")
    parser.add_argument("--screenshots", required=True, metavar="DIR", help="where the PNG screenshots go")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--full-page", action="store_true", help="screenshot the whole page, not the viewport")
    parser.add_argument("--step", type=int, default=0, metavar="N", help="screenshot step N (reached with →), not the top")
    parser.add_argument("--chromium", metavar="PATH", help="default: chromium, chromium-browser or google-chrome on PATH")
    args = parser.parse_args()
    if args.width < 100 or args.height < 100:
        usage_error("--width and --height must be at least 100")
    pages = pages_from(args.pages)
    names = [args.chromium] if args.chromium else ["chromium", "chromium-browser", "google-chrome"]
    exe = next((shutil.which(n) for n in names if shutil.which(n)), None)
    if not exe:
        usage_error(f"no Chromium found ({' / '.join(names)}); on Debian: apt-get install -y chromium")
    shots = Path(args.screenshots)
    shots.mkdir(parents=True, exist_ok=True)

    # SIGTERM (a CI timeout) unwinds like Ctrl-C does, so the finally below still kills Chromium.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    browser, failed, used = Browser(exe, args.width, args.height), 0, set()
    try:
        browser.send("Browser.getVersion", timeout=60)   # the first start can be slow on a busy machine
        for page, label, name in pages:
            while name in used:                            # two pages named alike keep both screenshots
                name += "-2"
            used.add(name)
            started = time.monotonic()
            problems, facts = check_page(browser, page, shots / f"{name}.png", args.width, args.height,
                                         args.full_page, args.step)
            took = f"{time.monotonic() - started:.1f} s"
            if problems:
                failed += 1
                print(f"FAIL {label}: {'; '.join(problems)}  [{took}]", flush=True)
            else:
                print(f"ok  {label}  ({facts})  [{took}]", flush=True)
    except KeyboardInterrupt:
        print("check-pages.py: interrupted", file=sys.stderr)
        return 130
    except CDPError as error:   # the browser itself failed: nothing more can be checked
        print(f"check-pages.py: Chromium failed: {error}", file=sys.stderr)
        return 1
    finally:
        browser.close()
    print(f"checked {len(pages)} pages: {len(pages) - failed} ok, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
