"""Records set aside (push returns why; the engine goes on), stats(), sources and the clock."""
import numpy as np
import pytest

import retailfuse
from conftest import TINY

REASONS = ["duplicate", "unknown_shopper", "unknown_shelf", "unknown_plate", "unknown_cart",
           "already_in", "not_in", "late", "bad_number", "unknown_sku", "unknown_decision",
           "not_in_cart"]
COUNTS = ["taken", "set_aside", "late_used", "decisions", "reviews", "corrections", "diffs",
          "receipts", "staff_moves", "track_swaps", "stitched", "verdicts", "amended",
          "explain_dropped"]
SOURCE_KEYS = ["name", "records", "last_t", "delay_s", "delay_p50_s", "delay_p99_s", "stale",
               "went_stale"]
WAIT_US = 7_000_000  # WAIT_S's default


def reasons(**counts):
    """by_reason with these counts, every other reason 0."""
    return {r: counts.get(r, 0) for r in REASONS}


def about(measured, true_s):
    """A measured delay: from a histogram, within 1/16 below the true value (engine.h)."""
    return true_s * 15 / 16 < measured <= true_s


def test_a_new_engine_has_every_key_and_no_clock(tiny):
    stats = retailfuse.Engine(tiny).stats()
    assert list(stats) == COUNTS + ["by_reason", "clock", "sources"]
    assert stats == {**{k: 0 for k in COUNTS}, "by_reason": reasons(), "clock": None,
                     "sources": []}
    assert list(stats["by_reason"]) == REASONS
    assert all(type(stats[k]) is int for k in COUNTS)


# -- every reason, in one run --

def good_run(engine, bad=()):
    """A and B enter, A takes a 111; the bad records go in after the take's delta. Returns what
    the bad pushes returned."""
    engine.push({"type": "enter", "t": 0, "shopper": "A"})
    engine.push({"type": "enter", "t": 0, "shopper": "B"})
    engine.push({"type": "position", "t": 100, "shopper": "A", "x": 1.0, "y": 1.5})
    engine.push({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 1_000_000,
                 "t1": 2_000_000, "x": 0.25, "conf": 0.9})
    delta = {"type": "delta", "shelf": "SH1", "t0": 1_200_000, "t1": 1_800_000,
             "plates": {"P1": -500.3, "P2": 0.2}}
    engine.push(delta)
    # the tracker's 100 us - 2 s; the cameras (2 - 5 s) joined behind it: it never goes back
    assert engine.stats()["clock"] == -1_999_900
    got = [push(engine, delta) for push in bad]
    engine.push({"type": "exit", "t": 12_000_000, "shopper": "A"})
    engine.push({"type": "exit", "t": 12_000_000, "shopper": "B"})
    engine.finish()
    return got


def record(r):
    return lambda engine, delta: engine.push(r)


EVERY_REASON = [
    ("duplicate", lambda engine, delta: engine.push(delta)),          # the same dict again
    ("unknown_shopper", record({"type": "position", "t": 200, "shopper": "Q", "x": 0, "y": 0})),
    ("unknown_shelf", record({"type": "delta", "shelf": "SH9", "t0": 1_900_000, "t1": 2_000_000,
                              "plates": {"P1": -1.0}})),
    ("unknown_plate", record({"type": "delta", "shelf": "SH1", "t0": 1_900_000,
                              "t1": 2_000_000, "plates": {"P1": -500.0, "P7": 1.0}})),
    ("unknown_cart", record({"type": "link", "t": 200, "shopper": "B", "cart": "Z"})),
    ("already_in", record({"type": "enter", "t": 200, "shopper": "A"})),
    ("not_in", record({"type": "exit", "t": 200, "shopper": "Z"})),
    ("late", record({"type": "enter", "t": -7_000_000, "shopper": "C"})),   # 5.0001 s behind
    # every number a record carries is checked as it is read (InputError); arrays are not
    ("bad_number", lambda engine, delta: engine.push_samples("P1", 2_000_000, 0, [1000.0])),
    ("unknown_sku", record({"type": "restock", "shelf": "SH1", "sku": "999", "t0": 1_900_000,
                            "t1": 2_000_000, "qty": 2})),
    # verdicts: on a decision not made (yet), and, once the take is decided (advancing to its
    # t1 + WAIT_S), one giving back items A's cart does not hold; last, for the clock moved
    ("unknown_decision", lambda engine, delta: engine.push_review(0, "A", {"111": 1})),
    ("not_in_cart", lambda engine, delta: (engine.advance(8_800_000),
                                           engine.push_review(0, "A", {"111": -2}))[1]),
]


