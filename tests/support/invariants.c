/* The output invariant checker (invariants.h): carts rebuilt from the diffs alone, shoppers'
 * visits and links from the inputs, every output record checked against them as it comes. */
#include "invariants.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retailfuse/status.h"

/* Interned strings: index by name through an open-addressing table (slots hold index + 1). */
typedef struct inv_names {
  char **name;
  size_t count, cap;
  uint32_t *slot;
  size_t slot_cap; /* a power of two, at least twice count */
} inv_names;

typedef struct inv_line {
  uint32_t sku;
  int64_t qty;
} inv_line;

typedef struct inv_shopper {
  uint32_t owner; /* the cart's owner: itself unless linked into another cart */
  int closed;     /* this visit's receipt is out */
  int present;    /* -1: no enter or exit fed; 0: left; 1: in the store */
  int exited;     /* an exit was fed during this visit */
  int staff;      /* entered as staff this visit: named by no diff and no receipt */
  rf_time_us last_exit;
  int cart_exited; /* as an owner: someone left while shopping into this cart, this visit ... */
  rf_time_us cart_last_exit; /* ... the last of those exits (a receipt's time follows it) */
  uint32_t visit;            /* visits begun after a receipt */
  size_t receipt_record;
  inv_line *line; /* the cart as the diffs built it, sku by sku */
  size_t line_count, line_cap;
} inv_shopper;

typedef struct inv_diff {
  int64_t seq, qty, event, corrected_by;
  uint32_t shopper, sku, visit;
  int is_correction;
} inv_diff;

/* A held output record with the strings and items it points at, in one block. */
typedef struct inv_held {
  rf_record rec;
} inv_held;

struct inv_checker {
  inv_names shoppers, skus;
  inv_shopper *sh;
  size_t sh_cap;
  inv_diff *log;
  size_t log_count, log_cap;
  int has_seq;
  int64_t last_seq;
  int64_t redo_for, undo_seq; /* an undo was seen: the next diff must be its redo */
  rf_time_us wait_us;
  size_t records; /* output records checked */
  int failed;
  char msg[512];
  int ignored[INV_RULE_COUNT];
  int holding;
  inv_held **held;
  size_t held_count, held_cap;
};

/* ---- growing arrays and interned names ---- */

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * size);
  if (q == NULL) return RF_ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static size_t names_probe(const inv_names *n, const char *s) {
  size_t mask = n->slot_cap - 1, i = (size_t)hash_str(s) & mask;
  while (n->slot[i] != 0 && strcmp(n->name[n->slot[i] - 1], s) != 0) i = (i + 1) & mask;
  return i;
}

/* Doubles the table and places every name again. */
static int names_rehash(inv_names *n) {
  size_t cap = n->slot_cap ? n->slot_cap * 2 : 64;
  uint32_t *slot = calloc(cap, sizeof *slot);
  if (slot == NULL) return RF_ENOMEM;
  free(n->slot);
  n->slot = slot;
  n->slot_cap = cap;
  for (size_t k = 0; k < n->count; ++k) n->slot[names_probe(n, n->name[k])] = (uint32_t)k + 1;
  return 0;
}

/* The index of s, added if new (*added says so). */
static int names_intern(inv_names *n, const char *s, uint32_t *index, int *added) {
  *added = 0;
  if (2 * (n->count + 1) > n->slot_cap && names_rehash(n) != 0) return RF_ENOMEM;
  size_t i = names_probe(n, s);
  if (n->slot[i] != 0) {
    *index = n->slot[i] - 1;
    return 0;
  }
  char *copy = malloc(strlen(s) + 1);
  if (copy == NULL || grow((void **)&n->name, &n->cap, n->count + 1, sizeof *n->name) != 0) {
    free(copy);
    return RF_ENOMEM;
  }
  strcpy(copy, s);
  n->name[n->count] = copy;
  n->slot[i] = (uint32_t)(++n->count);
  *index = n->slot[i] - 1;
  *added = 1;
  return 0;
}

static void names_free(inv_names *n) {
  for (size_t k = 0; k < n->count; ++k) free(n->name[k]);
  free(n->name);
  free(n->slot);
}

