/* Internal: events taken into the engine's state, after screening (screen.c) found them usable:
 * a take fails only for memory, and then changes nothing. */
#ifndef RF_FUSE_INTAKE_H
#define RF_FUSE_INTAKE_H

#include "state.h"

/* A hand visit, kept for the changes it may explain. `awaited`: the id it named when that
 * shopper has not entered (yet): it is anonymous until they do (rf__hands_identify), as a
 * tracker running behind the cameras may announce them only after. */
int rf__take_hand(rf_engine *e, const rf_hand_rec *r, const char *awaited);

/* Shopper `id` entered (slot, at `entered`): hand visits awaiting them since are theirs. */
void rf__hands_identify(rf_engine *e, const char *id, uint32_t slot, rf_time_us entered);

/* Forgets the first `count` hand visits. */
void rf__hands_forget(rf_engine *e, size_t count);

/* A segmented change of a shelf, pending until its wait is over. */
int rf__take_delta(rf_engine *e, const rf_delta_rec *r);

/* Raw readings of a plate, through the engine's load cells (rf__take_shelf_event receives what
 * they settle, rf__pass_fault the faults they find: the loadcell.h callbacks, payload the
 * engine). */
int rf__take_samples(rf_engine *e, const rf_samples_rec *r);
int rf__take_shelf_event(const rf_shelf_event *ev, void *payload);
int rf__pass_fault(uint32_t plate, rf_plate_fault fault, rf_time_us t, void *payload);

/* Gives back the per-plate room of decided changes: the pending ones' plates are moved to the
 * front of the pool once it is more than half spent, so a store never idle does not grow it. */
void rf__compact_changes(rf_engine *e);

/* Room for `changes` more pending changes of up to `plates` plates each: 0 or RF_ENOMEM. */
int rf__reserve_changes(rf_engine *e, size_t changes, size_t plates);

#endif
