"""Rules of the vlan family (see the failure corpus)."""

from __future__ import annotations
