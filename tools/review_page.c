/* retailfuse review: the page. The template (tools/review/page.html, with its style and script)
 * is embedded in the command; the decisions go in it as one JSON blob, numbers rounded: times
 * in milliseconds from the decision's window start, grams to 0.1, metres to 0.01. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "review.h"

/* ---- JSON ---- */

/* A JSON string that is safe inside a <script> element, or null. */
static void jstr(FILE *f, const char *s) {
  if (s == NULL) fputs("null", f);
  else put_json_text(f, s, 1);
}

/* v rounded to `decimals`, without trailing zeros; null when not finite. */
static void jnum(FILE *f, double v, int decimals) {
  if (!isfinite(v)) {
    fputs("null", f);
    return;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, v);
  char *dot = strchr(buf, '.');
  if (dot != NULL) {
    char *end = buf + strlen(buf);
    while (end > dot + 1 && end[-1] == '0') *--end = '\0';
    if (end == dot + 1) *dot = '\0';
  }
  fputs(strcmp(buf, "-0") == 0 ? "0" : buf, f);
}

static void jint(FILE *f, int64_t v) { fprintf(f, "%lld", (long long)v); }

/* Milliseconds from the window's start. */
static void jms(FILE *f, const rv_decision *d, int64_t t) {
  jint(f, (int64_t)llround((double)(t - d->w0) / 1000.0));
}

static void jitems(FILE *f, const rv_item *items, size_t n) {
  fputc('{', f);
  for (size_t i = 0; i < n; ++i) {
    if (i) fputc(',', f);
    jstr(f, items[i].sku);
    fputc(':', f);
    jint(f, items[i].qty);
  }
  fputc('}', f);
}

static void jdiff(FILE *f, const rv_diff *x, int later) {
  fputc('[', f);
  jint(f, x->seq);
  fputc(',', f);
  jstr(f, x->shopper);
  fputc(',', f);
  jstr(f, x->sku);
  fprintf(f, ",%lld,", (long long)x->qty);
  jnum(f, x->conf, 4);
  fprintf(f, ",%d", x->review ? 1 : 0);
  if (later) {
    fputc(',', f);
    if (x->has_corrects) jint(f, x->corrects);
    else fputs("null", f);
    fputc(',', f);
    if (x->has_reviews) jint(f, x->reviews);
    else fputs("null", f);
  }
  fputc(']', f);
}

/* ---- the plates ---- */

/* The product whose facing covers most of the plate, or NULL. */
static const char *plate_sku(const rf_store *store, uint32_t shelf, const rf_plate_def *plate) {
  const uint32_t *facings;
  size_t n;
  if (rf_store_shelf_facings(store, shelf, &facings, &n) != 0) return NULL;
  const char *best = NULL;
  double most = 0.0;
  for (size_t i = 0; i < n; ++i) {
    rf_facing_def fd;
    if (rf_store_facing(store, facings[i], &fd) != 0) continue;
    double lo = fd.x0 > plate->x0 ? fd.x0 : plate->x0, hi = fd.x1 < plate->x1 ? fd.x1 : plate->x1;
    if (hi - lo > most) {
      most = hi - lo;
      best = fd.sku;
    }
  }
  return best;
}

/* Whether the raw readings say the plate moved in the window: a level that changed, or a
 * press or lift well beyond the noise. */
static int samples_moved(const rv_trace *tr, double noise) {
  int first = -1, last = -1;
  double lo = INFINITY, hi = -INFINITY;
  for (int b = 0; b < RV_BUCKETS; ++b) {
    if (tr->lo[b] > tr->hi[b]) continue;
    if (first < 0) first = b;
    last = b;
    if (tr->lo[b] < lo) lo = tr->lo[b];
    if (tr->hi[b] > hi) hi = tr->hi[b];
  }
  if (first < 0) return 0;
  double start = (tr->lo[first] + tr->hi[first]) / 2.0, end = (tr->lo[last] + tr->hi[last]) / 2.0;
  return hi - lo > fmax(20.0, 8.0 * noise) || fabs(end - start) > fmax(5.0, 3.0 * noise);
}

/* Whether the deltas moved the plate beyond its noise (a segmenter lists every plate of the
 * shelf, most within noise). */
static int steps_moved(const rv_trace *tr, double noise) {
  for (size_t i = 0; i < tr->step_count; ++i)
    if (fabs(tr->steps[i].g) > fmax(5.0, 3.0 * noise)) return 1;
  return 0;
}

