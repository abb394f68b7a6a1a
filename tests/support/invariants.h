/*
 * invariants.h — an output invariant checker for hosts and tests (plain C11, no test framework,
 * so fuzz targets can use it too).
 *
 * Fed every output record of a method (diffs and receipts) in the order they were handed out,
 * and, optionally, the input events the method took (enter, exit and link matter; others are
 * ignored), it checks the rules a host relies on when it keeps its own carts from the diffs:
 *
 *   seq        diff seqs strictly increase;
 *   receipt    applying the diffs in seq order gives every receipt exactly: the same skus with
 *              the same quantities, nothing missing or extra, each sku once, only quantities
 *              above 0 (carts are the diffs' `shopper` ids; a link moves nothing by itself);
 *   negative   no cart quantity ever goes below 0;
 *   final      nothing is charged to a cart after its receipt: a diff naming a shopper whose
 *              receipt is out, until that shopper enters again (a new visit, a new cart), and
 *              one receipt per visit — but for receipts a reviewer's verdict amended
 *              (`amends`), which replace the cart's content (each sku once, above 0);
 *   merged     after `shopper` links into another cart its own cart is merged away: no diff
 *              adds to it, no correction names it, no receipt names it, and by the owner's
 *              receipt it holds nothing (its items were moved out by diffs);
 *   corrects   a correction names the seq of an earlier diff that is not itself a correction,
 *              made in the same visit of the same cart; the first diff naming it is the undo
 *              (that diff's shopper — or, with links fed, the owner its cart was since merged
 *              into — and sku, minus its qty, its event), the very next is the redo (its
 *              event); a diff is corrected once;
 *   present    (with enter/exit fed) a receipt waits until every shopper of the cart has left,
 *              and by the end (inv_finish) every cart whose shoppers all left has its receipt;
 *   time       (with inv_set_wait) a receipt's t is its cart's last exit + the wait;
 *   staff      (with enter fed) staff (`"staff": true` on the visit's enter) are named by no
 *              diff and get no receipt: what they move is nobody's purchase.
 *
 * Order: an input record takes effect before every output its own push made. Hosts that get
 * output through a callback during the push call inv_hold before the push and inv_release
 * after it, passing the record if the method took it (0 or RF_EBEHIND; not RF_SETASIDE or an
 * error) and NULL if not. Hosts that poll feed the taken record, then what they poll.
 *
 * Returns: 0, INV_VIOLATION (the first one is kept; later calls do nothing and return it), or
 * RF_ENOMEM. Memory grows with the diffs and shoppers seen (a test and fuzz tool, not a host's
 * long-running component). Threads: single-threaded.
 */
#ifndef RF_TEST_INVARIANTS_H
#define RF_TEST_INVARIANTS_H

#include "retailfuse/record.h"

#define INV_VIOLATION 1

/* The rules, as named above (inv_rule_name gives "seq", "receipt", ...). */
typedef enum inv_rule {
  INV_SEQ,
  INV_RECEIPT,
  INV_NEGATIVE,
  INV_FINAL,
  INV_MERGED,
  INV_CORRECTS,
  INV_PRESENT,
  INV_TIME,
  INV_STAFF,
  INV_RULE_COUNT
} inv_rule;

typedef struct inv_checker inv_checker;

/* 0 or RF_ENOMEM. */
int inv_new(inv_checker **out);
void inv_free(inv_checker *inv);

/* Checks receipt times against the cart's last exit + wait_us (< 0, the default: unchecked). */
void inv_set_wait(inv_checker *inv, rf_time_us wait_us);

/* Passes over the rules named (comma-separated: "negative,final"), checking on as if they held:
 * for fuzzing past known bugs. 0, or RF_EINVAL for an unknown name. */
int inv_ignore(inv_checker *inv, const char *names);
const char *inv_rule_name(inv_rule rule);

/* An input event the method took (see Order above). */
int inv_input(inv_checker *inv, const rf_record *rec);

/* An output record (diff or receipt; others are ignored). */
int inv_output(inv_checker *inv, const rf_record *rec);

/* From now on inv_output copies and holds what it is given ... */
void inv_hold(inv_checker *inv);
/* ... until this feeds `taken` (NULL: the push took nothing), then what was held, in order. */
int inv_release(inv_checker *inv, const rf_record *taken);

/* End of output: what must have happened by now (receipts due, redo after its undo). */
int inv_finish(inv_checker *inv);

/* The first violation ("record 3: diff #2: ..."; "finish: ..."), or "" if none. */
const char *inv_message(const inv_checker *inv);

/* Output records fed so far (held ones once released). */
size_t inv_records(const inv_checker *inv);

#endif
