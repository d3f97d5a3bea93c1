"""Weight files in the formats PyTorch users share, read and written with NumPy only.

* `safetensors` — the ``.safetensors`` format (a JSON header, then raw little-endian
  bytes): `save_file`, `load_file`, `read_metadata`.
* `pth` — the zip archive that ``torch.save`` writes (``.pt``/``.pth``): `load` through a
  restricted unpickler that rebuilds tensors, storages and ordered dicts only (what
  ``torch.load(weights_only=True)`` accepts) and refuses every other global, and `save`,
  which writes a file ``torch.load(path, weights_only=True)`` reads.

``xa.save``/``xa.load`` dispatch here by file extension. Nothing in this package imports
torch: tensors come back as xarxa Tensors.
"""
