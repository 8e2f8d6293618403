"""Rules of the mac family (see the failure corpus)."""

from __future__ import annotations
