/* retailfuse sim --hands: hand records from files in place of the simulator's own (sim_hands.c).
 */
#ifndef RF_TOOLS_SIM_HANDS_H
#define RF_TOOLS_SIM_HANDS_H

#include <stddef.h>

#include "retailfuse/retailfuse.h"

typedef struct sim_hands sim_hands;

/* Reads every hand record of the files (shopper dropped: a detector names none). 0, or 1 after
 * saying why on stderr. */
int sim_hands_load(sim_hands **out, char **paths, size_t path_count);
void sim_hands_free(sim_hands *hands);
size_t sim_hands_count(const sim_hands *hands);

/* A sink for rf_sim_run's scenario that drops the simulator's hand records and puts the loaded
 * ones in, in time, before passing records on to `sink`; its payload in *filter_payload. After
 * the run, sim_hands_finish writes those not yet written. */
rf_sim_sink sim_hands_sink(sim_hands *hands, rf_sim_sink sink, void *payload,
                           void **filter_payload);
int sim_hands_finish(sim_hands *hands);

#endif