static int by_step_start(const void *a, const void *b) {
  const rv_step *x = a, *y = b;
  return (x->t0 > y->t0) - (x->t0 < y->t0);
}

static void jsamples(FILE *f, const rv_trace *tr) {
  int first = 0, last = RV_BUCKETS - 1;
  while (first < RV_BUCKETS && tr->lo[first] > tr->hi[first]) ++first;
  while (last > first && tr->lo[last] > tr->hi[last]) --last;
  fprintf(f, "\"s\":[%d", first);
  for (int b = first; b <= last; ++b) {
    if (tr->lo[b] > tr->hi[b]) {
      fputs(",null,null", f);
      continue;
    }
    fputc(',', f);
    jnum(f, tr->lo[b] - tr->base, 1);
    fputc(',', f);
    jnum(f, tr->hi[b] - tr->base, 1);
  }
  fputc(']', f);
}

/* The steps as a cumulative line: from 0 at the window's start, each change a ramp over its
 * span (clipped to the window), on to the window's end. */
static void jsteps(FILE *f, const rv_decision *d, rv_trace *tr) {
  if (tr->step_count > 1) qsort(tr->steps, tr->step_count, sizeof *tr->steps, by_step_start);
  double c = 0.0;
  fputs("\"d\":[0,0", f);
  for (size_t i = 0; i < tr->step_count; ++i) {
    const rv_step *s = &tr->steps[i];
    int64_t a = s->t0 < d->w0 ? d->w0 : s->t0, b = s->t1 > d->w1 ? d->w1 : s->t1;
    fputc(',', f);
    jms(f, d, a);
    fputc(',', f);
    jnum(f, c, 1);
    c += s->g;
    fputc(',', f);
    jms(f, d, b);
    fputc(',', f);
    jnum(f, c, 1);
  }
  fputc(',', f);
  jms(f, d, d->w1);
  fputc(',', f);
  jnum(f, c, 1);
  fputc(']', f);
}

static void jplates(FILE *f, const rf_store *store, rv_decision *d) {
  fputs(",\"plates\":[", f);
  rf_shelf_def shelf;
  int n = 0;
  if (d->shelf_index == UINT32_MAX || rf_store_shelf(store, d->shelf_index, &shelf) != 0) {
    fputs("],\"still\":[]", f);
    return;
  }
  double noise = shelf.has_noise ? shelf.noise_g : 1.5;
  int any = 0; /* a shelf the window has no readings or deltas of shows no plates */
  for (size_t i = 0; i < d->plate_count; ++i) any |= d->plates[i].lo || d->plates[i].step_count;
  char *moved = calloc(d->plate_count + 1, 1);
  for (size_t i = 0; i < d->plate_count && moved != NULL && any; ++i) {
    const rf_plate_def *p = &shelf.plates[i];
    rv_trace *tr = &d->plates[i];
    int under = d->x >= p->x0 && d->x < p->x1; /* where the change centred: always shown */
    moved[i] = tr->lo != NULL   ? samples_moved(tr, noise) || under
               : tr->step_count ? steps_moved(tr, noise) || under
                                : 0;
    if (!moved[i]) continue;
    fputs(n++ ? ",{\"id\":" : "{\"id\":", f);
    jstr(f, p->plate);
    fputs(",\"x0\":", f);
    jnum(f, p->x0, 3);
    fputs(",\"x1\":", f);
    jnum(f, p->x1, 3);
    fputs(",\"sku\":", f);
    jstr(f, plate_sku(store, d->shelf_index, p));
    fputc(',', f);
    if (tr->lo != NULL) jsamples(f, tr);
    else jsteps(f, d, tr);
    fputc('}', f);
  }
  fputs("],\"still\":[", f);
  n = 0;
  for (size_t i = 0; i < d->plate_count && moved != NULL && any; ++i) {
    if (moved[i]) continue;
    if (n++) fputc(',', f);
    jstr(f, shelf.plates[i].plate);
  }
  fputc(']', f);
  free(moved);
}

/* ---- a decision ---- */

static void jterms(FILE *f, const rf_evidence *e) {
  const double v[6] = {e->weight, e->plates, e->prior, e->hand, e->identity, e->position};
  fputc('[', f);
  for (int i = 0; i < 6; ++i) {
    if (i) fputc(',', f);
    jnum(f, v[i], 2);
  }
  fputc(']', f);
}

