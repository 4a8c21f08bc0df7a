"""Python-source analysis the AST rules share: safe parsing (source.py), string folding
(strfold.py), route extraction (routes.py) and module-level state (state.py). Pure: bytes in,
dataclasses out; no rule policy here."""
