"""Which engine runs the hot kernels: NumPy, or numba when it is installed.

``pip install malivote[fast]`` adds numba; the kernels in
:mod:`malivote.rules._numba` are then used automatically. They compute only the
deterministic parts of a rule (totals, leading lists, a divisor allocation); every
tie is still broken by the shared NumPy code with the same ``rng`` calls, so both
backends give identical results.

The environment variable ``MALIVOTE_BACKEND`` chooses: ``numpy`` forces the NumPy
path, ``numba`` (or unset) uses numba when it can be imported. It is read at each
call, so a test can change it; :func:`use_backend` sets it for a block. numba is
imported only when the backend is ``numba``, so ``import malivote`` stays NumPy-only.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os

__all__ = ["BACKENDS", "backend", "numba_available", "use_backend"]

#: The values ``MALIVOTE_BACKEND`` accepts.
BACKENDS = ("numpy", "numba")

_ENV = "MALIVOTE_BACKEND"
_numba_found: bool | None = None


def numba_available() -> bool:
    """True when numba is installed (found without importing it)."""
    global _numba_found
    if _numba_found is None:
        _numba_found = importlib.util.find_spec("numba") is not None
    return _numba_found


def backend() -> str:
    """The backend in force: ``"numba"`` or ``"numpy"``.

    ``"numba"`` when numba is installed and ``MALIVOTE_BACKEND`` is unset, empty or
    ``"numba"``; ``"numpy"`` when ``MALIVOTE_BACKEND=numpy`` or numba is missing.

    Raises
    ------
    ValueError
        When ``MALIVOTE_BACKEND`` holds another value.
    """
    value = os.environ.get(_ENV, "").strip().lower()
    if value not in ("",) + BACKENDS:
        raise ValueError(
            f"{_ENV}: unknown backend {os.environ[_ENV]!r}; expected one of "
            + ", ".join(repr(name) for name in BACKENDS)
            + " (or unset)"
        )
    if value == "numpy" or not numba_available():
        return "numpy"
    return "numba"


@contextlib.contextmanager
def use_backend(name: str):
    """Set ``MALIVOTE_BACKEND`` to ``name`` inside a ``with`` block (for tests).

    ``use_backend("numba")`` still falls back to NumPy where numba is missing; check
    :func:`numba_available` first.
    """
    if name not in BACKENDS:
        raise ValueError(
            f"name: unknown backend {name!r}; expected one of "
            + ", ".join(repr(choice) for choice in BACKENDS)
        )
    previous = os.environ.get(_ENV)
    os.environ[_ENV] = name
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_ENV, None)
        else:
            os.environ[_ENV] = previous
