"""Rules of the kubevirt family (see the failure corpus)."""

from __future__ import annotations
