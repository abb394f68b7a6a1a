/* After every round of input (a uv_check runs once the loop's callbacks are done) the journal is
 * synced — a group commit: as soon as a round brings no more input, and every `sync_ms` while
 * input keeps coming — and then, everything taken being durable, the acks go out and the output
 * is published. An idle handle keeps the loop from sleeping while entries wait, so the round
 * that finds no input comes at once. And when every source has been quiet for `idle_s`, wall
 * time moves the clock. */
#include <stdint.h>

#include "internal.h"
#include "retailfuse/status.h"

#define IDLE_TICK_MS 250

static void sync_due(uv_timer_t *t) { svc_settle(t->data); }

static void after_input(uv_check_t *check) {
  rf_service *svc = check->data;
  svc_settle(svc);
  svc->input_this_round = 0;
}

static void spin(uv_idle_t *idle) { (void)idle; }

/* Syncs when it is time; 1 when everything journaled is durable. */
static int synced(rf_service *svc) {
  if (svc->journal == NULL) return 1;
  rf_journal_state st = {0};
  rf_journal_state_get(svc->journal, &st);
  if (rf_journal_durable(svc->journal) >= st.entries) return 1;
  uint64_t now = uv_now(svc->loop), since = now - svc->last_sync_ms;
  if (svc->input_this_round && since < svc->opt.sync_ms && !svc->stopping) {
    if (!uv_is_active((uv_handle_t *)&svc->sync_timer))
      uv_timer_start(&svc->sync_timer, sync_due, svc->opt.sync_ms - since, 0);
    uv_idle_start(&svc->spin, spin);
    return 0;
  }
  uv_idle_stop(&svc->spin);
  uv_timer_stop(&svc->sync_timer);
  uint64_t began = uv_hrtime();
  int rc = rf_journal_flush(svc->journal); /* fsynced unless the journal's mode says never */
  uv_update_time(svc->loop);
  svc->last_sync_ms = uv_now(svc->loop);
  uint64_t took = uv_hrtime() - began;
  svc->stats.syncs++;
  svc->stats.sync_ns += took;
  svc_hist_observe(&svc->syncs, (double)took / 1e9);
  if (rc != 0) {
    svc_logf(svc, "the journal does not sync: %s", rf_journal_errmsg(svc->journal));
    return 0;
  }
  return 1;
}

/* The diffs published now: their latency from the arrival of what settled them. */
static void observe_latency(rf_service *svc) {
  uint64_t now = uv_hrtime();
  for (size_t k = 0; k < svc->arrival_count; ++k)
    svc_hist_observe(&svc->latency, (double)(now - svc->arrivals[k]) / 1e9);
  svc->arrival_count = 0;
}

void svc_settle(rf_service *svc) {
  int all = synced(svc);
  if (all && svc->out.pub_end < svc->out.end) {
    if (svc_outlog_publish(&svc->out, &svc->err) != 0) svc_logf(svc, "%s", svc->err.msg);
    else observe_latency(svc);
  }
  svc->stats.published = svc->out.pub_count;
  svc_release_acks(svc);
  if (!all) return;
  svc_pump_all(svc);
  svc_mqtt_publish(svc->mqtt);
}

/* Every source quiet for idle_s: the clock goes on from the latest time they brought, at the
 * pace of the wall clock. */
static void idle_tick(uv_timer_t *t) {
  rf_service *svc = t->data;
  if (svc->host == NULL || !svc->has_latest || svc->stopping) return;
  uint64_t quiet_ms = uv_now(svc->loop) - svc->last_input_ms;
  if ((double)quiet_ms < svc->opt.idle_s * 1e3) return;
  rf_time_us to = svc->latest + (rf_time_us)quiet_ms * 1000;
  if (to <= svc->advanced_to) return;
  if (svc->journal != NULL && rf_journal_advance(svc->journal, to) != 0) {
    svc_logf(svc, "the journal failed: %s", rf_journal_errmsg(svc->journal));
    return;
  }
  if (svc_advance(svc, to) != 0) svc_logf(svc, "moving the clock: %s", svc->err.msg);
  svc->stats.advances++;
  svc_settle(svc);
}

int svc_clock_start(rf_service *svc) {
  uv_timer_init(svc->loop, &svc->sync_timer);
  uv_timer_init(svc->loop, &svc->idle_timer);
  uv_check_init(svc->loop, &svc->check);
  uv_idle_init(svc->loop, &svc->spin);
  svc->sync_timer.data = svc->idle_timer.data = svc->check.data = svc->spin.data = svc;
  svc->open_handles += 4;
  svc->last_sync_ms = svc->last_input_ms = uv_now(svc->loop);
  uv_check_start(&svc->check, after_input);
  if (svc->opt.idle_s >= 0) uv_timer_start(&svc->idle_timer, idle_tick, IDLE_TICK_MS, IDLE_TICK_MS);
  return 0;
}

void svc_clock_stop(rf_service *svc) {
  uv_close((uv_handle_t *)&svc->sync_timer, svc_handle_closed);
  uv_close((uv_handle_t *)&svc->idle_timer, svc_handle_closed);
  uv_close((uv_handle_t *)&svc->check, svc_handle_closed);
  uv_close((uv_handle_t *)&svc->spin, svc_handle_closed);
}
