"""Rules of the refs family (see the failure corpus)."""

from __future__ import annotations
