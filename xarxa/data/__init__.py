"""Data loading for xarxa: datasets as arrays (``xarxa.data.datasets``) and, on top
of them, ``Dataset`` / ``DataLoader``. Imports NumPy and the standard library only."""
