/// What a lesson page carries inline: its stylesheet (screen, projector and print) and the few
/// lines of script that step through it. Nothing is loaded from anywhere else.
enum PageAssets {
    static let style = """
        :root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9dce1; --panel: #f4f5f7; --accent: #2a5db0; }
        * { box-sizing: border-box; }
        html { scroll-behavior: auto; }
        body { margin: 0; color: var(--ink); background: #fff; font: 20px/1.55 system-ui, -apple-system, "Segoe UI", \
        "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
        nav.bar { position: sticky; top: 0; z-index: 1; display: flex; gap: 1.5em; align-items: baseline; \
        padding: .4em 1.2em; background: rgba(255,255,255,.95); border-bottom: 1px solid var(--rule); font-size: 16px; }
        nav.bar a { color: var(--accent); }
        nav.bar .hint { color: var(--muted); margin-left: auto; }
        main { max-width: 1100px; margin: 0 auto; padding: 0 1.2em 60vh; }
        section.step { padding: 1.2em 0 1.6em; border-bottom: 1px solid var(--rule); scroll-margin-top: 3em; }
        section.step.current { border-left: 6px solid var(--accent); margin-left: -1.2em; padding-left: calc(1.2em - 6px); }
        h1 { font-size: 2.1em; line-height: 1.2; margin: .2em 0 .5em; }
        h2 { font-size: 1.55em; line-height: 1.25; margin: 0 0 .6em; }
        h2 .number { color: var(--muted); font-weight: normal; margin-right: .4em; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "WenQuanYi Micro Hei Mono", monospace; }
        :not(pre) > code { background: var(--panel); padding: .05em .3em; border-radius: 3px; font-size: .92em; }
        pre { font-size: 15px; line-height: 1.45; padding: .8em 1em; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
        pre.typed { background: #1f2430; color: #e8eaf0; margin: 1.2em 0 0; overflow-x: auto; }
        pre.typed .w { white-space: pre; }
        pre.typed .prompt { color: #8fa1c7; user-select: none; }
        pre.output { background: var(--panel); margin: 0 0 1em; border: 1px solid var(--rule); border-top: 0; }
        pre.literal { background: var(--panel); }
        p.status { margin: 0 0 1em; padding: .5em 1em; border-radius: 0 0 6px 6px; background: #fff4e5; color: #7a4300; }
        p.status.failed { background: #fdecea; color: #a50e0e; }
        p.note { color: var(--muted); font-style: italic; }
        figure { margin: 0 0 1.2em; }
        figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid var(--rule); padding: .25em .6em; text-align: left; }
        blockquote { margin: 1em 0; padding: .1em 1em; border-left: 4px solid var(--rule); color: var(--muted); }
        :lang(zh) body, body:lang(zh) { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", \
        "WenQuanYi Micro Hei", system-ui, sans-serif; }
        figcaption { color: var(--muted); font-size: 16px; margin-top: .3em; }
        ol.contents li { margin: .2em 0; }
        ul.lessons { list-style: none; padding: 0; }
        ul.lessons li { margin: .5em 0; padding-left: 2.2em; text-indent: -2.2em; }
        ul.lessons .number { display: inline-block; width: 2.2em; color: var(--muted); }
        ul.lessons .missing { color: var(--muted); }
        @media print {
          body { font-size: 12pt; }
          nav.bar { display: none; }
          main { max-width: none; padding: 0; }
          section.step, section.step.current { border: 0; margin: 0; padding: 0 0 1em; }
          h2 { break-after: avoid; }
          pre { white-space: pre-wrap; overflow: visible; font-size: 9pt; }
          pre.typed { background: #fff; color: #000; border: 1px solid #999; }
          pre.typed .prompt { color: #555; }
          figure { break-inside: avoid; }
          a { color: inherit; }
        }
        """

    /// Right arrow, space or Page Down: next step; left arrow or Page Up: back; Home and End: the
    /// ends. The step shown is the one at the top of the window, so a teacher who scrolled or
    /// followed a link carries on from there. `data-step` on <body> names the step shown.
    static let script = """
        (function () {
          var steps = Array.prototype.slice.call(document.querySelectorAll("section.step"));
          if (steps.length === 0) { return; }
          var current = -1;
          function shown() {
            var top = 0;
            steps.forEach(function (step, i) { if (step.getBoundingClientRect().top <= 80) { top = i; } });
            return top;
          }
          function show(n, scroll) {
            n = Math.max(0, Math.min(steps.length - 1, n));
            if (current >= 0) { steps[current].classList.remove("current"); }
            current = n;
            steps[n].classList.add("current");
            document.body.setAttribute("data-step", String(n));
            if (scroll) { steps[n].scrollIntoView({ block: "start" }); }
            try { history.replaceState(null, "", "#" + steps[n].id); } catch (e) { /* some file:// pages refuse */ }
          }
          document.addEventListener("keydown", function (event) {
            if (event.altKey || event.ctrlKey || event.metaKey) { return; }
            var from = Math.abs(steps[current].getBoundingClientRect().top) < window.innerHeight ? current : shown();
            var to = { "ArrowRight": from + 1, " ": from + 1, "PageDown": from + 1,
                       "ArrowLeft": from - 1, "PageUp": from - 1, "Home": 0, "End": steps.length - 1 }[event.key];
            if (to === undefined) { return; }
            event.preventDefault();
            show(to, true);
          });
          var linked = /^#step-(\\d+)$/.exec(location.hash);
          show(linked ? Number(linked[1]) : 0, linked !== null);
        })();
        """
}

/// The few words a page says itself, in the lesson's language.
struct PageWords {
    var allLessons, keys, notRun, output, lessonsTitle, notYetWritten, step, steps: String

    static func of(_ language: String) -> PageWords {
        language.hasPrefix("zh") ? chinese : english
    }

    static let english = PageWords(
        allLessons: "All lessons", keys: "→ or space: next step · ←: back", notRun: "not run in this session",
        output: "printed", lessonsTitle: "attnlab lessons", notYetWritten: "no page yet: run attnlab lesson %@ --html",
        step: "step", steps: "steps")
    static let chinese = PageWords(
        allLessons: "全部课程", keys: "→ 或空格：下一步 · ←：上一步", notRun: "本次未运行",
        output: "输出", lessonsTitle: "attnlab 课程", notYetWritten: "尚无页面：运行 attnlab lesson %@ --html --lang zh",
        step: "步", steps: "步")
}
