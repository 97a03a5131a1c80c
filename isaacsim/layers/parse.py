"""`LayerParser`: what a layer kind's `parse` uses to read its keys from one layer's JSON object.

Every reader records a problem at the key's JSON path (``$.layers[3].stride``) and returns ``None``
for a bad or missing value, so that one load reports every problem of the file together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from isaacsim.network.model import ACTIVATIONS, IMAGE
from isaacsim.validate import MISSING, Bound, Checker, describe, did_you_mean, join


class LayerParser:
    """Reads the keys of one layer object `raw` at JSON path `path` (layer number `index`)."""

    def __init__(self, chk: Checker, raw: Mapping, path: str, index: int,
                 first_index: dict[str, int]):
        self.chk, self.raw, self.path, self.index = chk, raw, path, index
        self._first_index = first_index

    def add(self, key: str, message: str) -> None:
        """Record a problem about `key` (``""``: the layer as a whole)."""
        self.chk.add(join(self.path, key) if key else self.path, message)

    def bounded(self, key: str, bound: Bound, default: Any = MISSING) -> Any:
        """A number within `bound` (`default` when absent; required without one)."""
        return self.chk.bounded(self.raw, key, self.path, bound, default=default)

    def boolean(self, key: str, default: Any = MISSING) -> bool | None:
        """``true`` or ``false`` (`default` when absent; required without one)."""
        return self.chk.boolean(self.raw, key, self.path, default=default)

    def choice(self, key: str, choices: Iterable[str], default: Any = MISSING) -> str | None:
        return self.chk.choice(self.raw, key, self.path, choices, default=default)

    def activation(self) -> str | None:
        """The required ``activation`` key (one of `ACTIVATIONS`)."""
        return self.choice("activation", ACTIVATIONS)

    def pair(self, key: str, bound: Bound, default: Any = None) -> tuple[int, int] | None:
        """An int or a two-element ``[height, width]`` list of ints within `bound`; `default` (an
        int or an already validated pair) when absent, required when `default` is ``None``."""
        value = self.raw.get(key, default)
        where = join(self.path, key)
        if value is None:
            self.chk.add(where, "missing required key (expected an integer or [height, width])")
            return None
        if isinstance(value, tuple):  # an already validated default
            return value
        items = value if isinstance(value, list) else [value, value]
        if len(items) != 2 or any(bound.problem(v) for v in items):
            self.chk.add(where, f"expected an integer{bound.range_text} or a list [height, width] "
                                f"of them, got {describe(value)}")
            return None
        return (items[0], items[1])

    def reference(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        """A reference to an earlier layer (or the image) in ``raw[key]``, checked; `default` when
        the key is absent (``None`` when unknown)."""
        if key not in self.raw:
            if required:
                self.add(key, "missing required key (expected the name of an earlier layer)")
            return default
        return self._resolve(self.raw[key], join(self.path, key))

    def references(self, key: str, bound: Bound) -> tuple[str, ...] | None:
        """The required ``raw[key]``: a non-empty list of references to earlier layers (or the
        image), at most ``bound.limit`` long, each checked as `reference` at ``key[i]`` (every bad
        name is reported); ``None`` when the list or any name in it is bad. Names may repeat."""
        where = join(self.path, key)
        if key not in self.raw:
            self.add(key, "missing required key (expected a list of names of earlier layers)")
            return None
        value = self.raw[key]
        if not isinstance(value, list) or not value:
            self.chk.add(where, f"expected a non-empty list of names of earlier layers, got "
                                f"{describe(value)}")
            return None
        if len(value) > bound.limit:
            self.chk.add(where, f"a list of {len(value):,} names, more than the "
                                f"{bound.limit:,} accepted ({bound.reason})")
            return None
        refs = [self._resolve(ref, join(where, i)) for i, ref in enumerate(value)]
        return None if any(ref is None for ref in refs) else tuple(r for r in refs if r is not None)

    def _resolve(self, ref: Any, where: str) -> str | None:
        """`ref` checked as the name of an earlier layer or the image; problems at `where`."""
        if not isinstance(ref, str):
            self.chk.add(where, f"expected a string, got {describe(ref)}")
            return None
        if ref == IMAGE:
            return ref
        first = self._first_index
        if ref not in first:
            self.chk.add(where, f"unknown layer '{ref}'{did_you_mean(ref, list(first) + [IMAGE])}; "
                                f"name an earlier layer or '{IMAGE}' for the input image")
            return None
        if first[ref] >= self.index:
            what = "itself" if first[ref] == self.index else \
                f"'{ref}', which comes later ($.layers[{first[ref]}])"
            self.chk.add(where, f"refers to {what}; a layer can only use the output of an earlier "
                                f"layer")
            return None
        return ref
