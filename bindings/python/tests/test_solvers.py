"""linear_sum_assignment, kbest and marginals against scipy and brute force."""
import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment as scipy_lsa

import retailfuse

# scipy's words, or the C library's naming the entry
NAN_MESSAGE = r"invalid numeric entries|cost\[\d+\]\[\d+\] is NaN"


def random_matrix(rng, rows, cols, kind):
    if kind == "int":
        return rng.integers(0, 10, size=(rows, cols))
    if kind == "negint":
        return rng.integers(-50, 50, size=(rows, cols)).astype(np.int32)
    return rng.normal(size=(rows, cols)) * 100


def forbid(rng, a, value, share):
    a = a.astype(np.float64)
    a[rng.random(a.shape) < share] = value
    return a


def solve_both(a, maximize=False):
    """(ours, scipy's): each (rows, cols) or the exception raised."""
    out = []
    for f in (retailfuse.linear_sum_assignment, scipy_lsa):
        try:
            out.append(f(a, maximize=maximize))
        except ValueError as e:
            out.append(e)
    return out


def total(a, rows, cols):
    return float(np.asarray(a, dtype=np.float64)[rows, cols].sum())


def all_assignments(a):
    """Every complete assignment of the smaller side: [(total, rows, cols)], forbidden skipped."""
    a = np.asarray(a, dtype=np.float64)
    r, c = a.shape
    out = []
    if r <= c:
        for perm in itertools.permutations(range(c), r):
            rows, cols = np.arange(r), np.array(perm, dtype=np.intp)
            out.append((total(a, rows, cols), rows, cols))
    else:
        for perm in itertools.permutations(range(r), c):
            order = np.argsort(perm)
            rows, cols = np.array(perm, dtype=np.intp)[order], np.arange(c)[order]
            out.append((total(a, rows, cols), rows, cols))
    return [x for x in out if math.isfinite(x[0])]


def check_against_scipy(a, maximize=False, unique=False):
    ours, theirs = solve_both(a, maximize)
    if isinstance(theirs, ValueError):
        assert isinstance(ours, retailfuse.InputError), (a, ours)
        assert isinstance(ours, retailfuse.Error)
        return False
    assert not isinstance(ours, Exception), (a, ours)
    rows, cols = ours
    assert rows.dtype == theirs[0].dtype and cols.dtype == theirs[1].dtype
    assert len(rows) == min(np.shape(a)) == len(cols)
    assert np.all(np.diff(rows) > 0), "rows in increasing order"
    assert len(set(cols.tolist())) == len(cols), "each column at most once"
    ours_total, their_total = total(a, rows, cols), total(a, *theirs)
    assert math.isfinite(ours_total)
    assert ours_total == pytest.approx(their_total, rel=1e-9, abs=1e-9)
    if unique:
        np.testing.assert_array_equal(rows, theirs[0])
        np.testing.assert_array_equal(cols, theirs[1])
    return True


