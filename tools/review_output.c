/* retailfuse review: the decisions, from an output's diffs and explain records (or from the
 * engine, deciding the scenario again with explanations on), each with what is at stake. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "review.h"

/* ---- the pool ---- */

#define CHUNK 65536

typedef struct chunk {
  struct chunk *next;
  size_t used, cap;
  max_align_t data[];
} chunk;

struct rv_pool {
  chunk *chunks;
  const char **slots; /* open addressing over the kept strings */
  size_t slot_count, used;
};

int rv_pool_new(rv_pool **out) {
  *out = calloc(1, sizeof **out);
  return *out == NULL ? RF_ENOMEM : 0;
}

void rv_pool_free(rv_pool *p) {
  if (p == NULL) return;
  for (chunk *c = p->chunks, *next; c != NULL; c = next) {
    next = c->next;
    free(c);
  }
  free(p->slots);
  free(p);
}

void *rv_alloc(rv_pool *p, size_t n) {
  const size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  if (n == 0) n = align;
  chunk *c = p->chunks;
  if (c == NULL || c->cap - c->used < n) {
    size_t cap = n > CHUNK ? n : CHUNK;
    chunk *fresh = malloc(sizeof *fresh + cap);
    if (fresh == NULL) return NULL;
    fresh->used = 0;
    fresh->cap = cap;
    if (c != NULL && n > CHUNK) { /* a big one goes behind the current chunk, which goes on */
      fresh->next = c->next;
      c->next = fresh;
    } else {
      fresh->next = c;
      p->chunks = fresh;
    }
    c = fresh;
  }
  void *at = (char *)c->data + c->used;
  c->used += n;
  memset(at, 0, n);
  return at;
}

