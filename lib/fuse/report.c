/* What the engine tells its host about its sources and its work: delays set by name, a source
 * going stale or coming back, and the counts of rf_engine_stats. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "retailfuse/status.h"
#include "state.h"

int rf_engine_source_delay(rf_engine *e, const char *source, double seconds) {
  if (e == NULL || source == NULL) return RF_EINVAL;
  rf__error_clear(&e->err);
  if (source[0] == '\0') return rf__error(&e->err, RF_EINVAL, "a source's name is empty");
  if (!(seconds >= 0.0 && seconds <= 60.0))
    return rf__error(&e->err, RF_ERANGE, "source '%s': a delay of %g s is outside [0, 60]", source,
                     seconds);
  size_t i;
  /* A source named before it sends takes the camera kind: its delay is set, so the kind's
   * default is never read. */
  if (rf__sources_find_or_add(&e->sources, &e->alloc, source, F_CAMERAS, &i) != 0)
    return rf__error(&e->err, RF_ENOMEM, "out of memory");
  e->sources.list[i].has_delay = 1;
  e->sources.list[i].delay_s = seconds;
  return 0;
}

void rf_engine_set_source_output(rf_engine *e, rf_engine_source_fn on_source, void *payload) {
  if (e == NULL) return;
  e->sources.on_change = on_source;
  e->sources.payload = payload;
}

int rf_engine_get_stats(const rf_engine *e, rf_engine_stats *out) {
  if (e == NULL || out == NULL) return RF_EINVAL;
  /* A caller built against an earlier version has the struct without the fields added since. */
  uint32_t version = out->version;
  if (version < 1 || version > RF_ENGINE_STATS_VERSION) return RF_EVERSION;
  rf_engine_stats st = e->stats;
  st.version = version;
  st.sources = e->sources.count;
  st.has_clock = e->has_clock;
  st.clock = e->clock;
  memcpy(out, &st,
         version == 1   ? offsetof(rf_engine_stats, staff_moves)
         : version == 2 ? offsetof(rf_engine_stats, stitched)
         : version == 3 ? offsetof(rf_engine_stats, verdicts)
                        : sizeof st);
  return 0;
}

int rf_engine_get_source_stats(const rf_engine *e, size_t index, rf_engine_source_stats *out) {
  if (e == NULL || out == NULL) return RF_EINVAL;
  if (out->version != RF_ENGINE_SOURCE_STATS_VERSION) return RF_EVERSION;
  if (index >= e->sources.count) return RF_ERANGE;
  const f_source *s = &e->sources.list[index];
  memset(out, 0, sizeof *out);
  out->version = RF_ENGINE_SOURCE_STATS_VERSION;
  out->name = s->name;
  out->records = s->records;
  out->has_time = s->seen;
  out->last_t = s->latest;
  out->delay_s =
      (double)rf__sources_delay_us(&e->sources, index, &e->param[RF_PARAM_SHELVES_DELAY_S]) / 1e6;
  out->delay_p50_s = rf__sources_delay_quantile(&e->sources, index, 0.50);
  out->delay_p99_s = rf__sources_delay_quantile(&e->sources, index, 0.99);
  out->stale = s->stale;
  out->went_stale = s->went_stale;
  return 0;
}
