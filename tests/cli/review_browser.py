#!/usr/bin/python3
"""The review page in a real browser: headless Chromium (Debian's chromium) driven over the
DevTools protocol (review_cdp.py). A hand-written report: every flagged decision gets its figure
as it is scrolled to, a choice clicked with the mouse, keys and the other... field make
verdicts, 'Download verdicts' saves exactly the review lines, a reload keeps them, and a
downloaded file opened in the page gives them back. A busy
store's report: every flagged decision has its figure; the time from navigation to the page's
ready mark is printed. Nothing is fetched by either page.

usage: review_browser.py RETAILFUSE WORKDIR DATADIR
       review_browser.py --screenshot REPORT.html OUT.png [N]  (decision N at the top; 1200x900)
Exit 77 (skipped) when chromium is not installed."""
import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import review_cdp  # noqa: E402

SKIP = 77


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def report(cli, scenario, output, html, *extra):
    r = run([cli, "review", scenario, output, "--html", html, *extra])
    check(r.returncode == 0, f"review failed ({r.returncode}): {r.stderr}")
    m = re.match(r"^.*: (\d+) decisions? \((\d+) flagged\) of (\d+) changes decided, ([0-9.]+) kB\n$",
                 r.stdout)
    check(m, f"review printed {r.stdout!r}")
    return int(m.group(1)), int(m.group(2)), float(m.group(4))


SCROLL_ALL = """(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const secs = [...document.querySelectorAll('section.decision')];
  for (const s of secs) { s.scrollIntoView({block: 'start'}); await frame(); }
  for (let k = 0; k < 20 && secs.some((s) => !s.querySelector('.fig svg')); ++k) {
    await new Promise((r) => setTimeout(r, 50));
  }
  window.scrollTo(0, 0);
  return secs.map((s) => ({seq: s.dataset.seq, svg: !!s.querySelector('.fig svg'),
                           flag: !!s.querySelector('.head .flag')}));
})()"""


def scroll_all(b):
    return b.js(SCROLL_ALL, await_promise=True)


def no_resources(b, what):
    fetched = b.js("performance.getEntriesByType('resource').map((e) => e.name)")
    check(fetched == [], f"{what} fetched {fetched}")


def ready_ms(b):
    b.wait_for("document.documentElement.getAttribute('data-ready') === '1'")
    return b.js("performance.getEntriesByName('rf-ready')[0].startTime")


def download(b, directory):
    os.makedirs(directory, exist_ok=True)
    b.downloads_to(directory)
    b.click_element("#download")
    name = b.wait_download()
    check(name == "verdicts.jsonl", f"the download is named {name}")
    with open(os.path.join(directory, name)) as f:
        return f.read()