SHAPES = [(1, 1), (2, 2), (3, 3), (5, 5), (8, 8), (12, 12), (2, 5), (3, 9), (1, 7), (7, 12),
          (5, 2), (9, 3), (7, 1), (12, 7)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lsa_matches_scipy_on_random_matrices(shape):
    rng = np.random.default_rng(hash(shape) % 2**32)
    solved = 0
    for trial in range(40):
        kind = ("float", "int", "negint")[trial % 3]
        a = random_matrix(rng, *shape, kind)
        maximize = trial % 2 == 1
        # continuous random costs have a unique optimum almost surely
        solved += check_against_scipy(a, maximize, unique=(kind == "float"))
    assert solved == 40


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lsa_forbidden_pairs_match_scipy(shape):
    rng = np.random.default_rng(1000 + hash(shape) % 2**32)
    feasible = infeasible = 0
    for trial in range(30):
        share = (0.1, 0.4, 0.7)[trial % 3]
        maximize = trial % 2 == 1
        a = forbid(rng, random_matrix(rng, *shape, ("float", "int")[trial % 2]),
                   -np.inf if maximize else np.inf, share)
        if check_against_scipy(a, maximize, unique=(trial % 2 == 0)):
            feasible += 1
        else:
            infeasible += 1
    assert feasible > 0
    if shape == (12, 12):
        assert infeasible > 0, "some matrices are infeasible at 70% forbidden"


def test_lsa_infeasible_raises_value_error_in_both():
    for a, maximize in [([[np.inf, np.inf], [1, 2]], False), ([[1, np.inf], [2, np.inf]], False),
                        ([[-np.inf, -np.inf], [2, 3]], True),
                        (np.full((3, 4), np.inf), False)]:
        ours, theirs = solve_both(np.array(a, dtype=float), maximize)
        assert isinstance(theirs, ValueError)
        assert isinstance(ours, retailfuse.InputError) and isinstance(ours, ValueError)
        assert "no complete matching" in str(ours)


def test_lsa_nan_and_wrong_infinity_are_value_errors_in_both():
    for a, maximize in [([[1, np.nan], [2, 3]], False), ([[1, np.nan], [2, 3]], True),
                        ([[1, -np.inf], [2, 3]], False), ([[1, np.inf], [2, 3]], True)]:
        ours, theirs = solve_both(np.array(a), maximize)
        assert isinstance(theirs, ValueError)
        assert isinstance(ours, retailfuse.InputError)
    with pytest.raises(retailfuse.InputError, match=NAN_MESSAGE):
        retailfuse.linear_sum_assignment([[1, np.nan]])
    with pytest.raises(retailfuse.InputError, match=r"cost\[0\]\[1\] is -inf"):
        retailfuse.linear_sum_assignment([[1, -np.inf], [2, 3]])
    with pytest.raises(retailfuse.InputError, match=r"cost\[1\]\[0\] is \+inf"):
        retailfuse.linear_sum_assignment([[1, 2], [np.inf, 3]], maximize=True)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)])
def test_lsa_empty(shape):
    for f in (retailfuse.linear_sum_assignment, scipy_lsa):
        rows, cols = f(np.zeros(shape))
        assert rows.shape == cols.shape == (0,)
        assert rows.dtype == np.intp


def test_lsa_known_answers_and_input_kinds():
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    rows, cols = retailfuse.linear_sum_assignment(cost)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2]
    rows, cols = retailfuse.linear_sum_assignment(cost, maximize=True)
    assert total(cost, rows, cols) == 11
    # tall: the unassigned rows are left out
    rows, cols = retailfuse.linear_sum_assignment(np.array([[5.0], [1.0], [3.0]]))
    assert rows.tolist() == [1] and cols.tolist() == [0]
    # booleans, lists, Fortran order, non-contiguous views, float32
    rows, cols = retailfuse.linear_sum_assignment([[True, False], [False, True]])
    assert cols.tolist() == [1, 0]
    a = np.asfortranarray(np.array(cost, dtype=np.float32))
    assert retailfuse.linear_sum_assignment(a)[1].tolist() == [1, 0, 2]
    big = np.arange(36, dtype=float).reshape(6, 6) % 7
    view = big[::2, ::2]
    assert total(view, *retailfuse.linear_sum_assignment(view)) == \
        total(view, *scipy_lsa(view))


def test_lsa_bad_arrays():
    for bad, pattern in [([1.0, 2.0], r"\(2-D array\), got a 1-D array"),
                         (np.zeros((2, 2, 2)), "3-D"), (5.0, "0-D"), ([[1j, 2]], "complex"),
                         ([["a", "b"]], "numeric"),
                         (np.array([[None]], dtype=object), "numeric")]:
        with pytest.raises(retailfuse.InputError, match=pattern) as info:
            retailfuse.linear_sum_assignment(bad)
        assert isinstance(info.value, ValueError) and isinstance(info.value, retailfuse.Error)
        with pytest.raises(retailfuse.InputError, match=pattern):
            retailfuse.kbest(bad, 2)


# -- kbest --