static uint64_t hash_text(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

const char *rv_lookup(const rv_pool *p, const char *text) {
  if (text == NULL || p->slot_count == 0) return NULL;
  for (size_t i = hash_text(text) & (p->slot_count - 1);; i = (i + 1) & (p->slot_count - 1)) {
    if (p->slots[i] == NULL) return NULL;
    if (strcmp(p->slots[i], text) == 0) return p->slots[i];
  }
}

const char *rv_intern(rv_pool *p, const char *text, int *failed) {
  if (text == NULL) return NULL;
  const char *kept = rv_lookup(p, text);
  if (kept != NULL) return kept;
  if ((p->used + 1) * 2 > p->slot_count) {
    size_t count = p->slot_count ? p->slot_count * 2 : 256;
    const char **slots = calloc(count, sizeof *slots);
    if (slots == NULL) {
      *failed = 1;
      return NULL;
    }
    for (size_t k = 0; k < p->slot_count; ++k) {
      if (p->slots[k] == NULL) continue;
      size_t i = hash_text(p->slots[k]) & (count - 1);
      while (slots[i] != NULL) i = (i + 1) & (count - 1);
      slots[i] = p->slots[k];
    }
    free(p->slots);
    p->slots = slots;
    p->slot_count = count;
  }
  size_t len = strlen(text);
  char *copy = rv_alloc(p, len + 1);
  if (copy == NULL) {
    *failed = 1;
    return NULL;
  }
  memcpy(copy, text, len + 1);
  size_t i = hash_text(text) & (p->slot_count - 1);
  while (p->slots[i] != NULL) i = (i + 1) & (p->slot_count - 1);
  p->slots[i] = copy;
  p->used++;
  return copy;
}

/* ---- the report ---- */

void rv_report_free(rv_report *r) {
  for (size_t k = 0; k < r->decision_count; ++k) {
    rv_decision *d = &r->decisions[k];
    for (size_t i = 0; i < d->plate_count; ++i) {
      free(d->plates[i].lo);
      free(d->plates[i].hi);
      free(d->plates[i].steps);
    }
    for (size_t i = 0; i < d->track_count; ++i) {
      free(d->tracks[i].t);
      free(d->tracks[i].d);
    }
    free(d->plates);
    free(d->tracks);
    free(d->bars);
  }
  free(r->decisions);
  free(r->diffs);
  rv_pool_free(r->pool);
  rf_store_free(r->store);
  memset(r, 0, sizeof *r);
}

/* Room for one more of `size` bytes in *array of *count (capacity *cap). */
static int grow(void **array, size_t *cap, size_t count, size_t size) {
  if (count < *cap) return 0;
  size_t n = *cap ? *cap * 2 : 64;
  void *p = realloc(*array, n * size);
  if (p == NULL) return RF_ENOMEM;
  *array = p;
  *cap = n;
  return 0;
}

static rv_item *copy_items(rv_pool *pool, const rf_item_qty *items, size_t n, int *failed) {
  rv_item *out = rv_alloc(pool, n * sizeof *out);
  if (out == NULL) {
    *failed = 1;
    return NULL;
  }
  for (size_t i = 0; i < n; ++i) {
    out[i].sku = rv_intern(pool, items[i].sku, failed);
    out[i].qty = items[i].qty;
  }
  return out;
}

static int take_explain(rv_report *r, const rf_explain_rec *x, uint64_t line) {
  if (grow((void **)&r->decisions, &r->decision_cap, r->decision_count, sizeof *r->decisions))
    return RF_ENOMEM;
  rv_decision *d = &r->decisions[r->decision_count];
  memset(d, 0, sizeof *d);
  rv_pool *pool = r->pool;
  int failed = 0;
  d->line = line;
  d->event = x->event;
  d->t = x->t;
  d->t0 = x->t0;
  d->t1 = x->t1;
  d->shelf = rv_intern(pool, x->shelf, &failed);
  d->how = rv_intern(pool, x->how, &failed);
  d->total = x->total;
  d->x = x->x;
  d->diff_count = x->diff_count;
  d->alt_count = x->alternative_count;
  d->cand_count = x->candidate_count;
  d->hand_count = x->hand_count;
  d->diff_seqs = rv_alloc(pool, x->diff_count * sizeof *d->diff_seqs);
  d->alts = rv_alloc(pool, x->alternative_count * sizeof *d->alts);
  d->cands = rv_alloc(pool, x->candidate_count * sizeof *d->cands);
  d->hands = rv_alloc(pool, x->hand_count * sizeof *d->hands);
  if (d->diff_seqs == NULL || d->alts == NULL || d->cands == NULL || d->hands == NULL)
    return RF_ENOMEM;
  if (x->diff_count > 0) memcpy(d->diff_seqs, x->diffs, x->diff_count * sizeof *x->diffs);
  for (size_t i = 0; i < x->alternative_count; ++i) {
    const rf_alternative *a = &x->alternatives[i];
    d->alts[i].shopper = rv_intern(pool, a->shopper, &failed);
    d->alts[i].items = copy_items(pool, a->items, a->item_count, &failed);
    d->alts[i].item_count = a->item_count;
    d->alts[i].p = a->p;
    d->alts[i].terms = a->terms;
  }
  for (size_t i = 0; i < x->candidate_count; ++i) {
    const rf_candidate *c = &x->candidates[i];
    d->cands[i] =
        (rv_cand){rv_intern(pool, c->shopper, &failed), c->p, c->has_distance, c->distance};
  }
  for (size_t i = 0; i < x->hand_count; ++i) {
    const rf_explain_hand *h = &x->hands[i];
    d->hands[i] =
        (rv_xhand){rv_intern(pool, h->shopper, &failed), h->t0, h->t1, h->has_x, h->x, h->p};
  }
  if (failed) return RF_ENOMEM;
  r->decision_count++;
  r->explains++;
  return 0;
}

int rv_take_output(rv_report *r, const rf_record *rec, uint64_t line) {
  if (rec->type == RF_RECORD_EXPLAIN) return take_explain(r, &rec->u.explain, line);
  if (rec->type != RF_RECORD_DIFF) return 0;
  const rf_diff_rec *s = &rec->u.diff;
  if (grow((void **)&r->diffs, &r->diff_cap, r->diff_count, sizeof *r->diffs)) return RF_ENOMEM;
  int failed = 0;
  rv_diff *d = &r->diffs[r->diff_count];
  *d = (rv_diff){.seq = s->seq,
                 .t = s->t,
                 .event = s->event,
                 .qty = s->qty,
                 .shopper = rv_intern(r->pool, s->shopper, &failed),
                 .sku = rv_intern(r->pool, s->sku, &failed),
                 .conf = s->conf,
                 .review = s->review,
                 .has_corrects = s->has_corrects,
                 .has_reviews = s->has_reviews,
                 .corrects = s->corrects,
                 .reviews = s->reviews};
  if (failed) return RF_ENOMEM;
  r->diff_count++;
  return 0;
}

/* ---- selection ---- */

static int by_seq(const void *a, const void *b) {
  const rv_diff *x = a, *y = b;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

static int by_event_seq(const void *a, const void *b) {
  const rv_diff *x = a, *y = b;
  if (x->event != y->event) return (x->event > y->event) - (x->event < y->event);
  return (x->seq > y->seq) - (x->seq < y->seq);
}

static int by_stake(const void *a, const void *b) {
  const rv_decision *x = a, *y = b;
  if (x->stake != y->stake) return x->stake < y->stake ? 1 : -1;
  if (x->event != y->event) return (x->event > y->event) - (x->event < y->event);
  return (x->t0 > y->t0) - (x->t0 < y->t0);
}

static const rv_diff *find_diff(const rv_diff *diffs, size_t n, int64_t seq) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (diffs[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && diffs[lo].seq == seq ? &diffs[lo] : NULL;
}

/* The diff i of the decision's own and then its later ones (corrections, verdicts). */
static const rv_diff *nth_diff(const rv_decision *d, size_t i) {
  return i < d->diff_count ? &d->diffs[i] : &d->later[i - d->diff_count];
}

/* The verdict that accepts the decision as the carts hold it now: the net items of its diffs
 * and of the corrections and verdicts since, when they are one cart's (or none: nobody's). */
static int accept_verdict(rv_pool *pool, rv_decision *d) {
  size_t n = d->diff_count + d->later_count;
  rv_item *net = rv_alloc(pool, (n + 1) * sizeof *net);
  const char **cart = rv_alloc(pool, (n + 1) * sizeof *cart);
  if (net == NULL || cart == NULL) return RF_ENOMEM;
  size_t lines = 0;
  for (size_t i = 0; i < n; ++i) {
    const rv_diff *f = nth_diff(d, i);
    size_t k = 0;
    while (k < lines && (cart[k] != f->shopper || net[k].sku != f->sku)) ++k;
    if (k == lines) cart[lines] = f->shopper, net[lines++] = (rv_item){f->sku, 0};
    if (__builtin_add_overflow(net[k].qty, f->qty, &net[k].qty)) /* a hostile output */
      net[k].qty = f->qty < 0 ? INT64_MIN : INT64_MAX;
  }
  d->verdict_shape = 1;
  d->accept_shopper = NULL;
  d->accept_items = net;
  d->accept_count = 0;
  for (size_t k = 0; k < lines; ++k) { /* a take and a put-back of one sku in one change cancel */
    if (net[k].qty == 0) continue;
    if (d->accept_shopper != NULL && cart[k] != d->accept_shopper) d->verdict_shape = 0;
    d->accept_shopper = cart[k];
    net[d->accept_count++] = net[k];
  }
  return 0;
}

static int same_items(const rv_item *a, size_t na, const rv_item *b, size_t nb) {
  if (na != nb) return 0;
  for (size_t i = 0; i < na; ++i) {
    size_t k = 0;
    while (k < nb && (b[k].sku != a[i].sku || b[k].qty != a[i].qty)) ++k;
    if (k == nb) return 0;
  }
  return 1;
}

/* sum + |qty|, held at INT64_MAX (quantities read are within 2^53, their sums need not be). */
static int64_t add_items(int64_t sum, int64_t qty) {
  int64_t n = qty < 0 ? -qty : qty;
  return sum > INT64_MAX - n ? INT64_MAX : sum + n;
}

static int64_t count_items(const rv_item *items, size_t n) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum = add_items(sum, items[i].qty);
  return sum;
}

/* Resolves one decision: its diffs, whether it is flagged, what accepting it is, its stake.
 * 1 when every diff it names is in the output, 0 when not, or RF_ENOMEM. */
static int resolve(rv_report *r, rv_decision *d) {
  d->diffs = rv_alloc(r->pool, d->diff_count * sizeof *d->diffs);
  if (d->diffs == NULL) return RF_ENOMEM;
  double least = 1.0;
  for (size_t i = 0; i < d->diff_count; ++i) {
    const rv_diff *f = find_diff(r->diffs, r->diff_count, d->diff_seqs[i]);
    if (f == NULL) return 0;
    d->diffs[i] = *f;
    if (f->review) d->flagged = 1;
    if (f->conf < least) least = f->conf;
    d->items = add_items(d->items, f->qty);
  }
  d->least = least;
  return 1;
}

/* What accepting the decision is, which alternative that is, and what is at stake: the chance
 * it is wrong times the items it moved. 0 or RF_ENOMEM. */
static int judge(rv_report *r, rv_decision *d) {
  double least = d->least;
  if (accept_verdict(r->pool, d) != 0) return RF_ENOMEM;
  d->decided = -1;
  for (size_t a = 0; a < d->alt_count && d->decided < 0 && d->verdict_shape; ++a)
    if (d->alts[a].shopper == d->accept_shopper &&
        same_items(d->alts[a].items, d->alts[a].item_count, d->accept_items, d->accept_count))
      d->decided = (int)a;
  d->wrong = d->decided >= 0 ? 1.0 - d->alts[d->decided].p : d->diff_count > 0 ? 1.0 - least : 0.0;
  if (d->later_count > 0) { /* corrected since: as sure as the corrections are */
    double sure = 1.0;
    for (size_t i = 0; i < d->later_count; ++i) sure = fmin(sure, d->later[i].conf);
    d->wrong = 1.0 - sure;
  }
  if (d->wrong < 0.0) d->wrong = 0.0;
  int64_t items = d->items;
  if (items == 0) /* nothing moved: what is at stake is what someone may have moved */
    for (size_t a = 0; a < d->alt_count; ++a) {
      int64_t n = count_items(d->alts[a].items, d->alts[a].item_count);
      if (n > items) items = n;
    }
  d->stake = d->wrong * (double)items;
  return 0;
}

/* The first of n diffs sorted by (event, seq) after (event, seq). */
static size_t after(const rv_diff *by_event, size_t n, int64_t event, int64_t seq) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const rv_diff *f = &by_event[mid];
    if (f->event < event || (f->event == event && f->seq <= seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Diffs of the decision's event after its own: corrections of it, verdicts on it. */
static void attach_later(rv_decision *d, rv_diff *by_event, size_t n) {
  int64_t last = -1;
  for (size_t i = 0; i < d->diff_count; ++i)
    if (d->diffs[i].seq > last) last = d->diffs[i].seq;
  size_t from = after(by_event, n, d->event, last), to = after(by_event, n, d->event, INT64_MAX);
  d->later = by_event + from;
  d->later_count = to - from;
}

int rv_select(rv_report *r) {
  if (r->diff_count > 1) qsort(r->diffs, r->diff_count, sizeof *r->diffs, by_seq);
  rv_diff *by_event = rv_alloc(r->pool, r->diff_count * sizeof *by_event);
  if (by_event == NULL) return RF_ENOMEM;
  if (r->diff_count > 0) memcpy(by_event, r->diffs, r->diff_count * sizeof *by_event);
  if (r->diff_count > 1) qsort(by_event, r->diff_count, sizeof *by_event, by_event_seq);
  size_t kept = 0;
  r->flagged = 0;
  for (size_t k = 0; k < r->decision_count; ++k) {
    rv_decision *d = &r->decisions[k];
    int rc = resolve(r, d);
    if (rc < 0) return rc;
    if (rc == 0) {
      r->missing_diffs++;
      continue;
    }
    if (d->flagged) r->flagged++;
    if (!d->flagged && !(r->all && d->diff_count > 0)) continue;
    if (d->event >= 0) attach_later(d, by_event, r->diff_count);
    if (judge(r, d) != 0) return RF_ENOMEM;
    r->decisions[kept++] = *d;
  }
  r->decision_count = kept;
  if (r->decision_count > 1) qsort(r->decisions, r->decision_count, sizeof *r->decisions, by_stake);
  return 0;
}

/* ---- reading ---- */

void rv_bad_line(const char *path, const char *message, uint64_t count) {
  if (count > RV_SHOWN_ERRORS) return;
  progress_clear();
  fprintf(stderr, "%s: %s\n", path, message);
}

int rv_read_output(rv_report *r, const char *path, char *err, size_t cap) {
  counted_input input;
  rf_scenario_reader *in = NULL;
  int rc = counted_input_open(&input, &in, path);
  if (rc != 0) {
    snprintf(err, cap, "cannot open '%s': %s", path,
             rc == RF_EIO ? strerror(errno) : rf_strerror(rc));
    return rc;
  }
  progress shown;
  progress_begin(&shown, path, input.size);
  rf_record rec;
  uint64_t records = 0;
  while ((rc = rf_scenario_reader_next(in, &rec)) != RF_ITEROVER) {
    progress_update(&shown, input.bytes, ++records);
    if (rc == RF_EIO || rc == RF_ENOMEM) {
      snprintf(err, cap, "%s: %s", path, rf_scenario_reader_errmsg(in));
      break;
    }
    if (rc != 0) {
      rv_bad_line(path, rf_scenario_reader_errmsg(in), ++r->output_lines_bad);
      continue;
    }
    if ((rc = rv_take_output(r, &rec, rf_scenario_reader_line(in))) != 0) {
      snprintf(err, cap, "%s: out of memory", path);
      break;
    }
  }
  progress_end(&shown);
  counted_input_close(&input, in);
  return rc == RF_ITEROVER ? 0 : rc;
}
