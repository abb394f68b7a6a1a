/* Internal: the store teaches the engine its nuisance rates. How often its cameras miss a reach
 * (MISSED_HAND_RATE) and name the wrong shopper (WRONG_ID_RATE) differ from store to store; the
 * engine estimates each from its own decisions, EM-fashion: every decision adds what its
 * posteriors expect (a change made through no visit, a named visit whose shopper was another),
 * and the rate is the posterior mean of those counts under a prior worth LEARN_PRIOR_N
 * observations at the value set — so one odd decision moves it by a hair, and a quiet store
 * keeps its prior. The rates are the engine's parameters (rf_engine_param_get reads them);
 * LEARN 0 keeps them as set, and a rate a host sets by hand is kept from then on.
 * Deterministic, and as blind to arrival order as the decisions: only decisions teach, in the
 * order they fall due, from what they could see. (The browse rate is not learned: when a visit
 * is known to have explained nothing depends on when the clock lets it go.) */
#ifndef RF_FUSE_LEARN_H
#define RF_FUSE_LEARN_H

#include "retailfuse/engine.h"

typedef enum f_learned { F_LEARN_MISSED, F_LEARN_WRONG_ID, F_LEARN_COUNT } f_learned;

typedef struct f_learn {
  double seen[F_LEARN_COUNT];  /* observations: weight of the cases that could show the event */
  double shown[F_LEARN_COUNT]; /* of those, the weight the posteriors give the event */
  double prior[F_LEARN_COUNT]; /* the value the learning starts from */
  int fixed[F_LEARN_COUNT];    /* a host set it: left as set */
} f_learn;

/* The engine parameter each learned rate is. */
rf_engine_param rf__learned_param(f_learned which);

/* Starts from the parameters' current values. */
void rf__learn_init(f_learn *l, const double *param);

/* A host set parameter p: when it is a learned rate, it is kept from now on. */
void rf__learn_fix(f_learn *l, rf_engine_param p, double value);

/* `weight` more cases that could show the event, of which the posteriors expect `shown`. */
void rf__learn_add(f_learn *l, f_learned which, double weight, double shown);

/* Moves the learned parameters to their estimates (nothing when LEARN is 0). */
void rf__learn_apply(const f_learn *l, double *param);

#endif
