/*
 * retailfuse/eval.h — scoring an output against the ground truth (receipt F1, exact receipts,
 * review rate, calibration, errors by cause).
 *
 * Feed the truth (truth and receipt records) and the output (diff and receipt records) in any
 * order, then read the result. A cart's predicted content is its output receipt when there is
 * one, else the sum of its diffs.
 *
 * - Receipt precision, recall, F1: per cart, true positives are the sum over skus of
 *   min(predicted, true); micro-averaged over carts.
 * - Exact receipts: the share of carts (true or predicted) whose receipt is exactly right.
 * - Review rate: the share of diffs flagged for review; F1 of the carts built from the unflagged
 *   diffs alone.
 * - Calibration: each decision diff (not an undo of an earlier one) is right when it matches a
 *   truth action of the same cart, sku and direction from 60 s before it to 5 s after (clock
 *   noise); expected calibration error over ten bins of confidence.
 * - Errors by cause, in items: an extra item in one cart and the same sku missing from another
 *   is a wrong shopper; an extra and a missing item of different skus in one cart is a wrong
 *   product; the rest is a wrong quantity when the cart has the sku both ways, else missed or
 *   spurious. Pairs are made in the order carts and skus first appeared (truth first if it was
 *   added first), so the split between causes can depend on that order; the total cannot.
 *
 * Ownership: the evaluator copies what it keeps. Threads: single-threaded.
 */
#ifndef RETAILFUSE_EVAL_H
#define RETAILFUSE_EVAL_H

#include "common.h"
#include "allocator.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_eval rf_eval;

typedef struct rf_eval_scores {
  uint64_t carts; /* carts with a true or a predicted receipt */
  uint64_t true_items, predicted_items, matched_items;
  double precision, recall, f1;
  uint64_t exact_carts;
  double exact; /* exact_carts / carts */
  uint64_t diffs, reviewed;
  double review_rate;
  double f1_unflagged;
  uint64_t calibrated; /* decision diffs behind the calibration error */
  double calibration_error;
  uint64_t wrong_shopper, wrong_product, wrong_quantity, missed, spurious;
  /* The reliability table behind the calibration error: bin b holds the decision diffs with
   * confidence in [b / 10, (b + 1) / 10) (1.0 in bin 9), the sum of their confidences and how
   * many were right. */
  uint64_t bin_count[10], bin_right[10];
  double bin_conf_sum[10];
} rf_eval_scores;

RF_EXTERN int rf_eval_new(rf_eval **out, const rf_allocator *allocator);
RF_EXTERN void rf_eval_free(rf_eval *eval);

/* Takes a truth or receipt record of the ground truth; other types are RF_EINVAL. */
RF_EXTERN int rf_eval_add_truth(rf_eval *eval, const rf_record *record);

/* Takes a diff or receipt record of the output; other types are ignored (returns 0). */
RF_EXTERN int rf_eval_add_output(rf_eval *eval, const rf_record *record);

/* Computes the scores of everything added so far. */
RF_EXTERN int rf_eval_score(rf_eval *eval, rf_eval_scores *out);

/* The detail of the last error; "" if none. */
RF_EXTERN const char *rf_eval_errmsg(const rf_eval *eval);

#ifdef __cplusplus
}
#endif

#endif /* RETAILFUSE_EVAL_H */
