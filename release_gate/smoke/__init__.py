"""The signup E2E smoke (docs/design.md §5)."""
