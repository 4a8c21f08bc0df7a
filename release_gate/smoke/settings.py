"""The `smoke:` section of rules.yaml. Pure data: config.py imports it, so no I/O imports here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Placeholder schema until the smoke lands; config.py validates the section against it.
SCHEMA: Mapping[str, Any] = {"type": "object"}