def test_push_returns_each_reason(tiny):
    clean, noisy = retailfuse.Engine(tiny), retailfuse.Engine(tiny)
    assert good_run(clean) == []
    assert good_run(noisy, [push for _, push in EVERY_REASON]) == REASONS
    # none of them changed anything: output, carts, decisions
    want = ('{"type":"diff","seq":0,"t":8800000,"shopper":"A","sku":"111","qty":1,"conf":0.9934,'
            '"review":false,"event":0}\n'
            '{"type":"receipt","t":19000000,"shopper":"A","items":{"111":1},"review":false}\n'
            '{"type":"receipt","t":19000000,"shopper":"B","items":{},"review":false}\n')
    assert clean.output_text() == noisy.output_text() == want
    assert noisy.cart("A") == {"111": 1} and noisy.cart("B") == {}
    a, b = clean.stats(), noisy.stats()
    assert a == {**b, "set_aside": 0, "by_reason": reasons(), "sources": a["sources"],
                 "clock": a["clock"]}
    assert b["clock"] == 8_800_000  # advanced for the take's verdict; it never goes back
    assert (b["taken"], b["set_aside"], b["by_reason"]) == (7, 12, {r: 1 for r in REASONS})
    # each was received from its source all the same (the shelves' bad_number samples: see
    # test_a_record_with_a_bad_number_is_counted_by_its_source)
    assert {s["name"]: s["records"] for s in a["sources"]} == \
        {"tracker": 5, "cameras": 1, "shelves": 1}
    assert {s["name"]: s["records"] for s in b["sources"] if s["name"] != "shelves"} == \
        {"tracker": 10, "cameras": 1}
    assert [s["name"] for s in b["sources"]] == ["tracker", "cameras", "shelves"]


def test_a_record_with_a_bad_number_is_counted_by_its_source(tiny):
    e = retailfuse.Engine(tiny)
    # A source is made by a record of it that is used: these make none ...
    assert e.push_samples("P1", 0, 0, [1000.0]) == "bad_number"
    assert e.push_hands(["A"], ["SH1"], [5], [1]) == 0
    assert e.stats()["by_reason"] == reasons(bad_number=2)
    assert e.stats()["sources"] == []
    # ... and once it is known, its records set aside are counted as received.
    assert e.push_samples("P1", 0, 10, [1000.0]) is None
    assert e.push_samples("P1", 100, 0, [1000.0]) == "bad_number"
    assert [(s["name"], s["records"]) for s in e.stats()["sources"]] == [("shelves", 2)]


def test_a_taken_record_after_one_set_aside_returns_none(tiny):
    e = retailfuse.Engine(tiny)
    assert e.push({"type": "exit", "t": 0, "shopper": "A"}) == "not_in"
    assert e.push({"type": "enter", "t": 0, "shopper": "A"}) is None
    assert e.push_samples("P9", 0, 10, [1.0]) == "unknown_plate"
    assert e.push_samples("P1", 0, 10, [1.0]) is None
    assert e.push({"type": "enter", "t": 0, "shopper": "A"}) == "duplicate"
    with pytest.raises(retailfuse.InputError):
        e.push({"type": "enter", "shopper": "A"})
    assert e.push({"type": "position", "t": 5, "shopper": "A", "x": 0, "y": 0}) is None
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"]) == (3, 3)
    assert stats["by_reason"] == reasons(not_in=1, unknown_plate=1, duplicate=1)


# -- push_many goes on --

