"""Rules: one module per family; the catalogue lists them."""
