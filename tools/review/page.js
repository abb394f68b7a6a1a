/* retailfuse review: draws each decision of the report when it comes near the screen, keeps the
 * reviewer's verdicts (in this browser too, so a reload keeps them) and downloads them as review
 * records. Nothing is fetched. The data: the JSON of <script id="rf-data"> (docs/review.md). */
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('rf-data').textContent);
  const D = data.decisions;
  const NS = 'http://www.w3.org/2000/svg';
  const SHOPPER_COLOURS = ['#e4572e', '#2e86ab', '#5b8c2a', '#a23b72', '#f18f01', '#6a4c93',
                           '#17a398', '#c9a227', '#8c564b', '#3d5a80'];
  const ANON = '#94a3b8';
  const PLATE_COLOURS = ['#1e3a8a', '#0f766e', '#9a3412', '#4d7c0f', '#86198f', '#334155',
                         '#b45309', '#0e7490'];
  const TERMS = [
    ['weight', 'the items\u2019 weight against the change\u2019s total'],
    ['plates', 'which plates moved, against where the items sat'],
    ['prior', 'how many items, two facings, a loose or misplaced item'],
    ['hand', 'the time and place of the visit most likely theirs (or the chance the cameras missed it)'],
    ['identity', 'the camera\u2019s naming of that visit'],
    ['position', 'where their track put them, among the candidates']];
  const storeKey = 'retailfuse-review:' + data.key;
  const list = document.getElementById('list');
  const sections = [];
  let verdicts = load();
  let current = 0;

  /* ---- small helpers ---- */

  function h(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    }
    for (const c of children || []) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  function s(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function load() {
    try {
      const v = JSON.parse(localStorage.getItem(storeKey) || '{}');
      return v && typeof v === 'object' ? v : {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    try {
      localStorage.setItem(storeKey, JSON.stringify(verdicts));
    } catch (e) { /* private mode: verdicts live until the page closes */ }
  }

  function productName(sku) {
    const p = data.products[sku];
    return p && p[0] ? p[0] : sku;
  }

  function itemsText(items) {
    const parts = [];
    for (const sku in items) {
      const q = items[sku];
      parts.push((q < 0 ? '\u2212' + -q + ' \u00d7 ' + productName(sku) + ' (back)'
                        : q + ' \u00d7 ' + productName(sku)));
    }
    return parts.length ? parts.join(', ') : 'nothing';
  }

  function who(shopper) { return shopper === null ? 'nobody' : shopper; }

  function pct(p) {
    if (p === null || p === undefined) return '';
    return p >= 0.995 ? '100 %' : p < 0.005 && p > 0 ? '<1 %' : Math.round(p * 100) + ' %';
  }

  function clock(us) {
    const sec = us / 1e6;
    if (Math.abs(sec) > 1e9) return new Date(sec * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC');
    const sign = sec < 0 ? '\u2212' : '';
    let r = Math.abs(sec);
    const hh = Math.floor(r / 3600);
    r -= hh * 3600;
    const mm = Math.floor(r / 60);
    r -= mm * 60;
    return sign + String(hh).padStart(2, '0') + ':' + String(mm).padStart(2, '0') + ':' +
           r.toFixed(1).padStart(4, '0');
  }

  function keyOf(d) { return d.seq !== null ? String(d.seq) : 'e' + d.event; }

  /* A plate's id without its shelf's ("G1S4P3" on G1S4: "P3"), when what is left reads alone. */
  function shortPlate(d, id) {
    const rest = id.startsWith(d.shelf) ? id.slice(d.shelf.length).replace(/^[-_.:]/, '') : '';
    return /^[A-Za-z]/.test(rest) ? rest : id;
  }

  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '\u2026' : text; }

  /* Each shopper of the decision its colour: the decided cart's first, then the alternatives',
   * the candidates', and whoever else reached in. */
  function colours(d) {
    if (d._colours) return d._colours;
    const m = new Map();
    const add = (x) => {
      if (x !== null && !m.has(x)) m.set(x, SHOPPER_COLOURS[m.size % SHOPPER_COLOURS.length]);
    };
    if (d.accept) add(d.accept[0]);
    d.diffs.forEach((x) => add(x[1]));
    d.alts.forEach((a) => add(a[0]));
    d.cands.forEach((c) => add(c[0]));
    d.bars.forEach((b) => add(b[0]));
    d._colours = m;
    return m;
  }

  function colour(d, shopper) { return shopper === null ? ANON : colours(d).get(shopper) || ANON; }

  /* ---- the choices ---- */

  /* The options of a decision, in the order keys 1-9 choose them: accept, the other
   * alternatives, nobody, other. */
  function options(d) {
    if (d._options) return d._options;
    const o = [];
    const sameAsAccept = (shopper, items) =>
      d.accept && d.accept[0] === shopper && JSON.stringify(sortItems(items)) === JSON.stringify(sortItems(d.accept[1]));
    if (d.accept) {
      o.push({key: 'accept', text: 'accept: ' + (d.accept[0] === null ? 'nobody' : d.accept[0] + ' gets ' + itemsText(d.accept[1])),
              s: d.accept[0], i: d.accept[1], alt: d.dec >= 0 ? d.dec : undefined});
    } else {
      o.push({key: 'accept', none: true, title: 'a verdict names one cart: accepting a decision split between carts writes no line',
              text: 'accept as decided: ' + d.diffs.map((x) => x[1] + (x[3] > 0 ? ' +' : ' \u2212') + Math.abs(x[3]) + ' ' +
                                                      productName(x[2])).join(', ') + ' (no line)'});
    }
    d.alts.forEach((a, k) => {
      if (k === d.dec || a[0] === null || sameAsAccept(a[0], a[1])) return;
      o.push({key: 'alt' + k, text: a[0] + ' gets ' + itemsText(a[1]), s: a[0], i: a[1], alt: k});
    });
    if (!(d.accept && d.accept[0] === null)) {
      const nob = d.alts.findIndex((a) => a[0] === null);
      o.push({key: 'nobody', text: 'nobody (noise, staff, a knock)', s: null, i: {}, alt: nob >= 0 ? nob : undefined});
    }
    o.push({key: 'other', text: 'other\u2026', other: true});
    d._options = o;
    return o;
  }

  function sortItems(items) {
    const out = {};
    Object.keys(items).sort().forEach((k) => { out[k] = items[k]; });
    return out;
  }

  function choose(i, key, fromKeyboard) {
    const d = D[i];
    const opt = options(d).find((o) => o.key === key);
    if (!opt) return;
    draw(i);
    const sec = sections[i];
    if (opt.other) {
      openOther(i);
      sec.form.querySelector('input[value="other"]').checked = true;
      markChosen(i);
      applyOther(i);
      sec.otherShopper.focus();
      return;
    }
    sec.other.classList.remove('open');
    verdicts[keyOf(d)] = opt.none ? {c: key, none: 1} : {c: key, s: opt.s, i: opt.i};
    save();
    const input = sec.form.querySelector('input[value="' + key + '"]');
    if (input) input.checked = true;
    markChosen(i);
    counter();
    if (fromKeyboard) move(1);
  }

  /* Opens the other... field, with the shoppers seen around the decision offered (a datalist:
   * made only now, as many of them slow the page down). */
  function openOther(i) {
    const d = D[i];
    const sec = sections[i];
    sec.other.classList.add('open');
    if (sec.otherShopper.hasAttribute('list')) return;
    const names = new Set();
    d.cands.forEach((x) => names.add(x[0]));
    d.bars.forEach((b) => { if (b[0] !== null) names.add(b[0]); });
    sec.other.append(h('datalist', {id: 'who' + d.n}, [...names].map((n) => h('option', {value: n}))));
    sec.otherShopper.setAttribute('list', 'who' + d.n);
  }

  /* The other... field: a shopper (empty: nobody) and sku:qty pairs (a product's name works as
   * its sku). A verdict only while both read. */
  function applyOther(i) {
    const d = D[i];
    const sec = sections[i];
    const shopper = sec.otherShopper.value.trim();
    const text = sec.otherItems.value.trim();
    const items = {};
    let bad = '';
    for (const part of text ? text.split(/[,;\s]+/) : []) {
      if (!part) continue;
      const m = /^(.+):([+-]?\d+)$/.exec(part);
      if (!m) { bad = '\u2018' + part + '\u2019 is not sku:qty'; break; }
      let sku = m[1];
      if (!data.products[sku]) {
        const named = Object.keys(data.products).find((k) => data.products[k][0].toLowerCase() === sku.toLowerCase());
        if (named) sku = named;
        else if (Object.keys(data.products).length) { bad = 'no product \u2018' + m[1] + '\u2019 in the store'; break; }
      }
      const q = parseInt(m[2], 10);
      if (q === 0) { bad = 'a quantity of 0'; break; }
      items[sku] = (items[sku] || 0) + q;
      if (items[sku] === 0) delete items[sku];
    }
    if (!bad && !shopper && Object.keys(items).length) bad = 'nobody gains no items: name the shopper';
    if (!bad && shopper && !Object.keys(items).length) bad = 'give the items (sku:qty)';
    sec.otherBad.textContent = bad;
    if (bad || (!shopper && !text && !sec.otherTouched)) delete verdicts[keyOf(d)];
    else verdicts[keyOf(d)] = {c: 'other', s: shopper || null, i: items, txt: [sec.otherShopper.value, sec.otherItems.value]};
    save();
    markChosen(i);
    counter();
  }

  function markChosen(i) {
    const sec = sections[i];
    const v = verdicts[keyOf(D[i])];
    sec.el.classList.toggle('judged', !!v);
    if (!sec.form) return;
    for (const label of sec.form.querySelectorAll('label')) {
      const input = label.querySelector('input');
      label.classList.toggle('on', !!(v && input && input.value === v.c));
    }
  }

  /* The verdicts as review records (docs/format.md "review"), by decision. */
  function verdictLines() {
    const reviewer = document.getElementById('reviewer').value.trim();
    const out = [];
    const ds = D.filter((d) => d.seq !== null && verdicts[keyOf(d)] && !verdicts[keyOf(d)].none);
    ds.sort((a, b) => a.seq - b.seq);
    for (const d of ds) {
      const v = verdicts[keyOf(d)];
      const rec = {type: 'review', decision: d.seq, shopper: v.s, items: v.i};
      if (reviewer) rec.reviewer = reviewer;
      out.push(JSON.stringify(rec));
    }
    return out;
  }

  function download() {
    const lines = verdictLines();
    const blob = new Blob([lines.map((l) => l + '\n').join('')], {type: 'application/x-ndjson'});
    const a = h('a', {href: URL.createObjectURL(blob), download: 'verdicts.jsonl'});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }

  /* Verdicts read back from a downloaded verdicts.jsonl: each line's decision takes the option
   * that says the same (accept, an alternative, nobody), else other... with its cart and items.
   * Lines for decisions this report does not hold are counted and left. */
  function takeVerdicts(text) {
    let taken = 0, left = 0;
    const bySeq = new Map(D.map((d, i) => [d.seq, i]));
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let r;
      try { r = JSON.parse(line); } catch (e) { ++left; continue; }
      const i = r && r.type === 'review' ? bySeq.get(r.decision) : undefined;
      if (i === undefined || typeof r.items !== 'object' || r.items === null) { ++left; continue; }
      const d = D[i];
      const same = options(d).find((o) => !o.other && !o.none && o.s === (r.shopper === undefined ? null : r.shopper) &&
                                          JSON.stringify(sortItems(o.i)) === JSON.stringify(sortItems(r.items)));
      if (same) verdicts[keyOf(d)] = {c: same.key, s: same.s, i: same.i};
      else {
        verdicts[keyOf(d)] = {c: 'other', s: r.shopper || null, i: r.items,
                              txt: [r.shopper || '', Object.keys(r.items).map((k) => k + ':' + r.items[k]).join(', ')]};
      }
      if (sections[i].drawn) { /* shown again as taken */
        const sec = sections[i];
        sec.drawn = false;
        sec.el.querySelector('.side').textContent = '';
        sec.form = null;
        draw(i);
      }
      ++taken;
    }
    save();
    for (let i = 0; i < D.length; ++i) markChosen(i);
    counter();
    const note = document.getElementById('loaded') || h('span', {id: 'loaded'});
    note.textContent = taken + ' verdict' + (taken === 1 ? '' : 's') + ' taken' + (left ? ', ' + left + ' line' + (left === 1 ? '' : 's') + ' not of this report' : '');
    document.getElementById('load').after(note);
    return [taken, left];
  }

  function counter() {
    let done = 0;
    for (const d of D) if (verdicts[keyOf(d)]) ++done;
    const c = document.getElementById('count');
    c.textContent = '';
    c.append(h('span', {class: 'done'}, [done + ' decided']), ' \u00b7 ' + (D.length - done) + ' remaining of ' + D.length);
  }

  /* ---- a decision's section: the head at once, the rest when it comes near the screen ---- */

  function head(d) {
    const what = d.diffs.map((x) => x[1] + (x[3] > 0 ? ' +' : ' \u2212') + Math.abs(x[3]) + ' ' + productName(x[2])).join(', ');
    const conf = Math.min.apply(null, d.diffs.map((x) => x[4]));
    const p = d.dec >= 0 ? d.alts[d.dec][2] : null;
    return h('div', {class: 'head'}, [
      h('span', {class: 'num'}, ['#' + d.n]),
      d.flag ? h('span', {class: 'flag'}, ['flagged']) : null,
      h('span', {}, ['shelf ' + d.shelf]),
      h('span', {class: 'muted'}, [clock(d.w0 + d.t0 * 1000)]),
      h('span', {class: 'what'}, [what || 'nothing moved']),
      h('span', {class: 'muted', title: 'the lowest confidence of its diffs' + (p !== null ? '; the decided alternative\u2019s probability ' + p : '')},
        ['conf ' + conf.toFixed(2)]),
      h('span', {class: 'muted', title: 'how the change was read'}, [d.how + ', ' + (d.total > 0 ? '+' : '') + d.total + ' g at ' + d.x + ' m']),
      h('span', {class: 'muted'}, ['decision ' + d.seq]),
      h('span', {class: 'stake', title: 'the chance it is wrong (' + d.wrong + ') times the items it moved (' + d.items + ')'},
        ['at stake ' + d.stake.toFixed(2)])]);
  }

  function build(i) {
    const d = D[i];
    const el = h('section', {class: 'decision', id: 'd' + d.n, 'data-i': i, 'data-seq': d.seq, tabindex: '-1'}, [
      head(d),
      h('div', {class: 'body'}, [
        h('div', {class: 'fig'}, [h('div', {class: 'placeholder'}, ['\u2026'])]),
        h('div', {class: 'side'})])]);
    sections[i] = {el: el, drawn: false};
    el.addEventListener('focusin', () => setCurrent(i));
    el.addEventListener('mousedown', () => setCurrent(i));
    return el;
  }

  function draw(i) {
    const sec = sections[i];
    if (sec.drawn) return;
    sec.drawn = true;
    const d = D[i];
    const fig = sec.el.querySelector('.fig');
    fig.textContent = '';
    fig.append(figure(d));
    side(i, sec.el.querySelector('.side'));
    markChosen(i);
  }

  /* The choice: every option a row, the alternatives' with their probability and evidence (the
   * decided one is accept's); then the candidates and what happened since. */
  function side(i, box) {
    const d = D[i];
    const form = h('form', {class: 'choice', autocomplete: 'off'}, [h('h4', {}, ['verdict \u2014 what happened?'])]);
    form.addEventListener('submit', (e) => e.preventDefault());
    options(d).forEach((o, k) => {
      const input = h('input', {type: 'radio', name: 'c' + d.n, value: o.key});
      input.addEventListener('change', () => choose(i, o.key, false));
      const a = o.alt !== undefined ? d.alts[o.alt] : null;
      const c = o.other || o.none ? null : colour(d, o.s);
      const terms = a && a[3] ? TERMS.map((t, j) => a[3][j] === null ? null : t[0] + ' ' + a[3][j]).filter((x) => x).join(' \u00b7 ') : '';
      const title = a && a[3] ? 'log-likelihood terms (larger is more likely):\n' +
        TERMS.map((t, j) => t[0] + ': ' + (a[3][j] === null ? 'n/a' : a[3][j]) + ' \u2014 ' + t[1]).join('\n') : o.title;
      form.append(h('label', {class: 'opt', 'data-key': o.key, title: title}, [
        input,
        h('kbd', {}, [k < 9 ? String(k + 1) : '']),
        h('span', {class: 'sw', style: c ? 'background:' + c : 'visibility:hidden'}),
        h('span', {class: 'txt'}, [o.text, o.key === 'accept' && d.dec >= 0 ? h('span', {class: 'tag'}, ['decided']) : null]),
        h('span', {class: 'pct'}, [a ? pct(a[2]) : '']),
        a ? h('span', {class: 'pbar'}, [h('span', {style: 'width:' + Math.max(1, a[2] * 100) + '%;background:' + (c || ANON)})]) : null,
        terms ? h('span', {class: 'terms'}, ['ln ' + terms]) : null]));
      if (o.other) {
        const shopper = h('input', {type: 'text', size: 8, placeholder: 'shopper', 'aria-label': 'shopper (empty: nobody)'});
        const items = h('input', {type: 'text', size: 22, placeholder: 'sku:qty, sku:qty', 'aria-label': 'items'});
        const bad = h('span', {class: 'bad'});
        const more = h('div', {class: 'other'}, [shopper, items, bad]);
        form.append(more);
        const sec = sections[i];
        sec.other = more;
        sec.otherShopper = shopper;
        sec.otherItems = items;
        sec.otherBad = bad;
        const edit = () => { sec.otherTouched = true; applyOther(i); };
        shopper.addEventListener('input', edit);
        items.addEventListener('input', edit);
      }
    });
    sections[i].form = form;
    box.append(form);
    if (d.dec < 0) box.append(h('div', {class: 'note'}, ['read ' + d.how + ': the diffs differ from every alternative']));
    if (d.cands.length) {
      box.append(h('div', {class: 'muted small'}, ['candidates: ' +
        d.cands.map((x) => x[0] + ' ' + pct(x[1]) + (x[2] !== null ? ' at ' + x[2] + ' m' : '')).join(', ')]));
    }
    if (d.later.length) {
      box.append(h('div', {class: 'later'}, ['since: ' + d.later.map((x) =>
        (x[6] !== null ? 'correction' : x[7] !== null ? 'verdict' : 'diff') + ' ' + x[1] + (x[3] > 0 ? ' +' : ' \u2212') +
        Math.abs(x[3]) + ' ' + productName(x[2]) + ' (' + x[0] + ')').join(', ')]));
    }
    const v = verdicts[keyOf(d)];
    if (v) {
      const input = form.querySelector('input[value="' + v.c + '"]');
      if (input) input.checked = true;
      if (v.c === 'other' && v.txt) {
        openOther(i);
        sections[i].otherShopper.value = v.txt[0];
        sections[i].otherItems.value = v.txt[1];
      }
    }
  }

  /* ---- the figure ---- */

  const W = 640, H = 470, L = 74, R = 96, PW = W - L - R;
  const TOP = [20, 190], MID = [214, 356], BOT = [380, 440];

  function niceStep(range, n) {
    const raw = range / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
  }

  function figure(d) {
    const svg = s('svg', {width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img',
                          'aria-label': 'decision ' + d.n + ': plate weights, hand visits and distances'});
    const X = (ms) => L + (Math.max(0, Math.min(d.w, ms)) / Math.max(1, d.w)) * PW;
    // the change's span across the panels
    svg.append(s('rect', {class: 'span', x: X(d.t0), y: TOP[0], width: Math.max(2, X(d.t1) - X(d.t0)), height: BOT[1] - TOP[0]}));
    timeAxis(svg, d, X);
    plates(svg, d, X);
    hands(svg, d, X);
    distances(svg, d, X);
    return svg;
  }

  function timeAxis(svg, d, X) {
    const from = -d.t0 / 1000, to = (d.w - d.t0) / 1000;
    const step = to - from <= 16 ? 1 : to - from <= 32 ? 2 : to - from <= 80 ? 5 : 10;
    for (let v = Math.ceil(from / step) * step; v <= to + 1e-9; v += step) {
      const x = X(d.t0 + v * 1000);
      svg.append(s('line', {class: 'grid', x1: x, x2: x, y1: TOP[0], y2: BOT[1]}));
      svg.append(s('text', {x: x, y: BOT[1] + 13, 'text-anchor': 'middle'}, (v > 0 ? '+' : v < 0 ? '\u2212' : '') + Math.abs(v) + (v ? ' s' : '')));
    }
    svg.append(s('line', {class: 'axis', x1: L, x2: L + PW, y1: BOT[1], y2: BOT[1]}));
    svg.append(s('text', {x: L + PW, y: BOT[1] + 26, 'text-anchor': 'end', class: 'title'},
                 'time from the change\u2019s start (' + clock(d.w0 + d.t0 * 1000) + ')'));
  }

  function seriesPoints(d, p) {
    const pts = []; // [ms, lo, hi] or null for a break
    if (p.s) {
      const first = p.s[0], width = d.w / data.buckets;
      for (let k = 0; 2 * k + 2 < p.s.length + 1; ++k) {
        const lo = p.s[1 + 2 * k], hi = p.s[2 + 2 * k];
        if (lo === undefined) break;
        pts.push(lo === null ? null : [(first + k + 0.5) * width, lo, hi]);
      }
    } else if (p.d) {
      for (let k = 0; k + 1 < p.d.length; k += 2) pts.push([p.d[k], p.d[k + 1], p.d[k + 1]]);
    }
    return pts;
  }

  function plates(svg, d, X) {
    svg.append(s('text', {x: L, y: TOP[0] - 6, class: 'title'}, 'plates of ' + d.shelf + ' \u2014 g, change from start of window'));
    if (d.still.length) {
      svg.append(s('text', {x: L + PW + R - 4, y: TOP[0] - 6, 'text-anchor': 'end', class: 'muted', fill: '#94a3b8'},
                   clip('unchanged: ' + d.still.map((id) => shortPlate(d, id)).join(' '), 58)));
    }
    const series = d.plates.map((p) => seriesPoints(d, p));
    let lo = 0, hi = 0;
    series.forEach((pts) => pts.forEach((q) => { if (q) { lo = Math.min(lo, q[1]); hi = Math.max(hi, q[2]); } }));
    if (hi - lo < 10) { const m = (hi + lo) / 2; lo = m - 5; hi = m + 5; }
    const pad = (hi - lo) * 0.08;
    lo -= pad; hi += pad;
    const Y = (g) => TOP[1] - ((g - lo) / (hi - lo)) * (TOP[1] - TOP[0]);
    const step = niceStep(hi - lo, 4);
    for (let v = Math.ceil(lo / step) * step; d.plates.length && v <= hi; v += step) {
      svg.append(s('line', {class: 'grid', x1: L, x2: L + PW, y1: Y(v), y2: Y(v)}));
      svg.append(s('text', {x: L - 4, y: Y(v) + 3, 'text-anchor': 'end'}, String(Math.round(v * 10) / 10)));
    }
    svg.append(s('line', {class: 'axis', x1: L, x2: L, y1: TOP[0], y2: TOP[1]}));
    if (!d.plates.length) {
      svg.append(s('text', {x: L + PW / 2, y: (TOP[0] + TOP[1]) / 2, 'text-anchor': 'middle', fill: '#94a3b8'},
                   'no readings of this shelf in the window'));
    }
    const labels = [];
    d.plates.forEach((p, k) => {
      const c = PLATE_COLOURS[k % PLATE_COLOURS.length];
      let path = '', last = null, pen = false;
      for (const q of series[k]) {
        if (!q) { pen = false; continue; }
        const x = X(q[0]).toFixed(1);
        path += (pen ? 'L' : 'M') + x + ' ' + Y(q[1]).toFixed(1);
        if (q[2] !== q[1]) path += 'L' + x + ' ' + Y(q[2]).toFixed(1);
        pen = true;
        last = q;
      }
      const line = s('path', {d: path, fill: 'none', stroke: c, 'stroke-width': 1.6, 'stroke-linejoin': 'round', 'data-plate': p.id});
      line.append(s('title', {}, p.id + (p.sku ? ' \u2014 ' + productName(p.sku) + ' (' + p.sku + ')' : '') + ', ' + p.x0 + '\u2013' + p.x1 + ' m'));
      svg.append(line);
      if (last) labels.push({y: Y((last[1] + last[2]) / 2), text: shortPlate(d, p.id) + (p.sku ? ' ' + clip(productName(p.sku), 11) : ''), c: c});
    });
    labels.sort((a, b) => a.y - b.y);
    for (let k = 0; k < labels.length; ++k) {
      if (k && labels[k].y < labels[k - 1].y + 11) labels[k].y = labels[k - 1].y + 11;
    }
    for (const lab of labels) svg.append(s('text', {x: L + PW + 4, y: lab.y + 3, fill: lab.c, class: 'lab'}, lab.text));
  }

  function hands(svg, d, X) {
    svg.append(s('text', {x: L, y: MID[0] - 6, class: 'title'}, 'hand visits on ' + d.shelf + ', by shopper'));
    const rows = [];
    const seen = new Set();
    const add = (x) => { if (x !== null && !seen.has(x)) { seen.add(x); rows.push(x); } };
    colours(d).forEach((c, x) => { if (d.bars.some((b) => b[0] === x) || d.cands.some((k) => k[0] === x)) add(x); });
    const anon = d.bars.some((b) => b[0] === null);
    if (anon) rows.push(null);
    if (!rows.length) {
      svg.append(s('text', {x: L + PW / 2, y: (MID[0] + MID[1]) / 2, 'text-anchor': 'middle', fill: '#94a3b8'},
                   'no hand visits on this shelf in the window'));
      return;
    }
    const rh = Math.min(20, (MID[1] - MID[0]) / rows.length);
    const rowY = (x) => MID[0] + rows.indexOf(x) * rh;
    rows.forEach((x, k) => {
      const y = MID[0] + k * rh;
      if (k % 2) svg.append(s('rect', {x: L, y: y, width: PW, height: rh, fill: '#f8fafc'}));
      svg.append(s('text', {x: L - 4, y: y + rh / 2 + 3.5, 'text-anchor': 'end', fill: colour(d, x), class: 'lab'},
                   x === null ? 'anonymous' : clip(x, 11)));
    });
    svg.append(s('line', {class: 'axis', x1: L, x2: L, y1: MID[0], y2: MID[1]}));
    for (const b of d.bars) {
      const y = rowY(b[0]) + 2;
      const x0 = X(b[1]), x1 = Math.max(X(b[2]), x0 + 2);
      const r = s('rect', {class: 'bar', x: x0, y: y, width: x1 - x0, height: Math.max(3, rh - 4), rx: 2,
                           fill: colour(d, b[0]), 'fill-opacity': b[4] === null ? 0.35 : 0.4 + 0.6 * b[4]});
      r.append(s('title', {}, who(b[0]) + ' on ' + d.shelf + ', ' + ((b[1] - d.t0) / 1000).toFixed(1) + ' to ' +
                 ((b[2] - d.t0) / 1000).toFixed(1) + ' s' + (b[3] !== null ? ', at ' + b[3] + ' m (change at ' + d.x + ' m)' : '') +
                 (b[4] !== null ? '; the engine: ' + pct(b[4]) + ' that it made this change' : '; not weighed')));
      svg.append(r);
      if (b[4] !== null && rh >= 12) {
        svg.append(s('text', {x: x1 + 3, y: y + rh / 2 + 1.5, fill: '#475569'}, pct(b[4])));
      }
    }
  }

  function distances(svg, d, X) {
    svg.append(s('text', {x: L, y: BOT[0] - 6, class: 'title'}, 'candidates\u2019 distance to the shelf (m)'));
    svg.append(s('line', {class: 'axis', x1: L, x2: L, y1: BOT[0], y2: BOT[1]}));
    const tracks = d.tracks.filter((t) => t[1].length);
    if (!d.ref || !tracks.length) {
      svg.append(s('text', {x: L + PW / 2, y: (BOT[0] + BOT[1]) / 2 + 3, 'text-anchor': 'middle', fill: '#94a3b8'},
                   !d.ref ? 'the shelf has no position: no distances' : 'no track of a candidate in the window'));
      return;
    }
    let top = 1.5;
    tracks.forEach((t) => { for (let k = 1; k < t[1].length; k += 2) top = Math.max(top, Math.min(4, t[1][k])); });
    const Y = (m) => BOT[1] - (Math.min(m, top) / top) * (BOT[1] - BOT[0]);
    for (const v of [0, 0.8, top >= 3 ? 3 : top >= 2 ? 2 : null]) {
      if (v === null) continue;
      svg.append(s('text', {x: L - 4, y: Y(v) + 3, 'text-anchor': 'end'}, String(v)));
    }
    svg.append(s('line', {class: 'reach', x1: L, x2: L + PW, y1: Y(0.8), y2: Y(0.8)}));
    svg.append(s('text', {x: L + 3, y: Y(0.8) - 3, fill: '#94a3b8'}, 'within reach'));
    const labels = [];
    for (const t of tracks) {
      const c = colour(d, t[0]);
      let path = '';
      for (let k = 0; k + 1 < t[1].length; k += 2) path += (k ? 'L' : 'M') + X(t[1][k]).toFixed(1) + ' ' + Y(t[1][k + 1]).toFixed(1);
      const line = s('path', {d: path, fill: 'none', stroke: c, 'stroke-width': 1.8, 'data-shopper': t[0]});
      line.append(s('title', {}, t[0]));
      svg.append(line);
      if (t[1].length === 2) svg.append(s('circle', {cx: X(t[1][0]), cy: Y(t[1][1]), r: 2.5, fill: c}));
      labels.push({y: Y(t[1][t[1].length - 1]), text: clip(t[0], 12), c: c});
    }
    labels.sort((a, b) => a.y - b.y);
    for (let k = 1; k < labels.length; ++k) {
      if (labels[k].y < labels[k - 1].y + 11) labels[k].y = labels[k - 1].y + 11;
    }
    for (const lab of labels) svg.append(s('text', {x: L + PW + 4, y: lab.y + 3, fill: lab.c, class: 'lab'}, lab.text));
  }

  /* ---- moving about ---- */

  function setCurrent(i) {
    if (i === current) return;
    if (sections[current]) sections[current].el.classList.remove('current');
    current = i;
    sections[current].el.classList.add('current');
  }

  function move(delta) {
    if (!D.length) return;
    const i = Math.max(0, Math.min(D.length - 1, current + delta));
    draw(i);
    if (i + 1 < D.length) draw(i + 1);
    setCurrent(i);
    sections[i].el.scrollIntoView({block: 'start'});
    sections[i].el.focus({preventScroll: true});
  }

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t && (t.tagName === 'INPUT' && t.type === 'text' || t.tagName === 'TEXTAREA')) {
      if (e.key === 'Escape') t.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'j') move(1);
    else if (e.key === 'k') move(-1);
    else if (e.key === 'd') download();
    else if (!D.length) return;
    else if (e.key === 'a') choose(current, 'accept', true);
    else if (/^[1-9]$/.test(e.key)) {
      const o = options(D[current])[Number(e.key) - 1];
      if (o) choose(current, o.key, !o.other);
      if (o && o.other) e.preventDefault(); /* the digit is not typed into the field */
    } else return;
    e.preventDefault();
  });

  /* ---- start ---- */

  document.getElementById('source').textContent = data.output + ' \u00b7 ' + (data.all ? D.length + ' decisions, ' : '') +
    data.flagged + ' flagged of ' + data.changes + ' changes, most at stake first';
  const bar = document.getElementById('bar');
  const barHeight = () => document.documentElement.style.setProperty('--bar', bar.offsetHeight + 'px');
  barHeight();
  window.addEventListener('resize', barHeight);
  document.getElementById('download').addEventListener('click', download);
  document.getElementById('loadfile').addEventListener('change', (e) => {
    const file = e.target.files && e.target.files[0];
    if (file) file.text().then(takeVerdicts);
    e.target.value = '';
  });
  const reviewer = document.getElementById('reviewer');
  try { reviewer.value = localStorage.getItem('retailfuse-review:reviewer') || ''; } catch (e) { /* none */ }
  reviewer.addEventListener('change', () => {
    try { localStorage.setItem('retailfuse-review:reviewer', reviewer.value.trim()); } catch (e) { /* none */ }
  });
  const frag = document.createDocumentFragment();
  for (let i = 0; i < D.length; ++i) frag.append(build(i));
  if (!D.length) frag.append(h('div', {class: 'empty'}, ['No decision to review: none was flagged.']));
  list.append(frag);
  for (let i = 0; i < Math.min(2, D.length); ++i) draw(i);
  if (D.length) sections[0].el.classList.add('current');
  /* #dN in the address: that decision, drawn and in view */
  const goTo = () => {
    const m = /^#d(\d+)$/.exec(location.hash);
    const i = m ? Number(m[1]) - 1 : -1;
    if (i < 0 || i >= D.length) return;
    draw(i);
    if (i + 1 < D.length) draw(i + 1);
    setCurrent(i);
    sections[i].el.scrollIntoView({block: 'start'});
  };
  goTo();
  window.addEventListener('hashchange', goTo);
  if ('IntersectionObserver' in window) {
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) {
          draw(Number(e.target.getAttribute('data-i')));
          io.unobserve(e.target);
        }
      }
    }, {rootMargin: '800px 0px'});
    sections.forEach((sec) => { if (!sec.drawn) io.observe(sec.el); });
  } else {
    for (let i = 0; i < D.length; ++i) draw(i);
  }
  let scrolling = 0;
  window.addEventListener('scroll', () => {
    if (scrolling) return;
    scrolling = requestAnimationFrame(() => {
      scrolling = 0;
      const top = document.getElementById('bar').offsetHeight + 4;
      let lo = 0, hi = D.length - 1;
      while (lo < hi) { /* the first section whose bottom is below the bar */
        const mid = (lo + hi) >> 1;
        if (sections[mid].el.getBoundingClientRect().bottom < top + 40) lo = mid + 1;
        else hi = mid;
      }
      if (D.length && document.activeElement && !sections[current].el.contains(document.activeElement)) setCurrent(lo);
    });
  }, {passive: true});
  counter();
  window.rfReview = {
    data: data,
    drawAll: () => { for (let i = 0; i < D.length; ++i) draw(i); return D.length; },
    draw: draw,
    lines: verdictLines,
    verdicts: () => verdicts,
    choose: (i, key) => choose(i, key, false),
    take: takeVerdicts,
    readyMs: performance.now()
  };
  performance.mark('rf-ready');
  document.documentElement.setAttribute('data-ready', '1');
})();
