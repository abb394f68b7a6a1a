/* Taking one record: a host's bug is an error; a record that cannot be used is set aside with a
 * reason and changes nothing; the rest is taken, moves its source on, and the clock — the
 * sources' watermark — with it, making the decisions that became due. */
#include <string.h>

#include "catchup.h"
#include "emit.h"
#include "intake.h"
#include "late.h"
#include "restock.h"
#include "record/record.h"
#include "retailfuse/status.h"
#include "verdict.h"
#include "screen.h"
#include "terms.h"

/* Prints of records this far behind the clock are dropped: a copy arriving later is late. */
#define DEDUP_MARGIN_US ((rf_time_us)30000000)

static const char *const reason_names[] = {
#define RF__SETASIDE_NAME(name, str, desc) str,
    RF_SETASIDE_MAP(RF__SETASIDE_NAME)
#undef RF__SETASIDE_NAME
};

static const char *const reason_help[] = {
#define RF__SETASIDE_HELP(name, str, desc) desc,
    RF_SETASIDE_MAP(RF__SETASIDE_HELP)
#undef RF__SETASIDE_HELP
};

const char *rf_setaside_reason_name(rf_setaside_reason r) {
  return (unsigned)r < RF_SETASIDE_REASON_COUNT ? reason_names[r] : NULL;
}

const char *rf_setaside_reason_help(rf_setaside_reason r) {
  return (unsigned)r < RF_SETASIDE_REASON_COUNT ? reason_help[r] : NULL;
}

int rf_engine_setaside_reason(const rf_engine *e) { return e != NULL ? e->setaside : -1; }

static int missing(rf_engine *e, const rf_record *r, const char *field) {
  return rf__error(&e->err, RF_EINVAL, "%s: the %s is missing", rf_record_type_name(r->type),
                   field);
}

static int no_id(const char *id) { return id == NULL || id[0] == '\0'; }

/* What only a host's bug makes: a record that is no input event, a missing id or array. */
static int host_bug(rf_engine *e, const rf_record *r) {
  switch (r->type) {
    case RF_RECORD_ENTER:
    case RF_RECORD_EXIT:
    case RF_RECORD_POSITION: return no_id(r->u.enter.shopper) ? missing(e, r, "shopper id") : 0;
    case RF_RECORD_LINK:
      if (no_id(r->u.link.shopper)) return missing(e, r, "shopper id");
      return no_id(r->u.link.cart) ? missing(e, r, "cart id") : 0;
    case RF_RECORD_SAMPLES:
      if (no_id(r->u.samples.plate)) return missing(e, r, "plate id");
      return r->u.samples.count == 0 || r->u.samples.g == NULL
                 ? rf__error(&e->err, RF_EINVAL, "samples: no readings")
                 : 0;
    case RF_RECORD_DELTA:
      if (no_id(r->u.delta.shelf)) return missing(e, r, "shelf id");
      if (r->u.delta.plate_count == 0 || r->u.delta.plates == NULL)
        return rf__error(&e->err, RF_EINVAL, "delta: no plates");
      for (size_t k = 0; k < r->u.delta.plate_count; ++k)
        if (no_id(r->u.delta.plates[k].plate)) return missing(e, r, "plate id");
      return 0;
    case RF_RECORD_RESTOCK:
      if (no_id(r->u.restock.shelf)) return missing(e, r, "shelf id");
      return no_id(r->u.restock.sku) ? missing(e, r, "sku") : 0;
    case RF_RECORD_HAND:
      if (no_id(r->u.hand.shelf)) return missing(e, r, "shelf id");
      if (r->u.hand.sku_score_count > 0 && r->u.hand.sku_scores == NULL)
        return missing(e, r, "sku scores");
      return r->u.hand.shopper != NULL && r->u.hand.shopper[0] == '\0' ? missing(e, r, "shopper id")
                                                                       : 0;
    default:
      return rf__error(&e->err, RF_EINVAL, "%s is not an input event",
                       rf_record_type_name(r->type) ? rf_record_type_name(r->type) : "record");
  }
}

/* Where a record came from: its source's name and kind, and the source's index once known
 * (-1 before any record of it was taken: a source is made by a record it sends that is used, so
 * records set aside cannot fill the engine with sources). */
typedef struct origin {
  const char *name;
  f_source_kind kind;
  int64_t index;
} origin;