/* A decision's header: which change, when, where, how sure, what is at stake. */
static void jheader(FILE *f, const rv_decision *d, size_t n) {
  fprintf(f, "{\"n\":%zu,\"seq\":", n);
  if (d->diff_count > 0) jint(f, d->diffs[0].seq);
  else fputs("null", f);
  fputs(",\"event\":", f);
  jint(f, d->event);
  fputs(",\"line\":", f);
  jint(f, (int64_t)d->line);
  fputs(",\"shelf\":", f);
  jstr(f, d->shelf);
  fputs(",\"w0\":", f);
  jint(f, d->w0);
  fputs(",\"w\":", f);
  jms(f, d, d->w1);
  fputs(",\"t0\":", f);
  jms(f, d, d->t0);
  fputs(",\"t1\":", f);
  jms(f, d, d->t1);
  fputs(",\"t\":", f);
  jint(f, d->t);
  fputs(",\"how\":", f);
  jstr(f, d->how);
  fputs(",\"total\":", f);
  jnum(f, d->total, 1);
  fputs(",\"x\":", f);
  jnum(f, d->x, 3);
  fprintf(f, ",\"flag\":%d,\"wrong\":", d->flagged);
  jnum(f, d->wrong, 4);
  fputs(",\"items\":", f);
  jint(f, d->items);
  fputs(",\"stake\":", f);
  jnum(f, d->stake, 4);
}

/* Its choices: the diffs and what came of them since, accept, the alternatives, the
 * candidates. */
static void jchoices(FILE *f, const rv_decision *d) {
  fputs(",\"diffs\":[", f);
  for (size_t i = 0; i < d->diff_count; ++i) {
    if (i) fputc(',', f);
    jdiff(f, &d->diffs[i], 0);
  }
  fputs("],\"later\":[", f);
  for (size_t i = 0; i < d->later_count; ++i) {
    if (i) fputc(',', f);
    jdiff(f, &d->later[i], 1);
  }
  fprintf(f, "],\"dec\":%d,\"accept\":", d->decided);
  if (d->verdict_shape) {
    fputc('[', f);
    jstr(f, d->accept_shopper);
    fputc(',', f);
    jitems(f, d->accept_items, d->accept_count);
    fputc(']', f);
  } else {
    fputs("null", f);
  }
  fputs(",\"alts\":[", f);
  for (size_t i = 0; i < d->alt_count; ++i) {
    const rv_alt *a = &d->alts[i];
    fputs(i ? ",[" : "[", f);
    jstr(f, a->shopper);
    fputc(',', f);
    jitems(f, a->items, a->item_count);
    fputc(',', f);
    jnum(f, a->p, 4);
    fputc(',', f);
    if (a->shopper != NULL) jterms(f, &a->terms);
    else fputs("null", f);
    fputc(']', f);
  }
  fputs("],\"cands\":[", f);
  for (size_t i = 0; i < d->cand_count; ++i) {
    const rv_cand *c = &d->cands[i];
    fputs(i ? ",[" : "[", f);
    jstr(f, c->shopper);
    fputc(',', f);
    jnum(f, c->p, 4);
    fputc(',', f);
    jnum(f, c->has_distance ? c->distance : NAN, 2);
    fputc(']', f);
  }
  fputc(']', f);
}

/* Its figure: the plates, the hand visits, the candidates' tracks. */
static void jfigure(FILE *f, const rv_report *r, rv_decision *d) {
  jplates(f, r->store, d);
  fputs(",\"bars\":[", f);
  for (size_t i = 0; i < d->bar_count; ++i) {
    const rv_bar *b = &d->bars[i];
    fputs(i ? ",[" : "[", f);
    jstr(f, b->shopper);
    fputc(',', f);
    jms(f, d, b->t0);
    fputc(',', f);
    jms(f, d, b->t1);
    fputc(',', f);
    jnum(f, b->has_x ? b->x : NAN, 3);
    fputc(',', f);
    jnum(f, b->p >= 0.0 ? b->p : NAN, 3);
    fputc(']', f);
  }
  fprintf(f, "],\"ref\":%d,\"tracks\":[", d->has_ref);
  for (size_t i = 0; i < d->track_count; ++i) {
    const rv_track *tr = &d->tracks[i];
    fputs(i ? ",[" : "[", f);
    jstr(f, tr->shopper);
    fputs(",[", f);
    for (size_t k = 0; k < tr->count; ++k) {
      if (k) fputc(',', f);
      jms(f, d, tr->t[k]);
      fputc(',', f);
      jnum(f, tr->d[k], 2);
    }
    fputs("]]", f);
  }
  fputs("]", f);
}

