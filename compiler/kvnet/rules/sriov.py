"""Rules of the sriov family (see the failure corpus)."""

from __future__ import annotations
