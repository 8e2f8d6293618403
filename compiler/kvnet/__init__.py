"""kvnet: a GitOps compiler and policy linter for VM networking on OpenShift Virtualization / KubeVirt."""

from __future__ import annotations

__version__ = "0.1.0"
