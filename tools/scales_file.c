/* The calibration file of `retailfuse run --calibration` and `--calibration-seed`: one JSON
 * object, written with stdio, read with cJSON. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

typedef struct writing {
  FILE *f;
  const rf_store *store;
  int products; /* the listing has reached the products */
  int first;
} writing;

/* One scale as a line of the file (the arrays' opening and closing lines around them). */
static int put_scale(const rf_scale *s, void *payload) {
  writing *w = payload;
  if (s->kind == RF_SCALE_WEIGHT && !w->products) {
    fputs("\n  ],\n  \"products\": [", w->f);
    w->products = 1;
    w->first = 1;
  }
  fputs(w->first ? "\n    {" : ",\n    {", w->f);
  w->first = 0;
  if (s->kind == RF_SCALE_GAIN) {
    fputs("\"plate\":", w->f);
    put_json_string(w->f, s->id);
    fprintf(w->f, ",\"gain\":%.7f,\"sd\":%.7f,\"prior\":%.7f,\"evidence\":%.2f}", s->value, s->sd,
            s->prior, s->evidence);
    return 0;
  }
  uint32_t p = 0;
  rf_product_def def = {0};
  if (rf_store_find_product(w->store, s->id, &p) == 0) rf_store_product(w->store, p, &def);
  fputs("\"sku\":", w->f);
  put_json_string(w->f, s->id);
  fprintf(w->f,
          ",\"weight_g\":%.4f,\"sd_g\":%.4f,\"catalog_g\":%.4f,\"prior_g\":%.4f,\"evidence\":%.2f}",
          s->value, s->sd, def.weight_g, s->prior, s->evidence);
  return 0;
}

int write_calibration(const char *path, const rf_engine *engine, const rf_store *store, char *err,
                      size_t cap) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    snprintf(err, cap, "--calibration: cannot write '%s': %s", path, strerror(errno));
    return 1;
  }
  writing w = {f, store, 0, 1};
  fputs("{\n  \"plates\": [", f);
  rf_engine_calibration(engine, put_scale, &w);
  fputs(w.products ? "\n  ]\n}\n" : "\n  ],\n  \"products\": []\n}\n", f);
  if (ferror(f) | (fclose(f) != 0)) {
    snprintf(err, cap, "--calibration: writing '%s' failed", path);
    return 1;
  }
  return 0;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    len += fread(buf + len, 1, cap - len - 1, f);
    if (len < cap - 1) break;
    char *more = realloc(buf, cap *= 2);
    if (more == NULL) free(buf);
    buf = more;
  }
  if (buf != NULL) buf[len] = '\0';
  fclose(f);
  return buf;
}

/* The seeds of one array: each element's id and value (and sd when given), to fn. */
static int seed_array(const char *path, const cJSON *array, rf_scale_kind kind, seed_fn fn,
                      void *payload, char *err, size_t cap) {
  const char *id_key = kind == RF_SCALE_GAIN ? "plate" : "sku";
  const char *value_key = kind == RF_SCALE_GAIN ? "gain" : "weight_g";
  const char *sd_key = kind == RF_SCALE_GAIN ? "sd" : "sd_g";
  int index = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, array) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, id_key);
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, value_key);
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(item, sd_key);
    if (!cJSON_IsString(id) || !cJSON_IsNumber(value)) {
      snprintf(err, cap, "--calibration-seed: '%s': %s[%d] has no '%s' or '%s'", path,
               kind == RF_SCALE_GAIN ? "plates" : "products", index, id_key, value_key);
      return 1;
    }
    rf_scale s = {
        kind, id->valuestring, value->valuedouble, cJSON_IsNumber(sd) ? sd->valuedouble : 0, 0, 0};
    if (fn(&s, payload, err, cap) != 0) return 1;
    ++index;
  }
  return 0;
}

int read_calibration_file(const char *path, seed_fn fn, void *payload, char *err, size_t cap) {
  char *text = slurp(path);
  if (text == NULL) {
    snprintf(err, cap, "--calibration-seed: cannot read '%s': %s", path, strerror(errno));
    return 1;
  }
  cJSON *root = cJSON_Parse(text);
  free(text);
  int rc = 0;
  if (!cJSON_IsObject(root)) {
    snprintf(err, cap, "--calibration-seed: '%s' is not a JSON object", path);
    rc = 1;
  }
  const cJSON *plates = cJSON_GetObjectItemCaseSensitive(root, "plates");
  const cJSON *products = cJSON_GetObjectItemCaseSensitive(root, "products");
  /* An array each, when there: a file that says nothing of either, or something else, is not
   * one write_calibration wrote — starting unseeded without a word would hide it. */
  if (rc == 0 && ((plates == NULL && products == NULL) || (plates && !cJSON_IsArray(plates)) ||
                  (products && !cJSON_IsArray(products)))) {
    snprintf(err, cap, "--calibration-seed: '%s' has no \"plates\" or \"products\" array", path);
    rc = 1;
  }
  if (rc == 0)
    rc = seed_array(path, cJSON_GetObjectItemCaseSensitive(root, "plates"), RF_SCALE_GAIN, fn,
                    payload, err, cap);
  if (rc == 0)
    rc = seed_array(path, cJSON_GetObjectItemCaseSensitive(root, "products"), RF_SCALE_WEIGHT, fn,
                    payload, err, cap);
  cJSON_Delete(root);
  return rc;
}

static int seed_host(const rf_scale *s, void *payload, char *err, size_t cap) {
  if (rf_host_calibration_seed(payload, s) == 0) return 0;
  snprintf(err, cap, "--calibration-seed: %s", rf_host_errmsg(payload));
  return 1;
}

int read_calibration_seeds(const char *path, rf_host *host, char *err, size_t cap) {
  return read_calibration_file(path, seed_host, host, err, cap);
}