static origin origin_of(const rf_engine *e, const rf_record *r) {
  static const char *const defaults[] = {"shelves", "cameras", "tracker"};
  origin o;
  o.kind = r->type == RF_RECORD_HAND ? F_CAMERAS
           : r->type == RF_RECORD_DELTA || r->type == RF_RECORD_SAMPLES ||
                   r->type == RF_RECORD_RESTOCK
               ? F_SHELVES
               : F_TRACKER;
  o.name = r->source != NULL && r->source[0] != '\0' ? r->source : defaults[o.kind];
  o.index = rf__sources_find(&e->sources, o.name);
  return o;
}

static const double *kind_delays(const rf_engine *e) {
  return &e->param[RF_PARAM_SHELVES_DELAY_S]; /* shelves, cameras, tracker: f_source_kind */
}

/* The record was handled: its print is kept so a copy is known — at its time, or the latest time
 * seen if that is earlier, so a print of a record far ahead still ages out — and its source (if
 * known) notes it, moving on only if it was taken. */
static void conclude(rf_engine *e, const origin *o, uint64_t print, rf_time_us t, int taken) {
  const f_sources *s = &e->sources;
  rf__dedup_add(&e->dedup, print, s->has_frontier && s->frontier < t ? s->frontier : t);
  if (o->index >= 0)
    rf__sources_note(&e->sources, (size_t)o->index, t, rf__param_us(e, RF_PARAM_SOURCE_TIMEOUT_S),
                     taken);
}

static int set_aside(rf_engine *e, int reason) {
  e->setaside = reason;
  e->stats.set_aside++;
  e->stats.by_reason[reason]++;
  return RF_SETASIDE;
}

/* An enter: the shopper is in, and hand visits that named them before the tracker did are theirs.
 */