def test_push_many_goes_on_and_counts(tiny):
    e = retailfuse.Engine(tiny)
    batch = [
        {"type": "enter", "t": 0, "shopper": "A"},
        {"type": "enter", "t": 0, "shopper": "A"},                          # duplicate
        {"type": "enter", "t": 10, "shopper": "A"},                         # already_in
        {"type": "link", "t": 20, "shopper": "A", "cart": "Z"},             # unknown_cart
        {"type": "hand", "shopper": "Z", "shelf": "SH1", "t0": 1_000_000,
         "t1": 2_000_000, "x": 0.25},                                       # used, anonymous
        {"type": "delta", "shelf": "SH1", "t0": 1_200_000, "t1": 1_800_000,
         "plates": {"P1": -500.1}},
        {"type": "delta", "shelf": "SHX", "t0": 1_200_000, "t1": 1_800_000,
         "plates": {"P1": -500.1}},                                         # unknown_shelf
        {"type": "exit", "t": 3_000_000, "shopper": "A"},
        {"type": "exit", "t": 3_000_001, "shopper": "A"},                   # not_in
    ]
    assert e.push_many(batch) == 4
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"]) == (4, 6)
    assert stats["by_reason"] == reasons(duplicate=1, already_in=1, unknown_cart=1,
                                         unknown_shopper=1, unknown_shelf=1, not_in=1)
    e.finish()
    # the stray hand was used: A, the only one there, took the 111
    assert [(r["type"], r["shopper"], r.get("sku"), r.get("items")) for r in e.output()] == [
        ("diff", "A", "111", None), ("receipt", "A", None, {"111": 1})]
    # pushed again, every record is now a copy: none is used
    assert e.push_many(batch) == 0
    assert e.stats()["by_reason"]["duplicate"] == 1 + len(batch)


def test_push_many_stops_at_a_record_that_does_not_read(tiny):
    e = retailfuse.Engine(tiny)
    with pytest.raises(retailfuse.InputError, match=r"^line 3: enter: field 't': is missing$"):
        e.push_many([{"type": "enter", "t": 0, "shopper": "A"},
                     {"type": "exit", "t": 0, "shopper": "Z"},                  # set aside
                     {"type": "enter", "shopper": "B"},
                     {"type": "enter", "t": 0, "shopper": "C"}])
    with pytest.raises(retailfuse.InputError, match=r"^line 2: shelf is not an input event$"):
        e.push_many([{"type": "enter", "t": 0, "shopper": "D"}, TINY[2]])
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"], stats["by_reason"]) == (2, 1, reasons(not_in=1))
    assert e.cart("A") == e.cart("D") == {}
    with pytest.raises(retailfuse.InputError, match="'C' is not in the store"):
        e.cart("C")


# -- stats --

