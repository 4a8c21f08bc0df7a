"""The signup E2E smoke (DESIGN.md §5)."""