static int take_enter(rf_engine *e, const rf_shopper_rec *r) {
  if (rf__book_prepare(&e->book, &e->alloc, (size_t)rf__ledger_count(&e->ledger) + 1, r->shopper) !=
      0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  /* The ledger starts a new visit for an id it does not know, or one whose cart was receipted
   * (a member's too, when their owner's was), or staff's: the book follows it. */
  uint32_t slot;
  const rf__ledger *l = &e->ledger;
  int fresh = rf__ledger_lookup(l, r->shopper, &slot) != 0 ||
              rf__ledger_receipted(l, rf__ledger_cart_of(l, slot)) ||
              rf__ledger_staff_cart(l, slot);
  int rc = rf__ledger_enter(&e->ledger, r, &e->err);
  if (rc == 0 && rf__ledger_lookup(&e->ledger, r->shopper, &slot) == 0) {
    rf__book_enter(&e->book, slot, r->t, rf__ledger_staff_cart(l, slot), fresh);
    rf__swaps_forget(e, slot); /* a new visit: no id is swapped with it or broken off it yet */
    rf__stitch_forget(e, slot);
    rf__hands_identify(e, r->shopper, slot, r->t);
  }
  return rc;
}

/* An exit: the ledger's, then looked at for a tracker's id swap ended as they leave (applied
 * when the clock passes it). */
static int take_exit(rf_engine *e, const rf_shopper_rec *x) {
  uint32_t who = 0;
  int rc = rf__ledger_exit(&e->ledger, x, &e->err);
  if (rc != 0 || rf__ledger_lookup(&e->ledger, x->shopper, &who) != 0) return rc;
  rf__swaps_exit(e, who, x->t);
  return 0;
}

/* A change arriving as late as LATENESS_S allows may have begun this long before its end. */
#define LATE_CHANGE_SPAN_US ((rf_time_us)30000000)

/* The oldest fix a decision still to come may read: RF__TRACK_READ_BEFORE_US before the oldest
 * change waiting, or before one arriving as late as it may. Kept whatever the tracker's lead
 * over the clock, so a decision reads the same fixes however the sources' records interleave.
 * Before the clock starts, everything. */
static rf_time_us track_horizon(const rf_engine *e) {
  if (!e->has_clock) return INT64_MIN;
  rf_time_us from = e->clock - rf__param_us(e, RF_PARAM_LATENESS_S) - LATE_CHANGE_SPAN_US;
  for (size_t q = 0; q < e->pending_count; ++q)
    if (e->pending[q].t0 < from) from = e->pending[q].t0;
  return from - RF__TRACK_READ_BEFORE_US;
}

/* A fix: kept in the track of the shopper its id names (through the swaps applied so far), and
 * looked at, under the tracker's own id, for swaps of ids. */
static int take_position(rf_engine *e, const rf_position_rec *p) {
  uint32_t id = 0;
  int rc = rf__ledger_find(&e->ledger, p->shopper, &id, &e->err);
  if (rc != 0) return rc;
  const uint32_t who = rf__aliases_map(&e->swaps.aliases, id, p->t);
  if (rf__swaps_reserve(e, id, p->t) != 0) return rf__error(&e->err, RF_ENOMEM, "out of memory");
  rc = rf__ledger_position_of(&e->ledger, who, p, track_horizon(e), &e->err);
  if (rc != 0) return rc;
  const rf__fix now = {p->t, p->x, p->y};
  rf__swaps_position(e, id, &now);
  return 0;
}

/* A link: the joining cart's items move over as diffs first, then the ledger joins the carts. */
static int take_link(rf_engine *e, const rf_link_rec *l) {
  uint32_t who, into;
  rf__ledger_lookup(&e->ledger, l->shopper, &who); /* both screened: they exist */
  rf__ledger_lookup(&e->ledger, l->cart, &into);
  if (rf__emit_link_moves(e, who, into, l->t) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  return rf__ledger_link(&e->ledger, l, &e->err);
}

/* Takes a record that passed screening; a hand of a shopper not in the store as anonymous. */
static int take(rf_engine *e, const rf_record *r, int anonymous) {
  switch (r->type) {
    case RF_RECORD_ENTER: return take_enter(e, &r->u.enter);
    case RF_RECORD_EXIT: return take_exit(e, &r->u.exit);
    case RF_RECORD_LINK: return take_link(e, &r->u.link);
    case RF_RECORD_POSITION: return take_position(e, &r->u.position);
    case RF_RECORD_DELTA: return rf__take_delta(e, &r->u.delta);
    case RF_RECORD_SAMPLES: return rf__take_samples(e, &r->u.samples);
    case RF_RECORD_RESTOCK: return rf__take_restock(e, &r->u.restock);
    case RF_RECORD_HAND: {
      rf_hand_rec hand = r->u.hand;
      uint32_t known;
      /* A shopper the tracker has not announced may be announced yet: their id is kept. */
      const char *awaited = anonymous && rf__ledger_lookup(&e->ledger, hand.shopper, &known) != 0
                                ? hand.shopper
                                : NULL;
      if (anonymous) hand.shopper = NULL;
      return rf__take_hand(e, &hand, awaited);
    }
    default: return RF_EINVAL;
  }
}

/* The clock moves to the sources' watermark, never back. */
static void advance_clock(rf_engine *e) {
  rf_time_us w;
  if (!rf__sources_watermark(&e->sources, kind_delays(e), &w)) return;
  if (!e->has_clock || w > e->clock) e->clock = w;
  e->has_clock = 1;
}

static int late(rf_engine *e, const rf_record *r, rf_time_us t1) {
  rf__error(&e->err, RF_SETASIDE, "%s at %.6f s is more than %.3f s behind the clock (%.6f s)",
            rf_record_type_name(r->type), (double)t1 / 1e6, e->param[RF_PARAM_LATENESS_S],
            (double)e->clock / 1e6);
  return set_aside(e, RF_SETASIDE_LATE);
}

/* Room for one more print, and whether this one was seen: 1 a copy, 0 not, or RF_ENOMEM. */
static int seen_before(rf_engine *e, uint64_t print, rf_time_us t1) {
  rf_time_us keep = rf__param_us(e, RF_PARAM_LATENESS_S) + DEDUP_MARGIN_US;
  if (rf__dedup_reserve(&e->dedup, &e->alloc, (e->has_clock ? e->clock : t1) - keep) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  return rf__dedup_seen(&e->dedup, print);
}

/* Takes a record that passed screening: its source made known first (so a failure for memory
 * leaves nothing taken). */
static int take_screened(rf_engine *e, const rf_record *r, origin *o, int anonymous, rf_time_us t1,
                         int *beyond_delay) {
  size_t i;
  if (rf__sources_find_or_add(&e->sources, &e->alloc, o->name, o->kind, &i) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  o->index = (int64_t)i;
  const f_source *s = &e->sources.list[i];
  *beyond_delay = s->seen && t1 < s->latest - rf__sources_delay_us(&e->sources, i, kind_delays(e));
  return take(e, r, anonymous);
}

/* A fix or hand visit naming an id the tracker broke off a shopper's track names that shopper
 * (stitch.h): r as the copy naming them, or r itself. */
static const rf_record *stitched(rf_engine *e, const rf_record *r, rf_record *copy) {
  uint32_t known;
  const char *id = r->type == RF_RECORD_POSITION ? r->u.position.shopper
                   : r->type == RF_RECORD_HAND   ? r->u.hand.shopper
                                                 : NULL;
  if (id == NULL || rf__ledger_lookup(&e->ledger, id, &known) == 0) return r;
  int64_t slot = r->type == RF_RECORD_POSITION ? rf__stitch_position(e, &r->u.position)
                                               : rf__stitch_lookup(e, id);
  if (slot < 0) return r;
  *copy = *r;
  if (r->type == RF_RECORD_POSITION)
    copy->u.position.shopper = rf__ledger_id(&e->ledger, (uint32_t)slot);
  else copy->u.hand.shopper = rf__ledger_id(&e->ledger, (uint32_t)slot);
  e->stats.stitched++;
  return copy;
}

/* Screens, then takes: 0 taken, RF_SETASIDE with e->setaside, or an error (nothing changed). */
static int screen_and_take(rf_engine *e, const rf_record *r, origin *o) {
  int reason = rf__screen_numbers(e, r);
  if (reason >= 0) {
    if (o->index >= 0) e->sources.list[o->index].records++; /* its time cannot be trusted */
    return set_aside(e, reason);
  }
  rf_time_us t0, t1;
  rf__record_span(r, &t0, &t1);
  uint64_t print = rf__fingerprint(r, o->name);
  int copy = seen_before(e, print, t1);
  if (copy < 0) return copy;
  if (copy) {
    if (o->index >= 0) e->sources.list[o->index].records++;
    rf__error(&e->err, RF_SETASIDE, "%s: the same record again", rf_record_type_name(r->type));
    return set_aside(e, RF_SETASIDE_DUPLICATE);
  }
  if (e->has_clock && t1 < e->clock - rf__param_us(e, RF_PARAM_LATENESS_S)) {
    /* Too late for the changes still open; it may still correct one decided without it. */
    int used = r->type == RF_RECORD_HAND ? rf__late_hand_corrects(e, &r->u.hand) : 0;
    if (used < 0) return used;
    conclude(e, o, print, t1, 0);
    if (!used) return late(e, r, t1);
    e->stats.taken++;
    e->stats.late_used++;
    return 0;
  }
  int anonymous = 0, beyond_delay = 0;
  rf_record renamed;
  r = stitched(e, r, &renamed);
  reason = rf__screen_ids(e, r, &anonymous);
  if (reason >= 0 && !anonymous) {
    conclude(e, o, print, t1, 0);
    return set_aside(e, reason);
  }
  int rc = take_screened(e, r, o, anonymous, t1, &beyond_delay);
  if (rc == RF_ERANGE && r->type == RF_RECORD_SAMPLES) {
    /* The load cells refused readings not after the plate's last: they changed nothing. */
    conclude(e, o, print, t1, 0);
    return late(e, r, t1);
  }
  if (rc != 0) return rc;
  conclude(e, o, print, t1, 1);
  e->stats.taken++;
  e->stats.late_used += (uint64_t)beyond_delay;
  return reason >= 0 ? set_aside(e, reason) : 0;
}

int rf_engine_push(rf_engine *e, const rf_record *r) {
  if (e == NULL || r == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  e->output_rc = 0;
  e->setaside = -1;
  /* Work a failed catch-up left first, so it is done as it would have been. */
  int rc = rf__settle(e);
  if (rc != 0) return rc;
  if (r->type == RF_RECORD_REVIEW) {
    /* A verdict bears no time and waits for no source: it is taken at once. */
    rc = rf__take_review(e, &r->u.review);
    int complaint = rf__output_complaint(e);
    return rc == 0 && complaint != 0 ? complaint : rc;
  }
  if ((rc = host_bug(e, r)) != 0) return rc;
  origin o = origin_of(e, r);
  rc = screen_and_take(e, r, &o);
  if (rc < 0 || (rc == RF_SETASIDE && e->setaside != RF_SETASIDE_UNKNOWN_SHOPPER)) return rc;
  advance_clock(e);
  char note[sizeof e->err.msg];
  if (rc == RF_SETASIDE) memcpy(note, e->err.msg, sizeof note); /* the anonymous hand's */
  if (rf__catch_up_or_owe(e, 0) != 0)
    return rf__error(&e->err, RF_EBEHIND,
                     "out of memory deciding what the %s made due: the "
                     "record is taken, the decisions are made on the next call",
                     rf_record_type_name(r->type));
  int complaint = rf__output_complaint(e);
  if (complaint != 0) return complaint;
  if (rc == RF_SETASIDE) memcpy(e->err.msg, note, sizeof note);
  return rc;
}
