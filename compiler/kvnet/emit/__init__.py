"""Emitters: the model → Kubernetes manifests, one module per kind; bundle.py orders and writes them."""
