"""Importing networks from other tools: today ONNX (`import_onnx`), the exchange format every
framework writes (`python -m isaacsim import MODEL.onnx`, docs/network-format.md "Importing").

The `onnx` package is an optional dependency (``pip install 'isaacsim[onnx]'``); it is imported only
when a model is read.
"""

from isaacsim.importer.onnx_net import Imported, import_onnx, imported_by_isaacsim

__all__ = ["Imported", "import_onnx", "imported_by_isaacsim"]
