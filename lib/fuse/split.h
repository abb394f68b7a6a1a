/* Internal: a decrease split between the shoppers of two hand visits. */
#ifndef RF_FUSE_SPLIT_H
#define RF_FUSE_SPLIT_H

#include "terms.h"

/* The room rf__split_change's table of plate fits takes (in doubles): a facing pair by two
 * quantities. */
size_t rf__split_fit_size(const rf_engine *e);

/* Splits decrease c (row r of the batch, whose one-shopper terms are in k, scaled as
 * row->unexplained is) between the shoppers of two identified hand visits when that beats
 * every one-shopper explanation of it: each takes items of one facing (the same or two), the
 * rest of the shelf saw only noise. Each diff's confidence sums every split that makes it (a
 * diff is right whatever the other hand took). fits: rf__split_fit_size doubles of scratch.
 * Returns 1 when it decided the split (diffs out at c->t1 + wait), 0 when not, -1 when the
 * output failed. */
int rf__split_change(rf_engine *e, const f_change *c, const f_row_terms *row, const f_columns *k,
                     size_t r, double *fits, rf_time_us wait);

#endif
