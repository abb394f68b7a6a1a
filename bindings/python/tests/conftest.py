"""Shared fixtures: small simulated stores, the command line next to the package."""
import os
import pathlib

import pytest

import retailfuse

EVENT_TYPES = ("enter", "exit", "link", "position", "samples", "delta", "hand", "restock",
               "review")


def events(records):
    return [r for r in records if r["type"] in EVENT_TYPES]


def cli_path():
    """build/bin/retailfuse beside build/python/retailfuse/_native*.so (or $RETAILFUSE_CLI)."""
    if os.environ.get("RETAILFUSE_CLI"):
        return pathlib.Path(os.environ["RETAILFUSE_CLI"])
    return pathlib.Path(retailfuse._native.__file__).resolve().parents[2] / "bin" / "retailfuse"


@pytest.fixture(scope="session")
def cli():
    path = cli_path()
    if not path.exists():
        pytest.skip(f"no command line at {path}")
    return str(path)


@pytest.fixture(scope="session")
def easy():
    """(scenario, truth) of preset easy, seed 1: 2 shoppers, deltas."""
    return retailfuse.simulate("easy", 1)


@pytest.fixture(scope="session")
def store(easy):
    return retailfuse.Store.from_records(easy[0])


@pytest.fixture(scope="session")
def small_samples():
    """A small store (3 shelves) with raw plate samples: (scenario, truth)."""
    return retailfuse.simulate("easy", 2, weights="samples", shoppers=3, gondolas=1,
                               shelves_per_gondola=3, duration_s=20)


TINY = [
    {"type": "product", "sku": "111", "name": "Tea", "weight_g": 500.0, "weight_sd_g": 2.0},
    {"type": "product", "sku": "222", "weight_g": 300.0},
    {"type": "shelf", "shelf": "SH1", "noise_g": 1.0, "pos": [1.0, 1.0],
     "plates": [{"plate": "P1", "x0": 0.0, "x1": 0.5}, {"plate": "P2", "x0": 0.5, "x1": 1.0}]},
    {"type": "facing", "shelf": "SH1", "sku": "111", "x0": 0.0, "x1": 0.5, "count": 5},
    {"type": "facing", "shelf": "SH1", "sku": "222", "x0": 0.5, "x1": 1.0},
]


@pytest.fixture(scope="session")
def tiny():
    """Two products on one shelf of two plates: 111 (500 g) on P1, 222 (300 g) on P2."""
    return retailfuse.Store.from_records(TINY)