@pytest.mark.parametrize("maximize", [False, True])
def test_kbest_first_is_optimal_and_totals_are_ordered(maximize):
    rng = np.random.default_rng(7 + maximize)
    for trial in range(60):
        shape = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        a = random_matrix(rng, *shape, ("float", "int")[trial % 2])
        if trial % 3 == 0:
            a = forbid(rng, a, -np.inf if maximize else np.inf, 0.2)
        try:
            rows, cols = scipy_lsa(a, maximize=maximize)
        except ValueError:
            with pytest.raises(retailfuse.InputError):
                retailfuse.kbest(a, 5, maximize=maximize)
            continue
        best = retailfuse.kbest(a, 10, maximize=maximize)
        assert 1 <= len(best) <= 10
        assert best[0][0] == pytest.approx(total(a, rows, cols), abs=1e-9)
        totals = [t for t, _, _ in best]
        steps = np.diff(totals)
        assert np.all(steps <= 1e-9) if maximize else np.all(steps >= -1e-9)
        for t, r, c in best:
            assert t == pytest.approx(total(a, r, c), abs=1e-9)
        assert len({(tuple(r), tuple(c)) for _, r, c in best}) == len(best)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 3), (4, 4), (2, 4), (4, 2), (3, 5), (5, 3)])
@pytest.mark.parametrize("maximize", [False, True])
def test_kbest_matches_brute_force(shape, maximize):
    rng = np.random.default_rng(31 * shape[0] + shape[1] + 100 * maximize)
    for trial in range(8):
        a = random_matrix(rng, *shape, ("float", "int")[trial % 2])
        if trial >= 4:
            a = forbid(rng, a, -np.inf if maximize else np.inf, 0.25)
        brute = sorted(all_assignments(a), key=lambda x: -x[0] if maximize else x[0])
        k = 1 + trial * 3
        if not brute:
            with pytest.raises(retailfuse.InputError):
                retailfuse.kbest(a, k, maximize=maximize)
            continue
        got = retailfuse.kbest(a, k, maximize=maximize)
        assert len(got) == min(k, len(brute))
        np.testing.assert_allclose([t for t, _, _ in got], [t for t, _, _ in brute[:len(got)]],
                                   atol=1e-9)
        # every solution is a real assignment of the matrix
        valid = {(tuple(r), tuple(c)) for _, r, c in brute}
        for _, r, c in got:
            assert (tuple(r.tolist()), tuple(c.tolist())) in valid
    # asking for more than exist gives them all (and a huge k is no problem)
    a = random_matrix(rng, *shape, "float")
    assert len(retailfuse.kbest(a, 10**15, maximize=maximize)) == len(all_assignments(a))


def test_kbest_edges():
    assert retailfuse.kbest([[1, 2], [3, 4]], 0) == []
    with pytest.raises(retailfuse.InputError, match="k must not be negative"):
        retailfuse.kbest([[1, 2], [3, 4]], -1)
    with pytest.raises(retailfuse.InputError, match=NAN_MESSAGE):
        retailfuse.kbest([[1, np.nan]], 2)
    for shape in [(0, 0), (0, 3), (3, 0)]:
        [(t, r, c)] = retailfuse.kbest(np.zeros(shape), 3)
        assert t == 0.0 and r.size == 0 and c.size == 0
    with pytest.raises(retailfuse.OutOfMemoryError) as info:
        retailfuse.kbest(np.ones((30, 30)), 2**62)
    assert isinstance(info.value, MemoryError) and isinstance(info.value, retailfuse.Error)
    # a tall matrix: rows without a column are left out, as in linear_sum_assignment
    got = retailfuse.kbest([[1.0], [0.0], [2.0]], 3)
    assert [(t, r.tolist(), c.tolist()) for t, r, c in got] == \
        [(0.0, [1], [0]), (1.0, [0], [0]), (2.0, [2], [0])]


# -- marginals --

