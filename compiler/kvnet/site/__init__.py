"""The site front end: a kvnet Site file → the model (schema check, defaults, VM-group expansion).

    read_site(doc)        validate and build the model (raises KvnetInputError with every problem)
    validate_site(doc)    the schema problems of a document, worded for people, at their places
    site_schema()         the JSON Schema (schemas/site.schema.json)
    is_site_document(d)   whether loaded data is a kvnet Site
"""

from __future__ import annotations

from kvnet.site.build import read_site
from kvnet.site.schema import is_site_document, site_schema, validate_site

__all__ = ["is_site_document", "read_site", "site_schema", "validate_site"]
