/* Internal: the store teaches the engine its nuisance rates and its weighing noise.
 *
 * Rates. How often its cameras miss a reach (MISSED_HAND_RATE) and name the wrong shopper
 * (WRONG_ID_RATE) differ from store to store; the engine estimates each from its own decisions,
 * EM-fashion: every decision adds what its posteriors expect (a change made through no visit, a
 * named visit whose shopper was another), and the rate is the posterior mean of those counts
 * under a prior worth LEARN_PRIOR_N observations at the value set — so one odd decision moves it
 * by a hair, and a quiet store keeps its prior.
 *
 * Weighing noise. A store that does not declare its shelves' noise or its products' spread is
 * weighed with NOISE_G and SD_FRACTION; set wrong, every hypothesis is mis-scored (a 4 g shelf
 * read as 1.5 g turns one item and noise into two items). Each decision's reading tells both: the
 * squared gap between the change and the items it was read as has expectation r·σ² + u·f² (r the
 * plates listed, u the items' Σ q·weight²), and a listed plate outside the items' place shows σ²
 * alone. σ² and f² are the weighted least squares fit of those (each weighed by how probable
 * the reading was, over the square of its expected variance, and clipped at 25 times that
 * variance, so a misread item does not drag them), with a prior worth LEARN_NOISE_PRIOR_N
 * readings at the values set. Declared noise and spreads are taken out of the gap first.
 *
 * The values learned are the engine's parameters (rf_engine_param_get reads them); LEARN 0
 * keeps them as set, and one a host sets by hand is kept from then on. Deterministic, and as
 * blind to arrival order as the decisions: only decisions teach, in the order they fall due,
 * from what they could see. (The browse rate is not learned: when a visit is known to have
 * explained nothing depends on when the clock lets it go.) */
#ifndef RF_FUSE_LEARN_H
#define RF_FUSE_LEARN_H

#include "retailfuse/engine.h"

typedef enum f_learned { F_LEARN_MISSED, F_LEARN_WRONG_ID, F_LEARN_COUNT } f_learned;

/* The weighing noise: a = σ² (NOISE_G²), b = f² (SD_FRACTION²), from readings y ~ r·a + u·b. */
typedef struct f_weighing {
  double rr, ru, uu, ry, uy; /* the weighted normal equations' sums */
  double seen_a, seen_b;     /* weight of the readings that showed a, b */
  double a, b;               /* the current estimates */
  double prior_a, prior_b;   /* the values set */
  int fixed_a, fixed_b;      /* a host set it: left as set */
} f_weighing;

typedef struct f_learn {
  double seen[F_LEARN_COUNT];  /* observations: weight of the cases that could show the event */
  double shown[F_LEARN_COUNT]; /* of those, the weight the posteriors give the event */
  double prior[F_LEARN_COUNT]; /* the value the learning starts from */
  int fixed[F_LEARN_COUNT];    /* a host set it: left as set */
  f_weighing weighing;
} f_learn;

/* The engine parameter each learned rate is. */
rf_engine_param rf__learned_param(f_learned which);

/* Starts from the parameters' current values. */
void rf__learn_init(f_learn *l, const double *param);

/* A host set parameter p: when it is a learned rate, it is kept from now on. */
void rf__learn_fix(f_learn *l, rf_engine_param p, double value);

/* `weight` more cases that could show the event, of which the posteriors expect `shown`. */
void rf__learn_add(f_learn *l, f_learned which, double weight, double shown);

/* A reading, as probable as `weight`, whose squared gap y (g², with what declared noise and
 * spreads explain taken out) is expected to be r·σ² + u·f²: r plates of NOISE_G's noise, items
 * of SD_FRACTION's spread with u = Σ q·weight². */
void rf__learn_weighing(f_learn *l, double weight, double r, double u, double y);

/* Moves the learned parameters to their estimates (nothing when LEARN is 0). */
void rf__learn_apply(f_learn *l, double *param);

#endif
