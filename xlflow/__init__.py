"""xlflow: cross-department projects on plain Excel files."""
__version__ = "0.1.0"