def tiny(b, cli, work, data):
    html = os.path.join(work, "tiny.html")
    n, flagged, _ = report(cli, os.path.join(data, "review_scenario.jsonl"),
                           os.path.join(data, "review_output.jsonl"), html)
    check((n, flagged) == (3, 3), f"tiny report: {n} decisions, {flagged} flagged")
    b.open("file://" + html)
    ready_ms(b)
    seen = scroll_all(b)
    check([s["seq"] for s in seen] == ["3", "1", "0"], f"order by stake: {seen}")
    check(all(s["svg"] and s["flag"] for s in seen), f"a flagged decision without its figure: {seen}")
    # decision 0's figure: plate A1's readings, three hand visits (one anonymous), two tracks
    parts = b.js("""(() => { const s = document.querySelector('section[data-seq="0"] svg');
      return [s.querySelectorAll('path[data-plate]').length, s.querySelector('path[data-plate="A1"]') !== null,
              s.querySelectorAll('rect.bar').length, s.querySelectorAll('path[data-shopper]').length,
              [...s.querySelectorAll('text.lab')].map((t) => t.textContent)]; })()""")
    check(parts[:4] == [1, True, 3, 2], f"decision 0's figure: {parts}")
    check("anonymous" in parts[4] and "A1 Tea" in parts[4], f"decision 0's labels: {parts[4]}")
    no_resources(b, "the tiny report")

    # a click, with the mouse, on decision 0's first alternative: S1's, which the engine corrected
    # to S2 since (accepting it is S2's)
    b.click_element('section[data-seq="0"] input[value="alt0"]')
    v = b.js("rfReview.verdicts()['0']")
    check(v == {"c": "alt0", "s": "S1", "i": {"X": 1}}, f"verdict after the click: {v}")
    got = download(b, os.path.join(work, "dl1"))
    check(got == '{"type":"review","decision":0,"shopper":"S1","items":{"X":1}}\n',
          f"verdicts.jsonl: {got!r}")

    # keys: k up to decision 1, 3 chooses its third option (nobody), which moves on
    b.key("k")
    cur = b.js("document.querySelector('section.current').dataset.seq")
    check(cur == "1", f"k went to decision {cur}")
    b.key("3")
    cur = b.js("document.querySelector('section.current').dataset.seq")
    check(cur == "0", f"a choice by key moves on: now at {cur}")
    # other...: decision 3 (split), S1 gets 1 Tea, typed
    b.click_element('section[data-seq="3"] input[value="other"]')
    b.click_element('section[data-seq="3"] .other input[aria-label^="shopper"]')
    b.call("Input.insertText", {"text": "S1"}, session=True)
    b.click_element('section[data-seq="3"] .other input[aria-label="items"]')
    b.call("Input.insertText", {"text": "Tea:1"}, session=True)
    got = download(b, os.path.join(work, "dl2"))
    want = ('{"type":"review","decision":0,"shopper":"S1","items":{"X":1}}\n'
            '{"type":"review","decision":1,"shopper":null,"items":{}}\n'
            '{"type":"review","decision":3,"shopper":"S1","items":{"X":1}}\n')
    check(got == want, f"verdicts.jsonl: {got!r}")
    count = b.js("document.getElementById('count').textContent")
    check(count == "3 decided \u00b7 0 remaining of 3", f"counter: {count!r}")

    # a reload keeps them (localStorage, keyed by the report). Served from localhost: Chromium
    # gives a file:// page an opaque origin, and its storage does not always outlive the page
    # (docs/review.md); over http the page's own keeping is what is tested.
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=os.path.dirname(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{os.path.basename(html)}"
        b.open(url)
        ready_ms(b)
        b.click_element('section[data-seq="0"] input[value="alt0"]')
        b.click_element('section[data-seq="1"] input[value="nobody"]')
        b.open(url)
        ready_ms(b)
        kept = b.js("Object.keys(rfReview.verdicts()).sort()")
        check(kept == ["0", "1"], f"verdicts after a reload: {kept}")
        lines = b.js("rfReview.lines()")
        check("\n".join(lines) + "\n" == want[:want.rindex('{"type"')], f"lines after a reload: {lines}")
        checked = b.js("[...document.querySelectorAll('section[data-seq=\"0\"] input:checked')].map((e) => e.value)")
        check(checked == ["alt0"], f"the choice shown after a reload: {checked}")
        no_resources(b, "the report over http")
        # a downloaded verdicts.jsonl taken back, into a page that keeps none
        b.js("localStorage.clear()")
        b.open(url)
        ready_ms(b)
        check(b.js("rfReview.lines()") == [], "verdicts after clearing the storage")
        b.set_file("#loadfile", os.path.join(work, "dl2", "verdicts.jsonl"))
        b.wait_for("rfReview.lines().length === 3")
        lines = b.js("rfReview.lines()")
        check("\n".join(lines) + "\n" == want, f"lines taken from verdicts.jsonl: {lines}")
        checked = b.js("[...document.querySelectorAll('section.decision input:checked')].map((e) => e.value)")
        check(checked == ["other", "nobody", "alt0"], f"choices taken from verdicts.jsonl: {checked}")
        note = b.js("document.getElementById('loaded').textContent")
        check(note == "3 verdicts taken", f"note: {note!r}")
    finally:
        server.shutdown()
        server.server_close()
    print("tiny report: 3 flagged decisions drawn, a click, keys and other... downloaded exactly, "
          "kept over a reload, taken back from the file")


def busy(b, cli, work):
    d = os.path.join(work, "busy")
    r = run([cli, "sim", "--preset", "busy", "--seed", "3", "--out", d])
    check(r.returncode == 0, f"sim: {r.stderr}")
    scenario, output = os.path.join(d, "scenario.jsonl"), os.path.join(d, "out.jsonl")
    r = run([cli, "run", scenario, "-o", output, "--explain"])
    if r.returncode == 2 and "--explain" in r.stderr:  # not there yet: review decides again
        r = run([cli, "run", scenario, "-o", output])
    check(r.returncode == 0, f"run: {r.stderr}")
    html = os.path.join(work, "busy.html")
    n, flagged, kb = report(cli, scenario, output, html)
    check(n == flagged and n > 0, f"busy report: {n} decisions, {flagged} flagged")
    b.open("file://" + html)
    ms = ready_ms(b)
    drawn = b.js("document.querySelectorAll('.fig svg').length")
    check(drawn < n or n <= 4, f"{drawn} of {n} figures drawn at load: not lazily")
    seen = scroll_all(b)
    check(len(seen) == n, f"{len(seen)} sections for {n} decisions")
    missing = [s["seq"] for s in seen if s["flag"] and not s["svg"]]
    check(not missing, f"flagged decisions without a figure: {missing}")
    check(sum(s["flag"] for s in seen) == flagged, "flagged sections")
    no_resources(b, "the busy report")
    print(f"busy report (seed 3): {n} flagged decisions, {kb:.1f} kB, ready {ms:.0f} ms after "
          f"navigation start, every one drawn when scrolled to")


def screenshot(html, png, n):
    """A picture of a report for the docs: decision n at the top of a 1200x900 window."""
    b = review_cdp.Browser(review_cdp.find_chromium(), timeout=30)
    try:
        b.open("file://" + os.path.abspath(html) + f"#d{n}")
        ready_ms(b)
        b.js("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))", await_promise=True)
        b.screenshot(png)
    finally:
        b.close()


def main():
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 1)
        return 0
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    cli, work, data = sys.argv[1:]
    chromium = review_cdp.find_chromium()
    if chromium is None:
        print("chromium is not installed (scripts/setup installs it): skipped")
        return SKIP
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    def too_long(*_):
        raise TimeoutError("the browser test took more than 240 s")
    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(240)
    b = review_cdp.Browser(chromium, timeout=30)
    try:
        tiny(b, cli, work, data)
        busy(b, cli, work)
    finally:
        b.close()
        signal.alarm(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
