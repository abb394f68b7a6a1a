/* The cart ledger (lib/cart): a member whose cart's owner begins a new visit keeps no place in
 * it, and their own visit ended with that owner's receipt — they are no candidate for a change
 * until they enter again, and their slot is released like the owner's old one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cart/ledger.h"
#include "core/alloc.h"

#define SEC 1000000LL

static int receipts_seen;

static int count_receipt(uint32_t cart, rf_time_us t, void *payload) {
  (void)cart, (void)t, (void)payload;
  receipts_seen++;
  return 0;
}

static void event(rf__ledger *l, int kind, rf_time_us t, const char *who, const char *cart) {
  rf__errbuf err;
  memset(&err, 0, sizeof err);
  rf_shopper_rec s = {t, who, 0};
  rf_link_rec k = {t, who, cart};
  int rc = kind == 0   ? rf__ledger_enter(l, &s, &err)
           : kind == 1 ? rf__ledger_exit(l, &s, &err)
                       : rf__ledger_link(l, &k, &err);
  assert_int_equal(rc, 0);
}

enum { ENTER, EXIT, LINK };

static void released_member_visit_is_over(void **state) {
  (void)state;
  rf__ledger l;
  rf_allocator a;
  assert_int_equal(rf__allocator_init(&a, NULL), 0);
  rf__ledger_init(&l, 3, &a);
  event(&l, ENTER, 0, "S1", NULL);
  event(&l, ENTER, 0, "S2", NULL);
  event(&l, LINK, 1 * SEC, "S2", "S1");
  event(&l, EXIT, 5 * SEC, "S2", NULL);
  event(&l, EXIT, 6 * SEC, "S1", NULL);
  receipts_seen = 0;
  assert_int_equal(rf__ledger_receipts(&l, 20 * SEC, 7 * SEC, 30 * SEC, 0, count_receipt, NULL), 0);
  assert_int_equal(receipts_seen, 1);
  uint32_t s1, s2;
  assert_int_equal(rf__ledger_lookup(&l, "S1", &s1), 0);
  assert_int_equal(rf__ledger_lookup(&l, "S2", &s2), 0);
  assert_true(rf__ledger_receipted(&l, rf__ledger_cart_of(&l, s2)));
  /* S1 comes back: a new visit. S2 is out of it, and S2's own visit is over. */
  event(&l, ENTER, 30 * SEC, "S1", NULL);
  assert_int_equal(rf__ledger_cart_of(&l, s2), s2);
  assert_false(rf__ledger_receipted(&l, rf__ledger_cart_of(&l, s1)));
  assert_true(rf__ledger_receipted(&l, s2));
  /* Nothing refers to S2 any more: their slot goes, as the receipted carts' do. */
  rf__ledger_release(&l, 200 * SEC, 120 * SEC, NULL, NULL);
  assert_int_not_equal(rf__ledger_lookup(&l, "S2", &s2), 0);
  assert_int_equal(rf__ledger_lookup(&l, "S1", &s1), 0);
  /* S2 back later: a new visit of their own. */
  event(&l, ENTER, 210 * SEC, "S2", NULL);
  assert_int_equal(rf__ledger_lookup(&l, "S2", &s2), 0);
  assert_false(rf__ledger_receipted(&l, rf__ledger_cart_of(&l, s2)));
  rf__ledger_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(released_member_visit_is_over),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
