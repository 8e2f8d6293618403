"""Rules of the ip family (see the failure corpus)."""

from __future__ import annotations
