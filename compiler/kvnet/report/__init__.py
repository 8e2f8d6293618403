"""Renderers of findings: text, json, sarif, github."""
