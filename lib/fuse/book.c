/* The book of diffs and visits reviewers' verdicts read (book.h). Visits are kept by id in the
 * order they began; entries in the order they were made. Both are small next to a day's input
 * (a diff is 48 bytes), and forgotten REVIEW_S after their visit's receipt. */
#include "book.h"

#include <string.h>

#include "core/alloc.h"
#include "retailfuse/status.h"

void rf__book_free(f_book *b, const rf_allocator *a) {
  for (size_t i = 0; i < b->visit_count; ++i) {
    rf__free(a, b->visits[i].owner);
    rf__free(a, b->visits[i].receipt);
  }
  rf__free(a, b->spare_owner);
  rf__free(a, b->visits);
  rf__free(a, b->entries);
  rf__free(a, b->visit_of_slot);
  memset(b, 0, sizeof *b);
}

int rf__book_reserve(f_book *b, const rf_allocator *a, size_t count) {
  return RF__RESERVE(a, b->entries, b->cap, b->count + count) != 0 ? RF_ENOMEM : 0;
}

f_visit *rf__book_visit(const f_book *b, uint64_t id) {
  size_t lo = 0, hi = b->visit_count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (b->visits[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < b->visit_count && b->visits[lo].id == id ? &b->visits[lo] : NULL;
}

uint64_t rf__book_final(const f_book *b, uint64_t visit) {
  for (int hops = 0; visit != 0 && hops < 64; ++hops) { /* links chain a few carts at most */
    const f_visit *v = rf__book_visit(b, visit);
    if (v == NULL || v->merged_into == 0) return visit;
    visit = v->merged_into;
  }
  return visit;
}

uint64_t rf__book_visit_of_slot(const f_book *b, uint32_t slot) {
  return slot < b->slot_cap ? rf__book_final(b, b->visit_of_slot[slot]) : 0;
}

int rf__book_prepare(f_book *b, const rf_allocator *a, size_t slots, const char *owner) {
  size_t old_cap = b->slot_cap;
  if (RF__RESERVE(a, b->visit_of_slot, b->slot_cap, slots) != 0) return RF_ENOMEM;
  memset(b->visit_of_slot + old_cap, 0, (b->slot_cap - old_cap) * sizeof *b->visit_of_slot);
  if (RF__RESERVE(a, b->visits, b->visit_cap, b->visit_count + 1) != 0) return RF_ENOMEM;
  size_t n = strlen(owner) + 1;
  char *copy = rf__malloc(a, n);
  if (copy == NULL) return RF_ENOMEM;
  memcpy(copy, owner, n);
  rf__free(a, b->spare_owner);
  b->spare_owner = copy;
  return 0;
}

void rf__book_enter(f_book *b, uint32_t slot, rf_time_us t, int staff, int fresh) {
  if (!fresh && rf__book_visit(b, b->visit_of_slot[slot]) != NULL) return; /* it goes on */
  f_visit *v = &b->visits[b->visit_count++];
  memset(v, 0, sizeof *v);
  v->id = ++b->next_visit;
  v->owner = b->spare_owner;
  b->spare_owner = NULL;
  v->slot = slot;
  v->start = t;
  v->staff = staff;
  b->visit_of_slot[slot] = v->id;
}

int rf__book_receipt(f_book *b, const rf_allocator *a, f_visit *v, rf_time_us t,
                     const f_held *items, size_t count) {
  (void)b;
  f_held *copy = count > 0 ? rf__malloc(a, count * sizeof *copy) : NULL;
  if (count > 0 && copy == NULL) return RF_ENOMEM;
  if (count > 0) memcpy(copy, items, count * sizeof *copy);
  v->receipt = copy;
  v->receipt_count = count;
  v->receipted = 1;
  v->receipt_t = t;
  return 0;
}

int64_t rf__book_held(const f_book *b, const f_visit *v, uint32_t product) {
  int64_t q = 0;
  for (size_t i = 0; i < v->receipt_count; ++i)
    if (v->receipt[i].product == product) q += v->receipt[i].qty;
  for (size_t i = 0; i < b->count; ++i)
    if (b->entries[i].kind == F_ENTRY_AMEND && b->entries[i].visit == v->id &&
        b->entries[i].product == product)
      q += b->entries[i].qty;
  return q;
}

void rf__book_add(f_book *b, const f_entry *entry, int64_t corrects) {
  if (entry->kind == F_ENTRY_UNDO)
    for (size_t i = b->count; i-- > 0;)
      if (b->entries[i].seq == corrects) {
        b->entries[i].undone = 1;
        break;
      }
  b->entries[b->count++] = *entry;
}

void rf__book_forget(f_book *b, const rf_allocator *a, rf_time_us before) {
  /* At most once a minute of store time: a pass costs the size of the book. */
  if (b->checked && before < b->next_check) return;
  b->checked = 1;
  b->next_check = before + 60 * (rf_time_us)1000000;
  for (size_t i = 0; i < b->visit_count; ++i) {
    /* A member's visit goes with the cart it joined (members get no receipt of their own). */
    const f_visit *end = rf__book_visit(b, rf__book_final(b, b->visits[i].id));
    b->visits[i].drop = end != NULL && end->receipted && end->receipt_t < before;
  }
  size_t kept = 0;
  for (size_t i = 0; i < b->visit_count; ++i) {
    f_visit *v = &b->visits[i];
    if (v->drop) {
      if (v->slot < b->slot_cap && b->visit_of_slot[v->slot] == v->id)
        b->visit_of_slot[v->slot] = 0;
      rf__free(a, v->owner);
      rf__free(a, v->receipt);
      continue;
    }
    b->visits[kept++] = *v;
  }
  b->visit_count = kept;
  size_t k = 0;
  for (size_t i = 0; i < b->count; ++i)
    if (b->entries[i].t >= before && rf__book_visit(b, b->entries[i].visit) != NULL)
      b->entries[k++] = b->entries[i];
  b->count = k;
}
