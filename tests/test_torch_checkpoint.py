"""scripts/_torch_checkpoint.py: PyTorch checkpoints written here byte by byte, without torch, in
both containers torch.save uses (the legacy pickle sequence of the pretrained EfficientNet-Lite0
file, and the zip archive), read back into numpy arrays."""

from __future__ import annotations

import collections
import io
import pickle
import struct
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from _torch_checkpoint import LEGACY_MAGIC, load_checkpoint, load_state_dict  # noqa: E402

from isaacsim.errors import InputError  # noqa: E402

# --- stand-ins for torch's globals, so that pickle writes the references torch.save writes ----

def _rebuild_tensor_v2(*args):  # never called: the reader maps the reference to its own code
    raise AssertionError("stand-in called")


class FloatStorage:
    pass


class LongStorage:
    pass


class DoubleStorage:
    pass


STORAGE_TYPES = {"f4": FloatStorage, "i8": LongStorage, "f8": DoubleStorage}


@pytest.fixture()
def fake_torch(monkeypatch):
    """Modules `torch` and `torch._utils` holding the stand-ins, as pickle needs to name them."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for cls in STORAGE_TYPES.values():
        cls.__module__, cls.__qualname__ = "torch", cls.__name__
        setattr(torch, cls.__name__, cls)
    _rebuild_tensor_v2.__module__ = "torch._utils"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)


class Storage:
    def __init__(self, key: str, values: np.ndarray):
        self.key, self.values = key, values


class Tensor:
    """Pickled as torch pickles a tensor: _rebuild_tensor_v2(storage, offset, size, stride,
    requires_grad, backward_hooks)."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return _rebuild_tensor_v2, self.args


def _pickler(fh, legacy: bool):
    p = pickle.Pickler(fh, protocol=2)

    def persistent_id(obj):
        if isinstance(obj, Storage):
            kind = STORAGE_TYPES[obj.values.dtype.str[1:]]
            fields = ("storage", kind, obj.key, "cpu", obj.values.size)
            return fields + (None,) if legacy else fields
        return None

    p.persistent_id = persistent_id
    return p


def write_legacy(path: Path, obj, storages: list[Storage], little: bool = True) -> None:
    order = "<" if little else ">"
    with open(path, "wb") as fh:
        for header in (LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": little,
                                            "type_sizes": {"short": 2, "int": 4, "long": 4}}):
            pickle.dump(header, fh, protocol=2)
        _pickler(fh, legacy=True).dump(obj)
        pickle.dump([s.key for s in storages], fh, protocol=2)
        for s in storages:
            fh.write(struct.pack("<q", s.values.size))
            fh.write(s.values.astype(s.values.dtype.newbyteorder(order)).tobytes())


def write_zip(path: Path, obj, storages: list[Storage]) -> None:
    buf = io.BytesIO()
    _pickler(buf, legacy=False).dump(obj)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/byteorder", "little")
        for s in storages:
            z.writestr(f"archive/data/{s.key}", s.values.astype("<" + s.values.dtype.str[1:])
                       .tobytes())
        z.writestr("archive/version", "3\n")


def sample():
    """A state dict like a conv layer's: a weight, the transpose of a slice of the same storage
    (strided, with an offset), a bias, a 0-d counter, a float64 vector; and the arrays expected."""
    weights = np.arange(24, dtype=np.float32) * 0.5 - 3.0
    counter = np.array([7], dtype=np.int64)
    doubles = np.array([1e-300, -2.5, np.pi])
    s_w, s_c, s_d = Storage("11", weights), Storage("12", counter), Storage("13", doubles)
    state = collections.OrderedDict([
        ("conv.weight", Tensor(s_w, 0, (2, 3, 2, 2), (12, 4, 2, 1))),
        ("conv.weight_t", Tensor(s_w, 4, (4, 2), (1, 4))),
        ("bn.num_batches_tracked", Tensor(s_c, 0, (), ())),
        ("stats", Tensor(s_d, 1, (2,), (1,))),
    ])
    expected = {
        "conv.weight": weights.reshape(2, 3, 2, 2),
        "conv.weight_t": weights[4:12].reshape(2, 4).T,
        "bn.num_batches_tracked": np.int64(7),
        "stats": doubles[1:],
    }
    return state, [s_w, s_c, s_d], expected


def _check(result, expected):
    assert list(result) == list(expected)
    for name, want in expected.items():
        got = result[name]
        assert got.shape == np.shape(want), name
        assert got.dtype == np.asarray(want).dtype, name
        np.testing.assert_array_equal(got, want)
        assert got.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("writer", ["legacy", "legacy_big_endian", "zip"])
def test_tensors_come_back_with_their_sizes_strides_offsets_and_types(tmp_path, fake_torch,
                                                                      writer):
    state, storages, expected = sample()
    path = tmp_path / "model.pth"
    if writer == "zip":
        write_zip(path, state, storages)
    else:
        write_legacy(path, state, storages, little=writer == "legacy")
    _check(load_state_dict(path), expected)


def test_a_checkpoint_wrapping_the_state_dict_is_unwrapped(tmp_path, fake_torch):
    state, storages, expected = sample()
    path = tmp_path / "wrapped.pth"
    write_legacy(path, {"epoch": 3, "state_dict": state}, storages)
    _check(load_state_dict(path), expected)


class Evil:
    def __reduce__(self):
        import os
        return os.system, ("echo should-not-run",)


def test_globals_outside_a_state_dict_are_refused_not_run(tmp_path, fake_torch):
    path = tmp_path / "evil.pth"
    write_legacy(path, {"x": Evil()}, [])
    with pytest.raises(InputError, match=r"refused: it refers to (posix|nt|os)\.system"):
        load_checkpoint(path)


def test_a_truncated_storage_is_an_input_error(tmp_path, fake_torch):
    state, storages, _ = sample()
    path = tmp_path / "short.pth"
    write_legacy(path, state, storages)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(InputError, match="truncated: storage '13'"):
        load_state_dict(path)


def test_a_tensor_beyond_its_storage_is_an_input_error(tmp_path, fake_torch):
    s = Storage("1", np.zeros(4, np.float32))
    path = tmp_path / "beyond.pth"
    write_zip(path, {"w": Tensor(s, 2, (3,), (1,))}, [s])
    with pytest.raises(InputError, match="reaches beyond its storage of 4 elements"):
        load_state_dict(path)


def test_files_that_are_not_state_dicts_are_input_errors(tmp_path, fake_torch):
    text = tmp_path / "notes.pth"
    text.write_text("hello")
    with pytest.raises(InputError, match="not a PyTorch checkpoint"):
        load_state_dict(text)
    plain = tmp_path / "plain.pth"
    plain.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(InputError, match="not a PyTorch checkpoint"):
        load_state_dict(plain)
    listed = tmp_path / "list.pth"
    write_legacy(listed, [1, 2], [])
    with pytest.raises(InputError, match="holds no state dict"):
        load_state_dict(listed)
    with pytest.raises(InputError, match="cannot read"):
        load_state_dict(tmp_path / "missing.pth")