def test_stats_after_a_scripted_run(tiny):
    e = retailfuse.Engine(tiny)
    e.source_delay("cam-1", 3)
    pushes = [
        ({"type": "enter", "t": 0, "shopper": "A"}, None),
        ({"type": "enter", "t": 0, "shopper": "B"}, None),
        ({"type": "position", "t": 100, "shopper": "A", "x": 1.0, "y": 1.5}, None),
        ({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 1_000_000, "t1": 2_000_000,
          "x": 0.25, "source": "cam-1", "seq": 1}, None),
        ({"type": "delta", "shelf": "SH1", "t0": 1_200_000, "t1": 1_800_000,
          "plates": {"P1": -500.3}}, None),
        ({"type": "delta", "shelf": "SH1", "t0": 1_200_000, "t1": 1_800_000,
          "plates": {"P1": -500.3}}, "duplicate"),
        ({"type": "exit", "t": 3_000_000, "shopper": "Z"}, "not_in"),
        # a shopper not in the store: used as an anonymous visit
        ({"type": "hand", "shopper": "Q", "shelf": "SH1", "t0": 2_500_000, "t1": 2_600_000,
          "source": "cam-1", "seq": 2}, "unknown_shopper"),
        # the same source and seq: a copy, whatever it says
        ({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 2_500_000, "t1": 2_600_000,
          "source": "cam-1", "seq": 2}, "duplicate"),
        ({"type": "enter", "t": -9_000_000, "shopper": "C"}, "late"),
        ({"type": "exit", "t": 12_000_000, "shopper": "A"}, None),
        ({"type": "exit", "t": 12_000_000, "shopper": "B"}, None),
    ]
    assert [e.push(r) for r, _ in pushes] == [want for _, want in pushes]
    e.finish()
    out = e.output()
    assert [(r["type"], r["shopper"], r["t"]) for r in out] == [
        ("diff", "A", 1_800_000 + WAIT_US), ("receipt", "A", 12_000_000 + WAIT_US),
        ("receipt", "B", 12_000_000 + WAIT_US)]
    # the anonymous visit at 2.5 s is another candidate: the take is less certain than 1
    assert out[0]["sku"] == "111" and out[0]["qty"] == 1 and 0.8 < out[0]["conf"] < 1
    stats = e.stats()
    sources = stats.pop("sources")
    assert stats == {"taken": 8, "set_aside": 5, "late_used": 0, "decisions": 1, "reviews": 0,
                     "corrections": 0, "diffs": 1, "receipts": 2, "staff_moves": 0,
                     "track_swaps": 0, "stitched": 0, "verdicts": 0, "amended": 0,
                     "explain_dropped": 0,
                     "by_reason": reasons(duplicate=2, not_in=1, unknown_shopper=1, late=1),
                     # cam-1, silent since 2.6 s (9.4 s of the others' time), holds it: 2.6 - 3
                     "clock": -400_000}
    assert [list(s) for s in sources] == [SOURCE_KEYS] * 3
    delays = [(s.pop("delay_p50_s"), s.pop("delay_p99_s")) for s in sources]
    assert sources == [
        # named first (source_delay), then in order of their first record
        {"name": "cam-1", "records": 3, "last_t": 2_600_000, "delay_s": 3.0, "stale": False,
         "went_stale": 0},
        {"name": "tracker", "records": 7, "last_t": 12_000_000, "delay_s": 2.0, "stale": False,
         "went_stale": 0},
        # silent since 1.8 s: stale once the tracker passed 11.8 s
        {"name": "shelves", "records": 2, "last_t": 1_800_000, "delay_s": 1.0, "stale": True,
         "went_stale": 1}]
    # cam-1 and the tracker came in time; the tracker's late enter was 11.6 s behind the
    # latest time (cam-1's 2.6 s), the shelves' deltas 0.2 s (behind cam-1's 2 s)
    assert delays[0] == (0.0, 0.0)
    assert delays[1][0] == 0.0 and about(delays[1][1], 11.6)
    assert about(delays[2][0], 0.2) and delays[2][0] == delays[2][1]


def test_late_used_counts_records_later_than_their_source_delay(tiny):
    e = retailfuse.Engine(tiny)
    assert e.push({"type": "enter", "t": 10_000_000, "shopper": "A"}) is None
    assert e.stats()["clock"] == 8_000_000
    # 1 s behind the latest: within the tracker's 2 s
    assert e.push({"type": "enter", "t": 9_000_000, "shopper": "B"}) is None
    assert e.stats()["late_used"] == 0
    # 4 s behind: beyond the tracker's delay, within LATENESS_S of the clock: used, and counted
    assert e.push({"type": "enter", "t": 6_000_000, "shopper": "C"}) is None
    assert e.push({"type": "enter", "t": 2_999_999, "shopper": "D"}) == "late"
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"], stats["late_used"]) == (3, 1, 1)
    [tracker] = stats["sources"]
    assert tracker["records"] == 4 and tracker["last_t"] == 10_000_000
    assert about(tracker["delay_p99_s"], 7.000001)


# -- sources and the clock --

