/* The calibration across a service's days (internal.h says what): the seeds, each day's end
 * values carried to the next, and GET /calibration. */
#include <string.h>

#include "core/alloc.h"
#include "internal.h"
#include "retailfuse/status.h"

/* Appends a copy of scale s to the list: 0 or RF_ENOMEM (nothing added). */
static int keep(rf_service *svc, svc_scales *to, const rf_scale *s) {
  char *id = rf__strdup(&svc->alloc, s->id);
  if (id == NULL || RF__RESERVE(&svc->alloc, to->list, to->cap, to->count + 1) != 0) {
    rf__free(&svc->alloc, id);
    return RF_ENOMEM;
  }
  svc_scale *k = &to->list[to->count++];
  k->scale = *s;
  k->scale.id = id;
  k->id = id;
  return 0;
}

static void drop_all(rf_service *svc, svc_scales *list) {
  for (size_t k = 0; k < list->count; ++k) rf__free(&svc->alloc, list->list[k].id);
  rf__free(&svc->alloc, list->list);
  memset(list, 0, sizeof *list);
}

void svc_scales_free(rf_service *svc) { drop_all(svc, &svc->seeds); }

int rf_service_calibration_seed(rf_service *svc, const rf_scale *scale) {
  if (svc == NULL || scale == NULL || scale->id == NULL) return RF_EINVAL;
  if (svc->started) return rf__error(&svc->err, RF_EMISUSE, "seeds come before the start");
  if (svc->opt.method != RF_METHOD_FUSED)
    return rf__error(&svc->err, RF_ENOTFOUND, "the baseline has no calibration");
  return keep(svc, &svc->seeds, scale) != 0 ? rf__error(&svc->err, RF_ENOMEM, "out of memory") : 0;
}

int svc_scales_apply(rf_service *svc) {
  for (size_t k = 0; k < svc->seeds.count; ++k) {
    int rc = rf_host_calibration_seed(svc->host, &svc->seeds.list[k].scale);
    if (rc != 0) return rf__error(&svc->err, rc, "%s", rf_host_errmsg(svc->host));
  }
  return 0;
}

typedef struct carrying {
  rf_service *svc;
  svc_scales next;
  double gain_floor, weight_floor; /* half the priors' spread: a gain's, a weight's share */
} carrying;

static int carry_one(const rf_scale *s, void *payload) {
  carrying *c = payload;
  rf_scale seed = *s;
  const double floor = s->kind == RF_SCALE_GAIN ? c->gain_floor : c->weight_floor * s->prior;
  if (seed.sd < floor) seed.sd = floor;
  return keep(c->svc, &c->next, &seed);
}

int svc_scales_carry(rf_service *svc) {
  const rf_engine *e = svc->host != NULL ? rf_host_engine(svc->host) : NULL;
  if (e == NULL || rf_engine_param_get(e, RF_PARAM_CALIBRATE) == 0) return 0;
  carrying c = {svc,
                {NULL, 0, 0},
                0.5 * rf_engine_param_get(e, RF_PARAM_GAIN_SD),
                0.5 * rf_engine_param_get(e, RF_PARAM_WEIGHT_SD)};
  int rc = rf_engine_calibration(e, carry_one, &c);
  if (rc != 0) { /* out of memory: the next day starts from the seeds it had */
    drop_all(svc, &c.next);
    return rf__error(&svc->err, RF_ENOMEM, "out of memory keeping the calibration");
  }
  drop_all(svc, &svc->seeds);
  svc->seeds = c.next;
  return 0;
}

typedef struct writing {
  rf__jbuf *b;
  int first, products;
} writing;

static int put_scale(const rf_scale *s, void *payload) {
  writing *w = payload;
  if (s->kind == RF_SCALE_WEIGHT && !w->products) {
    rf__jbuf_cstr(w->b, "],\"products\":[");
    w->products = 1;
    w->first = 1;
  }
  rf__jbuf_cstr(w->b, w->first ? "{" : ",{");
  w->first = 0;
  rf__jbuf_cstr(w->b, s->kind == RF_SCALE_GAIN ? "\"plate\":" : "\"sku\":");
  rf__jbuf_string(w->b, s->id);
  rf__jbuf_cstr(w->b, s->kind == RF_SCALE_GAIN ? ",\"gain\":" : ",\"weight_g\":");
  rf__jbuf_double(w->b, s->value);
  rf__jbuf_cstr(w->b, s->kind == RF_SCALE_GAIN ? ",\"sd\":" : ",\"sd_g\":");
  rf__jbuf_double(w->b, s->sd);
  rf__jbuf_cstr(w->b, s->kind == RF_SCALE_GAIN ? ",\"prior\":" : ",\"prior_g\":");
  rf__jbuf_double(w->b, s->prior);
  rf__jbuf_cstr(w->b, ",\"evidence\":");
  rf__jbuf_double(w->b, s->evidence);
  rf__jbuf_cstr(w->b, "}");
  return 0;
}

int svc_scales_json(const rf_service *svc, rf__jbuf *out) {
  const rf_engine *e = svc->host != NULL ? rf_host_engine(svc->host) : NULL;
  if (e == NULL) return RF_ENOTFOUND;
  writing w = {out, 1, 0};
  rf__jbuf_cstr(out, "{\"plates\":[");
  rf_engine_calibration(e, put_scale, &w);
  rf__jbuf_cstr(out, w.products ? "]}\n" : "],\"products\":[]}\n");
  return out->failed ? RF_ENOMEM : 0;
}
