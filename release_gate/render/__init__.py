"""Renderers: one Evaluation, many views (STYLE.md 3: one Finding type feeds every renderer)."""
