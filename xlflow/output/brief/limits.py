"""How much of a list the brief's e-mail shows; a module of its own so that every part reads it
without importing the brief's model (model.py imports the parts' types)."""
from __future__ import annotations

SECTION_LIMIT = 15  # items per section in the e-mail; the rest are counted and live in the master
