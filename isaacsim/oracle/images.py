"""Image files as an ImageNet model expects them: decoded, resized, centre-cropped, normalised.

The preprocessing is the one torchvision's ImageNet reference evaluation uses and the one most
pretrained ImageNet classifiers were trained and evaluated with (docs/oracle.md, "Preprocessing"):

1. decode with Pillow and convert to RGB (grey, palette and RGBA images become 3 channels;
   alpha is dropped; EXIF orientation is not applied, as torchvision does not);
2. resize so that the short side is `resize` pixels (bilinear), the long side
   ``int(resize * long / short)`` as torchvision's ``Resize(int)`` computes it;
3. centre crop `size` x `size` (offsets ``round((H - size) / 2)``, ``round((W - size) / 2)``);
4. scale to [0, 1] (divide by 255) and normalise each channel: ``(x - mean[c]) / std[c]``.

The result is float32 in channel-first order, shape (3, size, size); a batch of them is NCHW.
Pillow is an optional dependency (the ``oracle`` extra), imported only when an image is read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from isaacsim.errors import InputError, Problem

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
"""Per-channel mean (R, G, B) of the ImageNet training images in [0, 1] (torchvision)."""
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
"""Per-channel standard deviation (R, G, B) of the ImageNet training images in [0, 1]."""
DEFAULT_RESIZE = 256
"""Short side after resizing: 256, the ImageNet evaluation convention (ratio 224/256 = 0.875)."""
DEFAULT_SIZE = 224
"""Side of the centre crop: 224, the input of VGG, ResNet, MobileNet, EfficientNet-Lite0."""
MAX_SIDE = 16384
"""Largest --resize and --size accepted (a 16384 x 16384 RGB float32 image is 3 GiB)."""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                            ".ppm", ".pgm", ".pbm", ".pnm"})
"""File name endings (any case) that `list_images` takes from a folder."""


def _pil_image() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise InputError(Problem("images", "", "reading image files needs the pillow package: "
                                               "pip install 'isaacsim[oracle]'")) from None
    return Image


def check_preprocessing(resize: int, size: int, mean: Sequence[float],
                        std: Sequence[float]) -> None:
    """Raise `InputError` naming the option (--resize, --size, --mean, --std) that is unusable."""
    problems = []
    for option, value in (("--resize", resize), ("--size", size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                or not 1 <= value <= MAX_SIDE:
            problems.append(Problem(option, "", f"expected a whole number of pixels 1..{MAX_SIDE}, "
                                                f"got {value!r}"))
    if not problems and size > resize:
        problems.append(Problem("--size", "", f"the centre crop ({size}) is larger than the resized "
                                              f"short side (--resize {resize}); give --size at "
                                              f"most --resize, e.g. --resize 256 --size 224"))
    for option, values, positive in (("--mean", mean, False), ("--std", std, True)):
        try:
            floats = [float(v) for v in values]
        except (TypeError, ValueError):
            floats = []
        if len(floats) != 3 or not all(math.isfinite(v) for v in floats) \
                or (positive and not all(v > 0 for v in floats)):
            need = "three positive numbers" if positive else "three finite numbers"
            example = ",".join(map(str, IMAGENET_STD if positive else IMAGENET_MEAN))
            problems.append(Problem(option, "", f"expected {need} for R,G,B, got {values!r}; "
                                                f"e.g. {option} {example}"))
    if problems:
        raise InputError(problems)


def load_image(path: str | os.PathLike, *, resize: int = DEFAULT_RESIZE, size: int = DEFAULT_SIZE,
               mean: Sequence[float] = IMAGENET_MEAN,
               std: Sequence[float] = IMAGENET_STD) -> np.ndarray:
    """The image file `path` preprocessed for an ImageNet model: float32, shape (3, size, size).

    A file that is missing or that Pillow cannot decode raises `InputError` naming the file.
    """
    check_preprocessing(resize, size, mean, std)
    Image = _pil_image()
    source = str(path)
    try:
        with Image.open(path) as img:
            img.load()
            rgb = img.convert("RGB")
    except FileNotFoundError:
        raise InputError(Problem(source, "", "no such image file; give an existing file")) from None
    except Exception as exc:  # Pillow raises UnidentifiedImageError, OSError, ValueError, ...
        raise InputError(Problem(source, "", f"cannot decode the image ({exc}); give a PNG, JPEG "
                                             f"or another format Pillow reads")) from None
    width, height = rgb.size
    if width < 1 or height < 1:
        raise InputError(Problem(source, "", f"the image is {width} x {height} pixels; give a "
                                             f"non-empty image"))
    if width <= height:
        new_w, new_h = resize, int(resize * height / width)
    else:
        new_w, new_h = int(resize * width / height), resize
    if (new_w, new_h) != (width, height):
        rgb = rgb.resize((new_w, new_h), Image.BILINEAR)
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    rgb = rgb.crop((left, top, left + size, top + size))
    pixels = np.asarray(rgb, dtype=np.float32) / np.float32(255.0)          # (size, size, 3)
    m = np.asarray([float(v) for v in mean], dtype=np.float32)
    s = np.asarray([float(v) for v in std], dtype=np.float32)
    normalised = (pixels - m) / s
    return np.ascontiguousarray(normalised.transpose(2, 0, 1), dtype=np.float32)


def _is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def list_images(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The image files named by `paths`: a folder gives its image files (by name ending, see
    `IMAGE_SUFFIXES`; hidden files and subfolders left out) sorted by name; a file is taken as
    given. Order: the arguments' order, each folder's files sorted. A missing path, a folder
    without images, no path at all, or a file named twice raises `InputError`."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files: list[Path] = []
    problems: list[Problem] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted((p for p in path.iterdir() if _is_image_name(p) and p.is_file()),
                           key=lambda p: p.name)
            if not found:
                problems.append(Problem(str(path), "", f"the folder holds no image files (names "
                                                       f"ending in "
                                                       f"{', '.join(sorted(IMAGE_SUFFIXES))}); "
                                                       f"give a folder of images or the files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "", "no such file or folder; give image files or a "
                                                   "folder of images"))
    seen: dict[str, Path] = {}
    for f in files:
        key = os.path.realpath(f)
        if key in seen:
            problems.append(Problem(str(f), "", f"the same image is given twice (also as "
                                                f"'{seen[key]}'); give each image once"))
        else:
            seen[key] = f
    if not problems and not files:
        problems.append(Problem("--images", "", "no images given; give image files or a folder"))
    if problems:
        raise InputError(problems)
    return files
