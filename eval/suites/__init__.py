"""One evaluation suite per feature; each judges the system through its public API and returns plain,
JSON-safe figures (per split and per system) plus a list of failures a developer can act on."""
