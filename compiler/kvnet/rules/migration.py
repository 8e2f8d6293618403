"""Rules of the migration family (see the failure corpus)."""

from __future__ import annotations
