"""Rules of the metallb family (see the failure corpus)."""

from __future__ import annotations