/* ---- the checker's state ---- */

int inv_new(inv_checker **out) {
  *out = calloc(1, sizeof **out);
  if (*out == NULL) return RF_ENOMEM;
  (*out)->redo_for = -1;
  (*out)->wait_us = -1;
  return 0;
}

void inv_free(inv_checker *inv) {
  if (inv == NULL) return;
  for (size_t k = 0; k < inv->shoppers.count; ++k) free(inv->sh[k].line);
  for (size_t k = 0; k < inv->held_count; ++k) free(inv->held[k]);
  free(inv->held);
  free(inv->sh);
  free(inv->log);
  names_free(&inv->shoppers);
  names_free(&inv->skus);
  free(inv);
}

void inv_set_wait(inv_checker *inv, rf_time_us wait_us) { inv->wait_us = wait_us; }

static const char *const rule_names[INV_RULE_COUNT] = {
    "seq", "receipt", "negative", "final", "merged", "corrects", "present", "time", "staff"};

const char *inv_rule_name(inv_rule rule) {
  return (unsigned)rule < INV_RULE_COUNT ? rule_names[rule] : NULL;
}

int inv_ignore(inv_checker *inv, const char *names) {
  while (*names) {
    size_t n = strcspn(names, ",");
    int found = 0;
    for (int r = 0; r < INV_RULE_COUNT; ++r)
      if (strlen(rule_names[r]) == n && strncmp(rule_names[r], names, n) == 0)
        found = inv->ignored[r] = 1;
    if (!found && n > 0) return RF_EINVAL;
    names += n + (names[n] == ',');
  }
  return 0;
}

const char *inv_message(const inv_checker *inv) { return inv->msg; }

size_t inv_records(const inv_checker *inv) { return inv->records; }

/* A violation of rule: kept as the first one (returns INV_VIOLATION), or passed over when the
 * rule is ignored (returns 0, and checking goes on as if it held). */
static int fail(inv_checker *inv, inv_rule rule, const char *fmt, ...) {
  if (inv->ignored[rule]) return 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(inv->msg, sizeof inv->msg, fmt, ap);
  va_end(ap);
  inv->failed = 1;
  return INV_VIOLATION;
}

static const char *shopper_id(const inv_checker *inv, uint32_t s) { return inv->shoppers.name[s]; }
static const char *sku_id(const inv_checker *inv, uint32_t k) { return inv->skus.name[k]; }

/* The shopper named id, met for the first time as the owner of a cart of their own. */
static int shopper_get(inv_checker *inv, const char *id, uint32_t *s) {
  int added;
  if (names_intern(&inv->shoppers, id, s, &added) != 0 ||
      grow((void **)&inv->sh, &inv->sh_cap, inv->shoppers.count, sizeof *inv->sh) != 0)
    return RF_ENOMEM;
  if (added) {
    memset(&inv->sh[*s], 0, sizeof inv->sh[*s]);
    inv->sh[*s].owner = *s;
    inv->sh[*s].present = -1;
  }
  return 0;
}

static int sku_get(inv_checker *inv, const char *id, uint32_t *k) {
  int added;
  return names_intern(&inv->skus, id, k, &added);
}

static inv_line *cart_line(inv_shopper *s, uint32_t sku) {
  for (size_t i = 0; i < s->line_count; ++i)
    if (s->line[i].sku == sku) return &s->line[i];
  return NULL;
}

static int64_t cart_qty(inv_shopper *s, uint32_t sku) {
  inv_line *l = cart_line(s, sku);
  return l ? l->qty : 0;
}

static int cart_add(inv_shopper *s, uint32_t sku, int64_t qty, int64_t *now) {
  inv_line *l = cart_line(s, sku);
  if (l == NULL) {
    if (grow((void **)&s->line, &s->line_cap, s->line_count + 1, sizeof *s->line) != 0)
      return RF_ENOMEM;
    l = &s->line[s->line_count++];
    *l = (inv_line){sku, 0};
  }
  l->qty += qty;
  *now = l->qty;
  return 0;
}

