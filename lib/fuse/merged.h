/* Internal: reading a decrease as several reaches merged into one change (merged.c). */
#ifndef RF_FUSE_MERGED_H
#define RF_FUSE_MERGED_H

#include "terms.h"

/* A decrease that no one shopper explains may be several reaches at once — one hand taking
 * from three facings, or three shoppers each at their own: read it as items of up to
 * MERGED_FACINGS (merged.c) facings over the plates that lost weight, each facing's items taken
 * by the hand visit that fits them best (its place and time, its sku hint, who most likely made
 * it), and decide the best reading when it beats every one-shopper explanation together. The
 * terms are a hand column's: each hand used spares its browse cost and costs
 * RF__SPLIT_MERGE_RATE beyond the first; a hand taking from several facings costs
 * RF__TWO_FACING_PRIOR a further facing, as a one-shopper reading of two facings does. Each diff's
 * confidence is its own: the share of readings (and of hands) that give those items to that cart.
 * Returns 1 when it decided (diffs out at c->t1 + wait), 0 when not, -1 when the output failed. Row
 * r of the batch: its one-shopper terms are in k. */
int rf__explain_merged(rf_engine *e, const f_change *c, const f_row_terms *row, const f_columns *k,
                       size_t r, rf_time_us wait, double *scored);

/* How many doubles of scratch `scored` needs: one per reading the odometer visits. */
size_t rf__merged_scratch_size(void);

#endif