def brute_marginals(like, like_none):
    """Enumerates every joint assignment: each row takes one column or none, each column at most
    one row; weight = product of like over taken pairs times like_none over rows taking none."""
    like = np.asarray(like, dtype=float)
    rows, cols = like.shape
    prob, prob_none, z = np.zeros((rows, cols)), np.zeros(rows), 0.0
    for choice in itertools.product(range(-1, cols), repeat=rows):
        taken = [c for c in choice if c >= 0]
        if len(taken) != len(set(taken)):
            continue
        w = math.prod(like[i, c] if c >= 0 else like_none[i] for i, c in enumerate(choice))
        z += w
        for i, c in enumerate(choice):
            if c >= 0:
                prob[i, c] += w
            else:
                prob_none[i] += w
    return prob / z, prob_none / z


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (2, 2), (3, 3), (4, 4), (2, 5), (5, 2), (4, 3)])
def test_marginals_match_brute_force(shape):
    rng = np.random.default_rng(sum(shape) * 17 + shape[0])
    for trial in range(6):
        like = rng.random(shape) * (10.0 if trial % 2 else 1.0)
        like[rng.random(shape) < 0.2] = 0.0
        like_none = rng.random(shape[0]) * 0.5 + 0.01
        want, want_none = brute_marginals(like, like_none)
        for method in ("auto", "exact"):
            prob, prob_none = retailfuse.marginals(like, like_none, method=method)
            assert prob.shape == shape and prob_none.shape == (shape[0],)
            np.testing.assert_allclose(prob, want, atol=1e-9)
            np.testing.assert_allclose(prob_none, want_none, atol=1e-9)
            np.testing.assert_allclose(prob.sum(axis=1) + prob_none, 1.0, atol=1e-12)
        # belief propagation: approximate, but still distributions, near the exact answer
        prob, prob_none = retailfuse.marginals(like, like_none, method="bp")
        np.testing.assert_allclose(prob.sum(axis=1) + prob_none, 1.0, atol=1e-9)
        assert np.all(prob >= 0) and np.all(prob_none >= 0)
        assert np.abs(prob - want).max() < 0.1


def test_marginals_large_problem_rows_sum_to_one():
    rng = np.random.default_rng(5)
    like, like_none = rng.random((40, 30)), rng.random(40)
    prob, prob_none = retailfuse.marginals(like, like_none)
    np.testing.assert_allclose(prob.sum(axis=1) + prob_none, 1.0, atol=1e-9)
    assert np.all(prob.sum(axis=0) <= 1 + 1e-9), "a column is taken at most once"


def test_marginals_known_answer_and_edges():
    prob, prob_none = retailfuse.marginals([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])
    # Z = 1 + 2 + 3 + 4 + 1*4 + 2*3 = 21 (both none, one taken, both taken)
    np.testing.assert_allclose(prob, [[5 / 21, 8 / 21], [9 / 21, 8 / 21]])
    np.testing.assert_allclose(prob_none, [8 / 21, 4 / 21])
    prob, prob_none = retailfuse.marginals([[0.0, 0.0]], [1.0])
    assert prob.tolist() == [[0.0, 0.0]] and prob_none.tolist() == [1.0]
    prob, prob_none = retailfuse.marginals(np.zeros((0, 2)), [])
    assert prob.shape == (0, 2) and prob_none.shape == (0,)


def test_marginals_errors():
    cases = [
        (([[1, np.nan], [3, 4]], [1, 1]), r"like\[0\]\[1\] is nan"),
        (([[1, -1], [3, 4]], [1, 1]), r"like\[0\]\[1\] is -1"),
        (([[1, np.inf]], [1]), r"like\[0\]\[1\] is inf"),
        (([[1, 2]], [np.nan]), r"like_none\[0\] is nan"),
        (([[1, 2]], [-1]), r"like_none\[0\] is -1"),
        (([[0, 0], [1, 1]], [0, 1]), "row 0 has likelihood 0 for every option"),
        (([[1, 2], [3, 4]], [1, 1, 1]), "one entry per row"),
        (([1, 2], [1, 1]), r"\(2-D array\), got a 1-D array"),
        (([[1, 2j]], [1]), "complex"),
    ]
    for (like, like_none), pattern in cases:
        with pytest.raises(retailfuse.InputError, match=pattern) as info:
            retailfuse.marginals(like, like_none)
        assert isinstance(info.value, ValueError)
    with pytest.raises(retailfuse.InputError, match="method must be 'auto', 'exact' or 'bp'"):
        retailfuse.marginals([[1.0]], [1.0], method="hungarian")
