"""Layer kinds: one module per kind, and the registry the rest of isaacsim asks.

Public API::

    LayerKind                   # base class: parse, infer, map, lower, count, run (see base.py)
    register(kind)              # add a kind (a plug-in or a test); unregister(name) removes it
    get_kind(name), kind_of(layer), kind_names()
    LayerParser                 # what a kind's parse() reads its JSON keys with

Built-in kinds: conv, fc, maxpool, avgpool, globalavgpool, add, concat
(docs/network-format.md).
"""

from isaacsim.layers import add, concat, conv, fc, pool, scale
from isaacsim.layers.base import LayerKind
from isaacsim.layers.parse import LayerParser
from isaacsim.layers.registry import get_kind, kind_names, kind_of, register, unregister

for _kind in (conv.KIND, pool.MAX, pool.AVG, fc.KIND, add.KIND, pool.GLOBAL_AVG, concat.KIND,
              scale.KIND):
    register(_kind)

__all__ = ["LayerKind", "LayerParser", "get_kind", "kind_names", "kind_of", "register",
           "unregister"]