static void jdecision(FILE *f, const rv_report *r, rv_decision *d, size_t n) {
  jheader(f, d, n);
  jchoices(f, d);
  jfigure(f, r, d);
  fputc('}', f);
}

/* A key for the reviewer's browser to keep verdicts under: the same report gives the same. */
static uint64_t report_key(const rv_report *r, const char *output) {
  uint64_t h = 1469598103934665603u;
  for (const char *s = output; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211u;
  for (size_t k = 0; k < r->decision_count; ++k) {
    const rv_decision *d = &r->decisions[k];
    uint64_t v[3] = {(uint64_t)d->event, (uint64_t)d->t0,
                     d->diff_count ? (uint64_t)d->diffs[0].seq : 0};
    for (int i = 0; i < 3; ++i)
      for (int b = 0; b < 8; ++b) h = (h ^ ((v[i] >> (8 * b)) & 0xff)) * 1099511628211u;
  }
  return h;
}

static void jdata(FILE *f, const rv_report *r, const char *scenario, const char *output) {
  fprintf(f,
          "{\"v\":1,\"key\":\"%016llx\",\"scenario\":", (unsigned long long)report_key(r, output));
  jstr(f, scenario);
  fputs(",\"output\":", f);
  jstr(f, output);
  fprintf(f, ",\"all\":%d,\"window_s\":", r->all);
  jnum(f, r->window_s, 3);
  fprintf(f, ",\"changes\":%zu,\"flagged\":%zu,\"buckets\":%d,\"products\":{", r->explains,
          r->flagged, RV_BUCKETS);
  uint32_t products = r->store ? rf_store_product_count(r->store) : 0;
  for (uint32_t i = 0; i < products; ++i) {
    rf_product_def p;
    if (rf_store_product(r->store, i, &p) != 0) continue;
    if (i) fputc(',', f);
    jstr(f, p.sku);
    fputs(":[", f);
    jstr(f, p.name != NULL ? p.name : "");
    fputc(',', f);
    jnum(f, p.weight_g, 2);
    fputc(']', f);
  }
  fputs("},\"decisions\":[", f);
  for (size_t k = 0; k < r->decision_count; ++k) {
    if (k) fputs(",\n", f);
    jdecision(f, r, &r->decisions[k], k + 1);
  }
  fputs("]}", f);
}

/* ---- the page ---- */

static void put_html_text(FILE *f, const char *s) {
  for (; *s; ++s) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash != NULL ? slash + 1 : path;
}

int rv_write_page(const rv_report *r, const char *path, const char *scenario, const char *output,
                  size_t *bytes, char *err, size_t cap) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    snprintf(err, cap, "cannot write '%s': %s", path, strerror(errno));
    return RF_EIO;
  }
  static char buffer[1 << 20];
  setvbuf(f, buffer, _IOFBF, sizeof buffer);
  const char *t = (const char *)rf_review_page_html, *end = t + rf_review_page_html_len;
  while (t < end) {
    const char *at = memchr(t, '@', (size_t)(end - t));
    if (at == NULL) at = end;
    fwrite(t, 1, (size_t)(at - t), f);
    t = at;
    if (t == end) break;
    if (end - t >= 7 && memcmp(t, "@TITLE@", 7) == 0) {
      fputs("retailfuse review: ", f);
      put_html_text(f, base_name(output));
      t += 7;
    } else if (end - t >= 5 && memcmp(t, "@CSS@", 5) == 0) {
      fwrite(rf_review_page_css, 1, rf_review_page_css_len, f);
      t += 5;
    } else if (end - t >= 4 && memcmp(t, "@JS@", 4) == 0) {
      fwrite(rf_review_page_js, 1, rf_review_page_js_len, f);
      t += 4;
    } else if (end - t >= 6 && memcmp(t, "@DATA@", 6) == 0) {
      jdata(f, r, scenario, output);
      t += 6;
    } else {
      fputc('@', f);
      ++t;
    }
  }
  long size = ftell(f);
  int failed = ferror(f);
  if (fclose(f) != 0 || failed) {
    snprintf(err, cap, "writing '%s' failed: %s", path, strerror(errno));
    return RF_EIO;
  }
  *bytes = size > 0 ? (size_t)size : 0;
  return 0;
}
