"""psotrial: the open data system of the NCT03745417 psoriasis UC-MSC trial."""

__version__ = "0.1.0"

__all__ = ["__version__"]
