#include "idmap.h"

#include <string.h>

#include "alloc.h"
#include "retailfuse/status.h"

static uint32_t hash_string(const char *s) {
  /* FNV-1a: ids are short and this spreads them well enough for linear probing. */
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return (uint32_t)(h ^ (h >> 32));
}

void rf__idmap_init(rf__idmap *map) {
  map->slots = NULL;
  map->cap = 0;
  map->count = 0;
}

void rf__idmap_free(rf__idmap *map, const rf_allocator *a) {
  rf__free(a, map->slots);
  rf__idmap_init(map);
}

static size_t find_slot(const rf__idmap *map, const char *key, uint32_t hash) {
  size_t mask = map->cap - 1;
  size_t i = hash & mask;
  while (map->slots[i].key != NULL) {
    if (map->slots[i].hash == hash && strcmp(map->slots[i].key, key) == 0) return i;
    i = (i + 1) & mask;
  }
  return i;
}

int rf__idmap_find(const rf__idmap *map, const char *key, uint32_t *value) {
  if (map->cap == 0) return RF_ENOTFOUND;
  size_t i = find_slot(map, key, hash_string(key));
  if (map->slots[i].key == NULL) return RF_ENOTFOUND;
  if (value) *value = map->slots[i].value;
  return 0;
}

int rf__idmap_reserve(rf__idmap *map, const rf_allocator *a, size_t extra) {
  size_t need = map->count + extra;
  /* Keep the load factor at or below 1/2 so probes stay short. */
  if (need * 2 <= map->cap) return 0;
  size_t cap = map->cap ? map->cap : 16;
  while (need * 2 > cap) {
    if (cap > SIZE_MAX / 4) return RF_ELIMIT;
    cap *= 2;
  }
  rf__idmap_slot *slots = rf__calloc(a, cap, sizeof *slots);
  if (slots == NULL) return RF_ENOMEM;
  rf__idmap grown = {slots, cap, 0};
  for (size_t i = 0; i < map->cap; ++i) {
    if (map->slots[i].key == NULL) continue;
    size_t j = find_slot(&grown, map->slots[i].key, map->slots[i].hash);
    grown.slots[j] = map->slots[i];
    grown.count++;
  }
  rf__free(a, map->slots);
  *map = grown;
  return 0;
}

void rf__idmap_insert(rf__idmap *map, const char *key, uint32_t value) {
  uint32_t hash = hash_string(key);
  size_t i = find_slot(map, key, hash);
  map->slots[i].key = key;
  map->slots[i].hash = hash;
  map->slots[i].value = value;
  map->count++;
}

int rf__idmap_remove(rf__idmap *map, const char *key) {
  if (map->cap == 0) return 0;
  size_t mask = map->cap - 1;
  size_t i = find_slot(map, key, hash_string(key));
  if (map->slots[i].key == NULL) return 0;
  /* Backward-shift deletion: move later members of the probe run into the hole so lookups
   * never need tombstones. */
  size_t j = i;
  for (;;) {
    map->slots[i].key = NULL;
    for (;;) {
      j = (j + 1) & mask;
      if (map->slots[j].key == NULL) {
        map->count--;
        return 1;
      }
      size_t home = map->slots[j].hash & mask;
      /* Slot j may move to i only if its home is not cyclically within (i, j]. */
      int home_in_range = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
      if (!home_in_range) break;
    }
    map->slots[i] = map->slots[j];
    i = j;
  }
}