def test_sources_names_delays_and_the_watermark(tiny):
    e = retailfuse.Engine(tiny, params={"CAMERAS_DELAY_S": 4})
    e.source_delay("cam-1", 3)
    assert e.stats()["sources"] == [
        {"name": "cam-1", "records": 0, "last_t": None, "delay_s": 3.0, "delay_p50_s": 0.0,
         "delay_p99_s": 0.0, "stale": False, "went_stale": 0}]
    assert e.stats()["clock"] is None, "a source with no record holds nothing"
    assert e.push({"type": "enter", "t": 0, "shopper": "A"}) is None
    assert e.stats()["clock"] == -2_000_000                     # the tracker: 0 - 2 s
    assert e.push({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_400_000,
                   "plates": {"P1": -500.2}}) is None
    assert e.stats()["clock"] == -2_000_000                     # the tracker holds it
    assert e.push({"type": "position", "t": 4_000_000, "shopper": "A", "x": 1.0,
                   "y": 1.5}) is None
    assert e.stats()["clock"] == 400_000                        # now the shelves: 1.4 - 1 s
    assert e.push({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 900_000,
                   "t1": 1_500_000, "x": 0.25, "source": "cam-1"}) is None
    assert e.stats()["clock"] == 400_000                        # cam-1 joined behind it
    sources = {s["name"]: s for s in e.stats()["sources"]}
    assert list(sources) == ["cam-1", "tracker", "shelves"]
    assert (sources["cam-1"]["delay_s"], sources["cam-1"]["records"],
            sources["cam-1"]["last_t"]) == (3.0, 1, 1_500_000)
    # it arrived 2.5 s behind the latest time seen (the position at 4 s)
    assert about(sources["cam-1"]["delay_p50_s"], 2.5)
    assert sources["cam-1"]["delay_p99_s"] == sources["cam-1"]["delay_p50_s"]
    assert (sources["tracker"]["delay_s"], sources["shelves"]["delay_s"]) == (2.0, 1.0)
    # a kind's parameter moves its sources' delay unless one was set by name
    e.set_param("SHELVES_DELAY_S", 0.5)
    e.set_param("CAMERAS_DELAY_S", 6)
    assert [(s["name"], s["delay_s"]) for s in e.stats()["sources"]] == [
        ("cam-1", 3.0), ("tracker", 2.0), ("shelves", 0.5)]
    e.source_delay("tracker", 1.5)
    assert e.push({"type": "hand", "shopper": None, "shelf": "SH1", "t0": 11_000_000,
                   "t1": 11_000_000}) is None                  # the default cameras source
    assert [(s["name"], s["delay_s"], s["stale"]) for s in e.stats()["sources"]] == [
        ("cam-1", 3.0, False), ("tracker", 1.5, False), ("shelves", 0.5, False),
        ("cameras", 6.0, False)]
    with pytest.raises(retailfuse.InputError,
                       match=r"^source 'cam-2': a delay of 61 s is outside \[0, 60\]$"):
        e.source_delay("cam-2", 61)
    with pytest.raises(retailfuse.InputError, match=r"a delay of -1 s is outside \[0, 60\]"):
        e.source_delay("cam-1", -1)
    with pytest.raises(retailfuse.InputError, match=r"a delay of nan s is outside"):
        e.source_delay("cam-1", float("nan"))
    with pytest.raises(retailfuse.InputError):
        e.source_delay("", 1)
    assert [s["name"] for s in e.stats()["sources"]] == ["cam-1", "tracker", "shelves",
                                                         "cameras"], "refused: no new source"


def test_a_silent_source_goes_stale_and_comes_back(tiny):
    e = retailfuse.Engine(tiny)
    e.push({"type": "enter", "t": 0, "shopper": "A"})
    e.push({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 900_000, "t1": 1_500_000,
            "x": 0.25})
    e.push({"type": "delta", "shelf": "SH1", "t0": 1_000_000, "t1": 1_400_000,
            "plates": {"P1": -500.2}})
    for s in range(2, 12):          # the tracker goes on; the cameras and shelves say nothing
        e.push({"type": "position", "t": s * 1_000_000, "shopper": "A", "x": 1.0, "y": 1.5})
    stale = lambda: {s["name"]: (s["stale"], s["went_stale"]) for s in e.stats()["sources"]}
    # the shelves, silent since 1.4 s: 9.6 s of the tracker's time is not yet SOURCE_TIMEOUT_S
    assert stale() == {"tracker": (False, 0), "cameras": (False, 0), "shelves": (False, 0)}
    e.push({"type": "position", "t": 11_500_000, "shopper": "A", "x": 1.0, "y": 1.5})
    assert stale() == {"tracker": (False, 0), "cameras": (False, 0), "shelves": (True, 1)}
    # the cameras (1.5 - 5 s) hold it where it was at the first record: 0 - 2 s
    assert e.stats()["clock"] == -2_000_000
    assert e.output() == []
    e.push({"type": "position", "t": 11_600_000, "shopper": "A", "x": 1.0, "y": 1.5})
    assert stale() == {"tracker": (False, 0), "cameras": (True, 1), "shelves": (True, 1)}
    # the tracker's clock alone now: 11.6 - 2 s; the take was decided without the others
    assert e.stats()["clock"] == 9_600_000
    [diff] = e.output()
    assert (diff["shopper"], diff["sku"], diff["t"]) == ("A", "111", 1_400_000 + WAIT_US)
    # the cameras send again: live; one of their records far behind the clock is late
    assert e.push({"type": "hand", "shopper": None, "shelf": "SH1", "t0": 12_500_000,
                   "t1": 13_000_000}) is None
    assert stale() == {"tracker": (False, 0), "cameras": (False, 1), "shelves": (True, 1)}
    assert e.push({"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 2_000_000,
                   "t1": 3_000_000}) == "late"
    assert e.stats()["by_reason"] == reasons(late=1)


