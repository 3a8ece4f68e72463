"""Run the same call under each backend: the NumPy code (the reference), then numba."""

from malivote.rules._backend import backend, use_backend


def on_both_backends(function, *args, **kwargs):
    """``function(*args, **kwargs)`` under the NumPy backend, then the numba one (with
    the same arguments: pass a seed, not a generator, where it draws)."""
    results = []
    for name in ("numpy", "numba"):
        with use_backend(name):
            assert backend() == name
            results.append(function(*args, **kwargs))
    return results
