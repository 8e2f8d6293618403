"""Rules of the mtu family (see the failure corpus)."""

from __future__ import annotations
