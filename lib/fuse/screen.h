/* Internal: screening an input record before it is taken. A record that cannot be used as it is
 * gets a reason (rf_setaside_reason) and a message naming the field or id, and is set aside
 * with nothing changed; the host's run goes on. Only bugs of the host (a missing id, no
 * readings) are errors, and those are caught before screening. */
#ifndef RF_FUSE_SCREEN_H
#define RF_FUSE_SCREEN_H

#include "state.h"

/* Numbers: times within RF_TIME_LIMIT_US and in order, weights finite and within
 * RF_WEIGHT_LIMIT_G, positions and confidences finite and in range. RF_SETASIDE_BAD_NUMBER
 * with the message in e->err, or -1. */
int rf__screen_numbers(rf_engine *e, const rf_record *r);

/* Ids against the store and the shoppers in it: a reason with the message, or -1. For a hand
 * naming a shopper not in the store during it, RF_SETASIDE_UNKNOWN_SHOPPER and *anonymous =
 * 1: the visit is still used, as an anonymous one. */
int rf__screen_ids(rf_engine *e, const rf_record *r, int *anonymous);

#endif