/* Adds qty to sku in s's cart; RF_ERANGE when the sum would leave int64_t (hostile input). */
static int cart_add_checked(inv_shopper *s, uint32_t sku, int64_t qty, int64_t *now) {
  int64_t old = cart_qty(s, sku);
  if ((qty > 0 && old > INT64_MAX - qty) || (qty < 0 && old < INT64_MIN - qty)) return RF_ERANGE;
  return cart_add(s, sku, qty, now);
}

/* ---- input events ---- */

/* An enter after the visit's receipt begins a new visit: a new, empty cart of one's own. */
static void take_enter(inv_checker *inv, uint32_t s, int staff) {
  inv_shopper *sh = &inv->sh[s];
  /* A new visit after the receipt, or staff's (who hold nothing to go on with), takes the role
   * its enter gives; a shopper back before the receipt goes on as a shopper. */
  int fresh = sh->closed || sh->staff;
  if (sh->present == -1 || fresh) sh->staff = staff;
  if (fresh) {
    sh->closed = 0;
    sh->owner = s;
    sh->exited = 0;
    sh->cart_exited = 0;
    sh->line_count = 0;
    sh->visit++;
  }
  sh->present = 1;
}

static void take_exit(inv_checker *inv, uint32_t s, rf_time_us t) {
  inv_shopper *sh = &inv->sh[s];
  if (!sh->exited || t > sh->last_exit) sh->last_exit = t;
  sh->present = 0;
  sh->exited = 1;
  /* The exit counts for the cart shopped into at the time, whoever is in it by its receipt. */
  inv_shopper *cart = &inv->sh[sh->owner];
  if (!cart->cart_exited || t > cart->cart_last_exit) cart->cart_last_exit = t;
  cart->cart_exited = 1;
}

/* s joins the cart c shops into; s's own cart, with everyone in it, moves over when s owns
 * it (as docs/format.md §4 says); items move only by diffs. */
static void take_link(inv_checker *inv, uint32_t s, uint32_t c) {
  uint32_t owner = inv->sh[c].owner, old = inv->sh[s].owner;
  if (owner == old) return;
  if (old != s) {
    inv->sh[s].owner = owner;
    return;
  }
  for (size_t k = 0; k < inv->shoppers.count; ++k)
    if (inv->sh[k].owner == s) inv->sh[k].owner = owner;
}

int inv_input(inv_checker *inv, const rf_record *rec) {
  if (inv->failed) return INV_VIOLATION;
  uint32_t s, c;
  switch (rec->type) {
    case RF_RECORD_ENTER:
      if (shopper_get(inv, rec->u.enter.shopper, &s) != 0) return RF_ENOMEM;
      take_enter(inv, s, rec->u.enter.staff);
      break;
    case RF_RECORD_EXIT:
      if (shopper_get(inv, rec->u.exit.shopper, &s) != 0) return RF_ENOMEM;
      take_exit(inv, s, rec->u.exit.t);
      break;
    case RF_RECORD_LINK:
      if (shopper_get(inv, rec->u.link.shopper, &s) != 0 ||
          shopper_get(inv, rec->u.link.cart, &c) != 0)
        return RF_ENOMEM;
      take_link(inv, s, c);
      break;
    default: break;
  }
  return 0;
}

/* ---- diffs ---- */

