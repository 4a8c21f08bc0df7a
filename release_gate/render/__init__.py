"""Renderers: one Evaluation, many views (docs/design.md §4: one Finding feeds every view)."""
