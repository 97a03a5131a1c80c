"""Every network imported from torchvision (scripts/export_torchvision.py) maps, runs 20 images of
its shipped trace, and has its published multiply-accumulates within 1 %, or within the rounding of
a figure published to two digits (EfficientNet-B0's 0.39 B: 385.8 M is 1.07 % below 0.39 B and
inside [0.385, 0.395) B)."""

from __future__ import annotations

import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.network import load_network

PUBLISHED_MACS = {
    # name: (MACs, half a unit of the published figure's last digit, source)
    "mobilenet_v2": (300e6, 0, "Sandler et al., CVPR 2018, Table 3: 300M multiply-adds"),
    "googlenet": (1.5e9, 0, "Szegedy et al., CVPR 2015, section 5: 1.5 billion multiply-adds"),
    "resnet50": (4.09e9, 0, "torchvision's model table: 4.09 GFLOPS (multiply-adds) for resnet50, "
                         "the stride-on-3x3 variant; He et al. give 3.8e9 for stride on the 1x1"),
    "squeezenet1_1": (0.35e9, 0, "torchvision's model table: 0.35 GFLOPS (multiply-adds)"),
    "efficientnet_b0": (0.39e9, 0.005e9, "Tan & Le, ICML 2019, Table 2: 0.39B FLOPS (multiply-adds)"),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_MACS))
def test_imported_network_maps_runs_and_matches_its_published_macs(name, tmp_path):
    macs, rounding, _source = PUBLISHED_MACS[name]
    assert abs(load_network(name).macs - macs) < max(0.01 * macs, rounding)
    assert main(["map", f"{name}_cropped", "--json"]) == 0
    out = tmp_path / "r"
    assert main(["run", f"{name}_cropped", "--images", "20", "--out", str(out),
                 "--progress", "off"]) == 0
    images = pd.read_csv(out / "images.csv")
    assert len(images) == 20 and (images.latency_cycles > 0).all()
    assert (images.baseline_latency_cycles >= images.latency_cycles).all()
