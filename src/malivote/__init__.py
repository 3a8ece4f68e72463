"""malivote: a vectorised simulator of Mali's National Assembly elections.

The seat rules live in :mod:`malivote.rules`: pure array functions, batched over
any leading axes (simulated draws).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("malivote")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
