/* checkout_host — the integration loop a store vendor writes around retailfuse:
 *
 *   1. build the store (here from a scenario file's store records; a vendor builds it from its
 *      planogram the same way, one rf_store_builder_add_* call per product, shelf and facing);
 *   2. push events to the engine as they arrive (here, the file's events in order);
 *   3. apply the diffs the engine hands out to the host's own carts, corrections included, and
 *      check each receipt against them.
 *
 *   checkout_host FILE
 *
 * Exit status 0 when every event was taken and every receipt matched the host's cart.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <retailfuse/retailfuse.h>

enum { MAX_CARTS = 256, MAX_ID = 64 };

/* The host's side: its own carts, kept only from the diffs. */
typedef struct host_cart {
  char shopper[MAX_ID];
  int64_t *qty; /* per product index */
} host_cart;

typedef struct host {
  const rf_store *store;
  host_cart carts[MAX_CARTS];
  size_t cart_count;
  int mismatches;
} host;

static host_cart *cart_of(host *h, const char *shopper) {
  for (size_t i = 0; i < h->cart_count; ++i)
    if (strcmp(h->carts[i].shopper, shopper) == 0) return &h->carts[i];
  if (h->cart_count == MAX_CARTS || strlen(shopper) >= MAX_ID) return NULL;
  host_cart *c = &h->carts[h->cart_count++];
  strcpy(c->shopper, shopper);
  c->qty = calloc(rf_store_product_count(h->store), sizeof *c->qty);
  return c->qty ? c : NULL;
}

static const char *product_name(const rf_store *store, uint32_t index) {
  rf_product_def p;
  rf_store_product(store, index, &p);
  return p.name ? p.name : p.sku;
}

/* Called by the engine with each diff and receipt as it is made. Strings in the record are
 * valid only during the call: the host copies what it keeps. */
static int on_output(const rf_record *rec, void *payload) {
  host *h = payload;
  uint32_t p;
  if (rec->type == RF_RECORD_DIFF) {
    const rf_diff_rec *d = &rec->u.diff;
    host_cart *c = cart_of(h, d->shopper);
    if (c == NULL || rf_store_find_product(h->store, d->sku, &p) != 0) return RF_ENOMEM;
    c->qty[p] += d->qty;
    printf("%8.3f s  diff #%" PRId64 "  %-3s %+" PRId64 " %-16s conf %.4f%s", d->t / 1e6, d->seq,
           d->shopper, d->qty, product_name(h->store, p), d->conf, d->review ? "  review" : "");
    if (d->has_corrects) printf("  (corrects #%" PRId64 ")", d->corrects);
    printf("\n");
    return 0;
  }
  if (rec->type == RF_RECORD_RECEIPT) {
    const rf_receipt_rec *r = &rec->u.receipt;
    host_cart *c = cart_of(h, r->shopper);
    if (c == NULL) return RF_ENOMEM;
    printf("%8.3f s  receipt %s:", r->t / 1e6, r->shopper);
    /* The receipt lists what the cart holds; the host's cart must hold exactly that. */
    int64_t listed = 0, held = 0;
    int same = 1;
    for (size_t i = 0; i < r->item_count; ++i) {
      if (rf_store_find_product(h->store, r->items[i].sku, &p) != 0) return RF_ENOTFOUND;
      printf(" %" PRId64 " %s%s", r->items[i].qty, product_name(h->store, p),
             i + 1 < r->item_count ? "," : "");
      same &= c->qty[p] == r->items[i].qty;
      listed += r->items[i].qty;
    }
    for (uint32_t k = 0; k < rf_store_product_count(h->store); ++k) held += c->qty[k];
    same &= held == listed;
    printf("%s%s -- %s\n", r->item_count ? "" : " nothing", r->review ? "  review" : "",
           same ? "matches the host's cart" : "DIFFERS from the host's cart");
    h->mismatches += !same;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: checkout_host FILE\n");
    return 2;
  }
  rf_scenario_reader *reader;
  rf_store_builder *builder;
  if (rf_scenario_reader_open(&reader, argv[1], NULL, NULL) != RF_OK) {
    fprintf(stderr, "checkout_host: cannot open %s\n", argv[1]);
    return 1;
  }
  if (rf_store_builder_new(&builder, NULL) != RF_OK) return 1;

  host h;
  memset(&h, 0, sizeof h);
  rf_store *store = NULL;
  rf_engine *engine = NULL;
  rf_record rec;
  int read_rc, status = 0;
  while ((read_rc = rf_scenario_reader_next(reader, &rec)) == RF_OK) {
    /* 1. The store: products, shelves and facings come before any event. */
    int rc = RF_OK;
    if (rec.type <= RF_RECORD_FACING && engine != NULL) {
      fprintf(stderr, "%s: line %" PRIu64 ": %s after the first event\n", argv[1], rec.line,
              rf_record_type_name(rec.type));
      status = 1;
      break;
    }
    if (rec.type == RF_RECORD_PRODUCT) rc = rf_store_builder_add_product(builder, &rec.u.product);
    if (rec.type == RF_RECORD_SHELF) rc = rf_store_builder_add_shelf(builder, &rec.u.shelf);
    if (rec.type == RF_RECORD_FACING) rc = rf_store_builder_add_facing(builder, &rec.u.facing);
    if (rc != RF_OK) {
      fprintf(stderr, "%s: line %" PRIu64 ": %s\n", argv[1], rec.line,
              rf_store_builder_errmsg(builder));
      status = 1;
      break;
    }
    if (rec.type <= RF_RECORD_FACING) continue;
    if (engine == NULL) {
      if (rf_store_builder_finish(builder, &store) != RF_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], rf_store_builder_errmsg(builder));
        status = 1;
        break;
      }
      if (rf_engine_new(&engine, store, NULL) != RF_OK) {
        status = 1;
        break;
      }
      h.store = store;
      rf_engine_set_output(engine, on_output, &h);
      printf("store: %" PRIu32 " products on %" PRIu32 " shelves\n", rf_store_product_count(store),
             rf_store_shelf_count(store));
    }
    /* 2. An event, as it arrives. A refused one changes nothing: log it and go on. (RF_EBEHIND
     * is not a refusal: the event was taken and the engine was short of memory deciding what it
     * made due; the next call does that first. A host short of memory would also push an
     * RF_ENOMEM event again.) */
    rc = rf_engine_push(engine, &rec);
    if (rc != RF_OK) {
      fprintf(stderr, "%s: line %" PRIu64 ": %s: %s\n", argv[1], rec.line,
              rc == RF_EBEHIND ? "taken, decisions deferred" : "refused", rf_engine_errmsg(engine));
      status = 1;
    }
  }
  if (read_rc != RF_OK && read_rc != RF_ITEROVER) {
    fprintf(stderr, "%s: %s\n", argv[1], rf_scenario_reader_errmsg(reader));
    status = 1;
  }
  /* 3. End of the day (or of the file): whatever is still waiting is decided now. */
  if (engine != NULL && rf_engine_finish(engine) != RF_OK) {
    fprintf(stderr, "checkout_host: %s\n", rf_engine_errmsg(engine));
    status = 1;
  }
  if (h.mismatches) status = 1;

  rf_engine_free(engine);
  rf_store_free(store);
  rf_store_builder_free(builder);
  rf_scenario_reader_free(reader);
  for (size_t i = 0; i < h.cart_count; ++i) free(h.carts[i].qty);
  return status;
}
