"""Performance helpers shared by the pipeline (see benchmarks/README.md for the figures behind them)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of the block (nesting is fine).

    Checking and compiling build millions of small objects (positioned YAML values, spans, model objects)
    that hold no reference cycles and stay alive until the end. The collector would traverse them again and
    again as they pile up — half the time of a 10k-VM check — while finding nothing to free. Reference
    counting still frees everything as usual; cycles made inside the block are collected
    after it, by the collector's full passes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                # Re-enabled as is, the collector's next pass would traverse every object made in the block
                # (they are all still "young": about 0.8 s after a 10k-VM check). Freezing and at once
                # unfreezing moves them all, in constant time, to the oldest generation: still collected
                # (cycles too) by full passes, no longer by the frequent young ones. Skipped when something
                # is frozen on purpose, which unfreezing would undo.
                gc.freeze()
                gc.unfreeze()
            gc.enable()