def test_duplicates(tiny):
    e = retailfuse.Engine(tiny)
    enter = {"type": "enter", "t": 0, "shopper": "A"}
    assert e.push(enter) is None
    assert e.push(enter) == "duplicate"                 # the same dict pushed twice
    assert e.push(dict(enter)) == "duplicate"           # the same content
    hand = {"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 900_000, "t1": 1_500_000,
            "source": "cam-1", "seq": 7}
    assert e.push(hand) is None
    # the same source and seq at the same time: a copy, whatever else it says
    assert e.push(hand | {"x": 0.3}) == "duplicate"
    assert e.push(hand | {"x": 0.3, "seq": 8}) is None
    # the same number at another time: the source restarted its count, a new record
    assert e.push(hand | {"t0": 2_900_000, "t1": 3_500_000}) is None
    plain = {"type": "hand", "shopper": "A", "shelf": "SH1", "t0": 900_000, "t1": 1_500_000}
    assert e.push(plain) is None
    assert e.push(plain) == "duplicate"
    assert e.push(plain | {"source": "cam-2"}) is None   # another camera saw the same
    assert e.push_hands(["A"], ["SH1"], [900_000], [1_500_000]) == 0
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"]) == (6, 5)
    assert stats["by_reason"] == reasons(duplicate=5)
    assert {s["name"]: s["records"] for s in stats["sources"]} == {
        "tracker": 3, "cam-1": 4, "cameras": 3, "cam-2": 1}


# -- a hand naming a shopper not in the store: used, as an anonymous visit --

# tests/test_engine.c's store: shelf A (front centre at (0, 0)) of plates A1..A4, 0.1 m each,
# with two teas of the same weight; shelf B 6 m away.
STORE = [
    {"type": "product", "sku": "TEA1", "name": "Sweet Tea", "weight_g": 540.67,
     "weight_sd_g": 3.0},
    {"type": "product", "sku": "TEA2", "name": "Green Tea", "weight_g": 540.67,
     "weight_sd_g": 3.0},
    {"type": "product", "sku": "CRISPS", "weight_g": 250.0, "weight_sd_g": 2.0},
    {"type": "product", "sku": "COLA", "weight_g": 330.0, "weight_sd_g": 3.0},
    {"type": "product", "sku": "NUTS", "weight_g": 120.0, "weight_sd_g": 1.5},
    {"type": "shelf", "shelf": "A", "noise_g": 1.5, "pos": [0.0, 0.0],
     "plates": [{"plate": f"A{i + 1}", "x0": i / 10, "x1": (i + 1) / 10} for i in range(4)]},
    {"type": "shelf", "shelf": "B", "noise_g": 1.5, "pos": [6.0, 0.0],
     "plates": [{"plate": f"B{i + 1}", "x0": i / 10, "x1": (i + 1) / 10} for i in range(4)]},
    {"type": "facing", "shelf": "A", "sku": "TEA1", "x0": 0.0, "x1": 0.2, "count": 8},
    {"type": "facing", "shelf": "A", "sku": "TEA2", "x0": 0.2, "x1": 0.4, "count": 8},
    {"type": "facing", "shelf": "B", "sku": "CRISPS", "x0": 0.0, "x1": 0.1, "count": 10},
    {"type": "facing", "shelf": "B", "sku": "COLA", "x0": 0.1, "x1": 0.2, "count": 6},
    {"type": "facing", "shelf": "B", "sku": "NUTS", "x0": 0.2, "x1": 0.3, "count": 12},
]