/* The logged diff numbered seq, or NULL (seqs increase, so the log is sorted). */
static inv_diff *find_diff(inv_checker *inv, int64_t seq) {
  size_t lo = 0, hi = inv->log_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (inv->log[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo < inv->log_count && inv->log[lo].seq == seq ? &inv->log[lo] : NULL;
}

#define DIFF_FMT "record %zu: diff #%" PRId64 ": "

/* The undo: the first diff naming o must give back exactly what o gave, to o's cart — or, when a
 * link has since merged that cart into another, to the owner it was merged into (where the
 * items went with the link's moves). */
static int check_undo(inv_checker *inv, const rf_diff_rec *d, uint32_t s, uint32_t k, inv_diff *o) {
  if (o->corrected_by >= 0)
    return fail(inv, INV_CORRECTS, DIFF_FMT "corrects #%" PRId64 ", already corrected by #%" PRId64,
                inv->records, d->seq, d->corrects, o->corrected_by);
  int moved = s != o->shopper && s == inv->sh[o->shopper].owner;
  if ((s != o->shopper && !moved) || k != o->sku || d->qty != -o->qty || d->event != o->event)
    return fail(inv, INV_CORRECTS,
                DIFF_FMT "the undo of #%" PRId64 " ('%s' %s %+" PRId64 ", event %" PRId64
                         ") is ('%s' %s %+" PRId64 ", event %" PRId64 ")",
                inv->records, d->seq, o->seq, shopper_id(inv, o->shopper), sku_id(inv, o->sku),
                -o->qty, o->event, d->shopper, d->sku, d->qty, d->event);
  if (!moved && inv->sh[s].visit != o->visit)
    return fail(inv, INV_CORRECTS,
                DIFF_FMT "corrects #%" PRId64 ", made in an earlier visit of '%s'", inv->records,
                d->seq, o->seq, d->shopper);
  o->corrected_by = d->seq;
  inv->redo_for = o->seq;
  inv->undo_seq = d->seq;
  return 0;
}

/* A correction: names an earlier diff that is no correction; undo first, then its redo. */
static int check_correction(inv_checker *inv, const rf_diff_rec *d, uint32_t s, uint32_t k) {
  inv_diff *o = find_diff(inv, d->corrects);
  if (o == NULL)
    return fail(inv, INV_CORRECTS, DIFF_FMT "corrects #%" PRId64 ", which is not an earlier diff",
                inv->records, d->seq, d->corrects);
  if (o->is_correction)
    return fail(inv, INV_CORRECTS, DIFF_FMT "corrects #%" PRId64 ", itself a correction",
                inv->records, d->seq, d->corrects);
  if (inv->redo_for < 0) return check_undo(inv, d, s, k, o);
  if (d->event != o->event)
    return fail(inv, INV_CORRECTS,
                DIFF_FMT "the redo of #%" PRId64 " has event %" PRId64 ", not %" PRId64,
                inv->records, d->seq, o->seq, d->event, o->event);
  inv->redo_for = -1;
  return 0;
}

/* Whether the record is the redo an undo is waiting for; a violation if not. */
static int check_redo_due(inv_checker *inv, const rf_record *rec) {
  if (inv->redo_for < 0) return 0;
  if (rec->type == RF_RECORD_DIFF && rec->u.diff.has_corrects &&
      rec->u.diff.corrects == inv->redo_for)
    return 0;
  return fail(inv, INV_CORRECTS,
              "record %zu: the undo #%" PRId64 " of #%" PRId64 " is not followed by its redo",
              inv->records, inv->undo_seq, inv->redo_for);
}

/* The cart the diff names may take it: its receipt not out, not merged away. */
static int check_cart_open(inv_checker *inv, const rf_diff_rec *d, uint32_t s) {
  const inv_shopper *sh = &inv->sh[s];
  if (sh->closed)
    return fail(inv, INV_FINAL, DIFF_FMT "charges '%s', whose receipt was handed out (record %zu)",
                inv->records, d->seq, d->shopper, sh->receipt_record);
  if (sh->owner == s) return 0;
  if (d->has_corrects)
    return fail(inv, INV_MERGED,
                DIFF_FMT "a correction naming '%s', whose cart was merged into '%s' by a link",
                inv->records, d->seq, d->shopper, shopper_id(inv, sh->owner));
  if (d->qty > 0)
    return fail(inv, INV_MERGED, DIFF_FMT "adds to '%s', whose cart was merged into '%s' by a link",
                inv->records, d->seq, d->shopper, shopper_id(inv, sh->owner));
  return 0; /* moving items out of a merged cart */
}

static int log_diff(inv_checker *inv, const rf_diff_rec *d, uint32_t s, uint32_t k) {
  if (grow((void **)&inv->log, &inv->log_cap, inv->log_count + 1, sizeof *inv->log) != 0)
    return RF_ENOMEM;
  inv->log[inv->log_count++] =
      (inv_diff){d->seq, d->qty, d->event, -1, s, k, inv->sh[s].visit, d->has_corrects};
  return 0;
}

static int check_diff(inv_checker *inv, const rf_diff_rec *d) {
  uint32_t s, k;
  int64_t now = 0;
  if (inv->has_seq && d->seq <= inv->last_seq &&
      fail(inv, INV_SEQ, DIFF_FMT "seq does not increase (the last was #%" PRId64 ")", inv->records,
           d->seq, inv->last_seq))
    return INV_VIOLATION;
  inv->has_seq = 1;
  inv->last_seq = d->seq;
  if (shopper_get(inv, d->shopper, &s) != 0 || sku_get(inv, d->sku, &k) != 0) return RF_ENOMEM;
  if (inv->sh[inv->sh[s].owner].staff &&
      fail(inv, INV_STAFF, DIFF_FMT "names '%s', whose cart is staff's", inv->records, d->seq,
           d->shopper))
    return INV_VIOLATION;
  int rc = check_cart_open(inv, d, s);
  if (rc == 0 && d->has_corrects) rc = check_correction(inv, d, s, k);
  if (rc != 0) return rc;
  rc = cart_add_checked(&inv->sh[s], k, d->qty, &now);
  if (rc == RF_ERANGE && fail(inv, INV_NEGATIVE, DIFF_FMT "'%s' %s overflows", inv->records, d->seq,
                              d->shopper, d->sku))
    return INV_VIOLATION;
  if (rc == RF_ENOMEM) return rc;
  if (now < 0 && fail(inv, INV_NEGATIVE, DIFF_FMT "takes '%s' to %" PRId64 " of %s", inv->records,
                      d->seq, d->shopper, now, d->sku))
    return INV_VIOLATION;
  return log_diff(inv, d, s, k);
}

/* ---- receipts ---- */

#define RECEIPT_FMT "record %zu: receipt of '%s': "

/* Each listed sku once and above 0: what a receipt is, whatever the cart. */
static int check_listing(inv_checker *inv, const rf_receipt_rec *r) {
  for (size_t i = 0; i < r->item_count; ++i) {
    const rf_item_qty *it = &r->items[i];
    for (size_t j = 0; j < i; ++j)
      if (strcmp(r->items[j].sku, it->sku) == 0)
        return fail(inv, INV_RECEIPT, RECEIPT_FMT "lists %s twice", inv->records, r->shopper,
                    it->sku);
    if (it->qty <= 0)
      return fail(inv, INV_RECEIPT,
                  RECEIPT_FMT "lists %s %" PRId64 ": only quantities above 0 belong on it",
                  inv->records, r->shopper, it->sku, it->qty);
  }
  return 0;
}

/* The listed quantities are the ones the diffs give, and every sku the diffs give is listed. */
static int check_items(inv_checker *inv, const rf_receipt_rec *r, uint32_t s) {
  inv_shopper *sh = &inv->sh[s];
  int rc = check_listing(inv, r);
  for (size_t i = 0; rc == 0 && i < r->item_count; ++i) {
    uint32_t k;
    if (sku_get(inv, r->items[i].sku, &k) != 0) return RF_ENOMEM;
    if (r->items[i].qty != cart_qty(sh, k))
      rc = fail(inv, INV_RECEIPT, RECEIPT_FMT "lists %s %" PRId64 ", the diffs give %" PRId64,
                inv->records, r->shopper, r->items[i].sku, r->items[i].qty, cart_qty(sh, k));
  }
  for (size_t l = 0; rc == 0 && l < sh->line_count; ++l) {
    /* A quantity below 0 is the negative rule's to report (it cannot be listed). */
    if (sh->line[l].qty == 0 || (sh->line[l].qty < 0 && inv->ignored[INV_NEGATIVE])) continue;
    const char *sku = sku_id(inv, sh->line[l].sku);
    size_t i = 0;
    while (i < r->item_count && strcmp(r->items[i].sku, sku) != 0) ++i;
    if (i == r->item_count)
      rc = fail(inv, INV_RECEIPT, RECEIPT_FMT "misses %s %" PRId64 " that the diffs give",
                inv->records, r->shopper, sku, sh->line[l].qty);
  }
  return rc;
}

/* The cart's other shoppers: all left, and their merged carts emptied by diffs. */
static int check_members(inv_checker *inv, const rf_receipt_rec *r, uint32_t s) {
  for (uint32_t m = 0; m < inv->shoppers.count; ++m) {
    const inv_shopper *sh = &inv->sh[m];
    if (sh->owner != s || sh->closed) continue;
    if (sh->present == 1)
      return fail(inv, INV_PRESENT, RECEIPT_FMT "'%s' of this cart is still in the store",
                  inv->records, r->shopper, shopper_id(inv, m));
    for (size_t l = 0; m != s && l < sh->line_count; ++l)
      if (sh->line[l].qty != 0)
        return fail(inv, INV_MERGED,
                    RECEIPT_FMT "'%s', merged into this cart by a link, still holds %s %" PRId64
                                " that no receipt lists",
                    inv->records, r->shopper, shopper_id(inv, m), sku_id(inv, sh->line[l].sku),
                    sh->line[l].qty);
  }
  return 0;
}

/* With a wait set: t is the last exit made while shopping into the cart + the wait. */
static int check_receipt_time(inv_checker *inv, const rf_receipt_rec *r, uint32_t s) {
  int any = inv->sh[s].cart_exited;
  rf_time_us last = inv->sh[s].cart_last_exit;
  if (inv->wait_us < 0 || !any || !r->has_t || r->t == last + inv->wait_us) return 0;
  return fail(inv, INV_TIME,
              RECEIPT_FMT "t %" PRId64 " is not the last exit %" PRId64 " + the wait %" PRId64,
              inv->records, r->shopper, r->t, last, inv->wait_us);
}

/* A reviewer's verdict amended a receipted cart: the receipt replaces it (a visit already over,
 * so its shopper must not be in the store on it) and is a receipt in every other way. */
static int check_amended(inv_checker *inv, const rf_receipt_rec *r, uint32_t s) {
  inv_shopper *sh = &inv->sh[s];
  if (sh->staff)
    return fail(inv, INV_STAFF, RECEIPT_FMT "staff get none", inv->records, r->shopper);
  int rc = check_listing(inv, r);
  if (rc != 0 || !sh->closed) return rc; /* a visit before the one under way: not kept here */
  for (size_t i = 0; i < sh->line_count; ++i) sh->line[i].qty = 0;
  for (size_t i = 0; i < r->item_count; ++i) {
    uint32_t k;
    int64_t now;
    if (sku_get(inv, r->items[i].sku, &k) != 0 || cart_add(sh, k, r->items[i].qty, &now) != 0)
      return RF_ENOMEM;
  }
  return 0;
}

static int check_receipt(inv_checker *inv, const rf_receipt_rec *r) {
  uint32_t s;
  if (shopper_get(inv, r->shopper, &s) != 0) return RF_ENOMEM;
  if (r->amends) return check_amended(inv, r, s);
  inv_shopper *sh = &inv->sh[s];
  if (sh->staff)
    return fail(inv, INV_STAFF, RECEIPT_FMT "staff get none", inv->records, r->shopper);
  if (sh->closed)
    return fail(inv, INV_FINAL,
                RECEIPT_FMT "a second receipt for this visit (the first: record %zu)", inv->records,
                r->shopper, sh->receipt_record);
  if (sh->owner != s)
    return fail(inv, INV_MERGED, RECEIPT_FMT "none is due: the cart was merged into '%s' by a link",
                inv->records, r->shopper, shopper_id(inv, sh->owner));
  int rc = check_members(inv, r, s);
  if (rc == 0) rc = check_items(inv, r, s);
  if (rc == 0) rc = check_receipt_time(inv, r, s);
  if (rc != 0) return rc;
  for (uint32_t m = 0; m < inv->shoppers.count; ++m)
    if (inv->sh[m].owner == s && !inv->sh[m].closed) {
      inv->sh[m].closed = 1;
      inv->sh[m].receipt_record = inv->records;
    }
  return 0;
}

/* ---- output, holding, the end ---- */

static int check_output(inv_checker *inv, const rf_record *rec) {
  if (rec->type != RF_RECORD_DIFF && rec->type != RF_RECORD_RECEIPT) return 0;
  int rc = check_redo_due(inv, rec);
  if (rc == 0)
    rc = rec->type == RF_RECORD_DIFF ? check_diff(inv, &rec->u.diff)
                                     : check_receipt(inv, &rec->u.receipt);
  inv->records++;
  return rc;
}

/* A copy of rec, its strings and items in the same block. */
static inv_held *hold_copy(const rf_record *rec) {
  const char *str[2] = {NULL, NULL};
  size_t n_items = 0, size = sizeof(inv_held);
  if (rec->type == RF_RECORD_DIFF) {
    str[0] = rec->u.diff.shopper;
    str[1] = rec->u.diff.sku;
  } else {
    str[0] = rec->u.receipt.shopper;
    n_items = rec->u.receipt.item_count;
  }
  size += n_items * sizeof(rf_item_qty);
  for (int i = 0; i < 2; ++i) size += str[i] ? strlen(str[i]) + 1 : 0;
  for (size_t i = 0; i < n_items; ++i) size += strlen(rec->u.receipt.items[i].sku) + 1;
  inv_held *h = malloc(size);
  if (h == NULL) return NULL;
  h->rec = *rec;
  rf_item_qty *items = (rf_item_qty *)(h + 1);
  char *p = (char *)(items + n_items);
  for (size_t i = 0; i < n_items; ++i) {
    items[i].qty = rec->u.receipt.items[i].qty;
    items[i].sku = strcpy(p, rec->u.receipt.items[i].sku);
    p += strlen(p) + 1;
  }
  if (rec->type == RF_RECORD_DIFF) {
    h->rec.u.diff.shopper = strcpy(p, str[0]);
    h->rec.u.diff.sku = strcpy(p + strlen(str[0]) + 1, str[1]);
  } else {
    h->rec.u.receipt.items = items;
    h->rec.u.receipt.shopper = strcpy(p, str[0]);
  }
  return h;
}

int inv_output(inv_checker *inv, const rf_record *rec) {
  if (inv->failed) return INV_VIOLATION;
  if (!inv->holding) return check_output(inv, rec);
  if (rec->type != RF_RECORD_DIFF && rec->type != RF_RECORD_RECEIPT) return 0;
  inv_held *h = hold_copy(rec);
  if (h == NULL ||
      grow((void **)&inv->held, &inv->held_cap, inv->held_count + 1, sizeof *inv->held) != 0) {
    free(h);
    return RF_ENOMEM;
  }
  inv->held[inv->held_count++] = h;
  return 0;
}

void inv_hold(inv_checker *inv) { inv->holding = 1; }

int inv_release(inv_checker *inv, const rf_record *taken) {
  int rc = 0;
  inv->holding = 0;
  if (taken != NULL) rc = inv_input(inv, taken);
  for (size_t k = 0; k < inv->held_count; ++k) {
    if (rc == 0 && !inv->failed) rc = check_output(inv, &inv->held[k]->rec);
    free(inv->held[k]);
  }
  inv->held_count = 0;
  return inv->failed ? INV_VIOLATION : rc;
}

/* Whether every shopper of s's cart (s its owner) is known to have left. */
static int all_left(const inv_checker *inv, uint32_t s) {
  if (!inv->sh[s].exited || inv->sh[s].present != 0) return 0;
  for (uint32_t m = 0; m < inv->shoppers.count; ++m)
    if (inv->sh[m].owner == s && inv->sh[m].present == 1) return 0;
  return 1;
}

int inv_finish(inv_checker *inv) {
  if (inv->failed) return INV_VIOLATION;
  if (inv->redo_for >= 0)
    return fail(inv, INV_CORRECTS, "finish: the undo #%" PRId64 " of #%" PRId64 " has no redo",
                inv->undo_seq, inv->redo_for);
  for (uint32_t s = 0; s < inv->shoppers.count; ++s)
    if (inv->sh[s].owner == s && !inv->sh[s].closed && !inv->sh[s].staff && all_left(inv, s))
      return fail(inv, INV_PRESENT, "finish: no receipt for '%s', whose shoppers all left",
                  shopper_id(inv, s));
  return 0;
}
