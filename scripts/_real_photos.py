"""Real photographs that ship inside scikit-image's wheel, ImageNet class names, and top-5
classification of the photos with an ONNX model (onnxruntime): the check that a converted model
is right, not only loadable (docs/real-model.md).

The photos are read with ``skimage.data.<name>()``, which loads them from the installed package
(no download; the wheel holds ``chelsea.png``, ``coffee.png``, ``rocket.jpg``, ``camera.png`` and
``astronaut.png``). `write_photos` saves them as PNG files so that they go through the same
preprocessing as any image file (`isaacsim.oracle.images.load_image`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from isaacsim.errors import InputError, Problem

CLASS_NAMES_FILE = Path(__file__).resolve().parent / "imagenet_classes.txt"


@dataclass(frozen=True)
class Photo:
    name: str
    """The ``skimage.data`` function and the PNG file's stem."""
    subject: str
    source: str
    """Photographer and licence, as scikit-image's docstring states them."""
    expected: tuple[int, ...]
    """ImageNet classes a right top-1 answer is one of (empty: no class fits the subject)."""


PHOTOS = (
    Photo("chelsea", "Chelsea the cat (a tabby)", "Stefan van der Walt, CC0",
          (281, 282, 285)),                # tabby, tiger cat, Egyptian cat
    Photo("coffee", "a cup of coffee on a saucer", "Rachel Michetti (Pikolo Espresso Bar), CC0",
          (967, 968, 504)),                # espresso, cup, coffee mug
    Photo("rocket", "Falcon 9 lifting off with DSCOVR", "SpaceX, public domain",
          (657, 744, 812)),                # missile, projectile, space shuttle
    Photo("camera", "a photographer with a camera on a tripod (grey)", "Lav Varshney, CC0",
          (872, 759)),                     # tripod, reflex camera
    Photo("astronaut", "portrait of astronaut Eileen Collins", "NASA, public domain", ()),
)
"""The photos classified; `astronaut` has no ImageNet class and is shown, not checked."""


def class_names() -> list[str]:
    """The 1,000 ImageNet class names in output order (`CLASS_NAMES_FILE`, comments skipped)."""
    lines = CLASS_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    names = [line for line in lines if line and not line.startswith("#")]
    if len(names) != 1000:
        raise InputError(Problem(str(CLASS_NAMES_FILE), "", f"holds {len(names)} class names, "
                                                            f"expected 1000"))
    return names


def _skimage_data() -> Any:
    try:
        import skimage.data
    except ImportError:
        raise InputError(Problem("photos", "", "the photos come from scikit-image: "
                                               "pip install 'isaacsim[real]'")) from None
    return skimage.data


def _pil_image() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise InputError(Problem("photos", "", "writing the photos needs pillow: "
                                               "pip install 'isaacsim[real]'")) from None
    return Image


def write_photos(folder: str | Path, photos: tuple[Photo, ...] = PHOTOS) -> dict[str, Path]:
    """Save each photo as ``<folder>/<name>.png`` (RGB; the grey `camera` as three equal
    channels); returns name -> file."""
    data, Image = _skimage_data(), _pil_image()
    folder = Path(folder)
    files = {}
    for photo in photos:
        pixels = np.asarray(getattr(data, photo.name)())
        path = folder / f"{photo.name}.png"
        Image.fromarray(pixels).convert("RGB").save(path)
        files[photo.name] = path
    return files


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise InputError(Problem("onnxruntime", "", "running the model needs onnxruntime: "
                                                    "pip install 'isaacsim[real]'")) from None
    return onnxruntime


def top5(model: str | Path, images: dict[str, np.ndarray]) -> dict[str, list[tuple[int, float]]]:
    """Per image (preprocessed, shape (3, H, W)): the five most probable classes and their
    softmax probabilities, from the ONNX `model`'s single output of logits."""
    ort = _onnxruntime()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    result = {}
    for key, image in images.items():
        logits = session.run(None, {name: image[None].astype(np.float32)})[0][0].astype(np.float64)
        prob = np.exp(logits - logits.max())
        prob /= prob.sum()
        order = np.argsort(-logits, kind="stable")[:5]
        result[key] = [(int(i), float(prob[i])) for i in order]
    return result