def stray_run(hand_shopper, hand=True, before=()):
    """S1 stands at shelf A; a hand visit (naming hand_shopper) and a tea leaving A1."""
    e = retailfuse.Engine(retailfuse.Store.from_records(STORE))
    got = [e.push(r) for r in before]
    got.append(e.push({"type": "enter", "t": 0, "shopper": "S1"}))
    got.append(e.push({"type": "position", "t": 500_000, "shopper": "S1", "x": 0.3, "y": 0.6}))
    if hand:
        got.append(e.push({"type": "hand", "shopper": hand_shopper, "shelf": "A",
                           "t0": 900_000, "t1": 1_500_000}))
    got.append(e.push({"type": "delta", "shelf": "A", "t0": 1_000_000, "t1": 1_400_000,
                       "plates": {"A1": -540.5}}))
    e.finish()
    return e, got


def test_stray_hand_used_as_anonymous():
    e, got = stray_run("S7")
    assert got == [None, None, "unknown_shopper", None]
    # the change goes to the shopper standing there
    assert e.output() == [{"type": "diff", "seq": 0, "t": 1_400_000 + WAIT_US, "shopper": "S1",
                           "sku": "TEA1", "qty": 1, "conf": 1, "review": False, "event": 0}]
    assert e.cart("S1") == {"TEA1": 1}
    stats = e.stats()
    assert (stats["taken"], stats["set_aside"], stats["decisions"], stats["diffs"]) == \
        (4, 1, 1, 1)
    assert stats["by_reason"] == reasons(unknown_shopper=1)
    assert {s["name"]: s["records"] for s in stats["sources"]} == \
        {"tracker": 2, "cameras": 1, "shelves": 1}
    with pytest.raises(retailfuse.InputError, match="'S7' is not in the store"):
        e.cart("S7")
    # exactly as an anonymous visit; without any visit the take is less certain
    anonymous, got = stray_run(None)
    assert got == [None] * 4
    nobody, got = stray_run(None, hand=False)
    assert got == [None] * 3
    e, _ = stray_run("S7")
    text, without = e.output_text(), nobody.output_text()
    assert text == anonymous.output_text()
    assert without == text.replace('"conf":1,', '"conf":0.9993,') != text
    # a shopper who has left is not in the store either
    gone, got = stray_run("S2", before=[{"type": "enter", "t": 0, "shopper": "S2"},
                                        {"type": "exit", "t": 100_000, "shopper": "S2"}])
    assert got == [None, None, None, None, "unknown_shopper", None]
    assert gone.output()[0] == {"type": "diff", "seq": 0, "t": 1_400_000 + WAIT_US,
                                "shopper": "S1", "sku": "TEA1", "qty": 1, "conf": 1,
                                "review": False, "event": 0}


def test_stray_hands_counted_as_used_in_batches():
    store = retailfuse.Store.from_records(STORE)
    record = {"type": "hand", "shopper": "S7", "shelf": "A", "t0": 900_000, "t1": 1_500_000}
    enter = {"type": "enter", "t": 0, "shopper": "S1"}
    many = retailfuse.Engine(store)
    assert many.push_many([enter, record]) == 2
    arrays = retailfuse.Engine(store)
    arrays.push(enter)
    assert arrays.push_hands(["S7", "S1", None], ["A", "A", "Q"], np.array([900_000] * 3),
                             np.array([1_500_000, 1_600_000, 1_600_000])) == 2
    for e, taken, by_reason in ((many, 2, reasons(unknown_shopper=1)),
                                (arrays, 3, reasons(unknown_shopper=1, unknown_shelf=1))):
        stats = e.stats()
        assert (stats["taken"], stats["set_aside"], stats["by_reason"]) == \
            (taken, sum(by_reason.values()), by_reason)
