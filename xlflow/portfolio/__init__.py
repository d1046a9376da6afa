"""The portfolio: a PMO's view over many workspaces, each read strictly read-only (docs/portfolio.md)."""
