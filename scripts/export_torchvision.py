"""Make the shipped networks that come from torchvision: export each model's structure to ONNX and
import it with `python -m isaacsim import` (development time only).

    pip install torch torchvision onnx      # not isaacsim dependencies
    python scripts/export_torchvision.py [--out workloads/networks] [NAME ...]

Weights are not needed (the models are built with ``weights=None``): only the graph's structure
goes into the network files. Prints, per model, isaacsim's MACs and its parameter identity against
torchvision's ``sum(p.numel())`` (weights + biases + one more per batch-normalised channel, whose
two parameters fold into one bias), the figures tests/test_network_counts.py checks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isaacsim.importer import import_onnx, imported_by_isaacsim  # noqa: E402
from isaacsim.outputs import write_file  # noqa: E402

MODELS = {
    "mobilenet_v2": ("Sandler et al., CVPR 2018, MobileNetV2 1.0 (torchvision mobilenet_v2)", {}),
    "resnet50": ("He et al., CVPR 2016, 50-layer bottleneck ResNet (torchvision resnet50, "
                 "stride on the 3x3 conv)", {}),
    "squeezenet1_1": ("Iandola et al. 2016, SqueezeNet v1.1 (torchvision squeezenet1_1)", {}),
    "efficientnet_b0": ("Tan & Le, ICML 2019, EfficientNet-B0 (torchvision efficientnet_b0; "
                        "squeeze-and-excitation as scale layers, SiLU as the silu activation)", {}),
    "googlenet": ("Szegedy et al., CVPR 2015, GoogLeNet / Inception v1 with batch norm, without "
                  "auxiliary classifiers (torchvision googlenet)",
                  {"aux_logits": False, "init_weights": False}),
}


def export(name: str, folder: Path) -> Path:
    import torch
    import torchvision

    source, options = MODELS[name]
    model = getattr(torchvision.models, name)(weights=None, **options).eval()
    path = folder / f"{name}.onnx"
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(path), dynamo=False,
                      opset_version=13, input_names=["image"], output_names=["logits"])
    params = sum(p.numel() for p in model.parameters())
    bn = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    print(f"{name}: torchvision parameters {params:,}, batch-normalised channels {bn:,}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"models to make (default: all of {', '.join(MODELS)})")
    parser.add_argument("--out", type=Path, default=Path("workloads/networks"))
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]!r}; choose from {', '.join(MODELS)}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names or list(MODELS):
            onnx_path = export(name, Path(tmp))
            imported = import_onnx(str(onnx_path), name=name)
            d = imported.description
            d["source"] = MODELS[name][0] + f"; exported with torch.onnx (opset 13) and {d['source']}"
            d["notes"] = d["notes"].replace(f"from {name}.onnx", f"from torchvision's {name} "
                                                                   f"(scripts/export_torchvision.py)")
            target = args.out / f"{name}.json"
            write_file(target, imported.text(), option="--out", owned=imported_by_isaacsim)
            net = imported.network
            print(f"  -> {target}: {len(net.layers)} layers, {net.macs:,} MACs, {net.weights:,} "
                  f"weights, {net.biases:,} biases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
