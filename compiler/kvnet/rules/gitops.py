"""Rules of the gitops family (see the failure corpus)."""

from __future__ import annotations
