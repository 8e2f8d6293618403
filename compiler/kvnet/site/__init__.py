"""The site front end: a kvnet Site file → the model (schema check, defaults, VM-group expansion)."""
