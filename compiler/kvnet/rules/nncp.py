"""Rules of the nncp family (see the failure corpus)."""

from __future__ import annotations
