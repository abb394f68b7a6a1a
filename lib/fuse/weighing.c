/* What a decided reading teaches about the weighing noise: weighing.h and learn.h. */
#include "weighing.h"

#include "calibrate.h"
#include "terms.h"

/* Listed plates entirely outside [lo, hi] moved by noise alone when the reading is right: each
 * shows σ², when the shelf's noise is the engine's. */
static void teach_quiet_plates(rf_engine *e, const f_change *c, const rf_shelf_def *def, double lo,
                               double hi, double p) {
  const double *g = rf__change_g(e, c);
  for (size_t k = 0; k < def->plate_count; ++k) {
    /* An unlisted plate is 0 exactly; a listed one that read 0.00 is lost, a hair of bias. */
    if (g[k] == 0.0 || (def->plates[k].x1 > lo && def->plates[k].x0 < hi)) continue;
    rf__learn_weighing(&e->learn, p, 1.0, 0.0, g[k] * g[k]);
  }
}

void rf__teach_weighing(rf_engine *e, const f_change *c, const f_what *w, double p) {
  rf_shelf_def def;
  rf_store_shelf(e->store, c->shelf, &def);
  /* The gap's expected square: r·σ² + u·f², less what the store declared. */
  double gap = fabs(c->total), known = 0.0, u = 0.0;
  for (int k = 0; k < w->parts; ++k) {
    rf_product_def prod;
    rf_store_product(e->store, w->product[k], &prod);
    const double q = (double)w->qty[k],
                 weight = rf__learned_weight(e, w->product[k], prod.weight_g);
    gap -= q * weight;
    if (prod.has_weight_sd) known += q * prod.weight_sd_g * prod.weight_sd_g;
    else u += q * weight * weight;
  }
  double r = (double)c->reported;
  if (def.has_noise) {
    const double sigma = rf__noise_of(e, c->shelf);
    known += r * sigma * sigma;
    r = 0.0;
  }
  if (r > 0.0 || u > 0.0) rf__learn_weighing(&e->learn, p, r, u, gap * gap - known);
  if (!def.has_noise && c->lists_quiet) teach_quiet_plates(e, c, &def, w->lo, w->hi, p);
}
