"""`traces predict` and `traces compare`: traces that validate and run, accuracy figures checked
by hand, exit code 2 on bad input."""

import numpy as np
import pandas as pd
import pytest

from isaacsim.cli import main
from isaacsim.crop import crop_summary, parse_vector
from isaacsim.network import load_network
from isaacsim.predictor.compare import skipped_macs
from isaacsim.traces import load_trace

Image = pytest.importorskip("PIL.Image")


def run(capsys, *argv):
    code = main(["traces", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def save(path, rows=(40, 200), cols=(40, 200), seed=0):
    """A 256 x 256 photo-like PNG: noise inside rows x cols, grey elsewhere."""
    rng = np.random.default_rng(seed)
    a = np.full((256, 256, 3), 128, np.uint8)
    a[rows[0]:rows[1], cols[0]:cols[1]] = rng.integers(0, 256, (rows[1] - rows[0],
                                                                cols[1] - cols[0], 3))
    Image.fromarray(a).save(path)


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    save(folder / "centre.png", (70, 186), (70, 186))       # inside every band's complement
    save(folder / "top.png", (0, 186), (70, 186), seed=1)   # reaches the top edge
    save(folder / "full.png", (0, 256), (0, 256), seed=2)   # texture everywhere
    return folder


def test_predict_writes_a_trace_that_validates_and_runs(tmp_path, images, capsys):
    out = tmp_path / "pred.csv"
    code, text, err = run(capsys, "predict", "--images", str(images), "--threshold", "0.5",
                          "--network", "tiny", "--out", str(out))
    assert code == 0, err
    assert "3 images, 2 cropped" in text
    trace = load_trace(out, load_network("tiny"))
    crops = {i.image_id: str(i.crop) for i in trace.images}
    assert crops == {"centre": "1111", "full": "0000", "top": "0111"}
    assert trace.meta["network"] == "tiny"
    assert trace.meta["generator"].startswith("isaacsim traces predict --kernels sobel,laplace")
    assert run(capsys, "validate", str(out), "--network", "tiny")[0] == 0
    # the same command may replace its own trace
    assert run(capsys, "predict", "--images", str(images), "--threshold", "0.5", "--network",
               "tiny", "--out", str(out))[0] == 0
    assert main(["run", "tiny_cropped", "--set", f"trace={out}", "--out",
                 str(tmp_path / "res")]) == 0
    images_csv = pd.read_csv(tmp_path / "res" / "images.csv")
    assert list(images_csv.image_id) == ["centre", "full", "top"]


def test_model_names_the_network(tmp_path, images, capsys):
    model = tmp_path / "net.onnx"
    model.write_bytes(b"not read")
    out = tmp_path / "p.csv"
    assert run(capsys, "predict", "--images", str(images / "full.png"), "--threshold", "1",
               "--model", str(model), "--out", str(out))[0] == 0
    meta = load_trace(out).meta
    assert meta["network"] == "net" and meta["model"] == str(model)


@pytest.mark.parametrize("change, message", [
    (("--threshold", "-1"), "--threshold"),
    (("--kernels", "sobol"), "did you mean 'sobel'"),
    (("--fraction", "0.5"), "--fraction"),
    (("--size", "300"), "--size"),
    (("--mean", "0.5,x,0.5"), "--mean"),
    (("--std", "1,1,0"), "--std"),
])
def test_bad_options_exit_2(tmp_path, images, capsys, change, message):
    argv = {"--images": str(images), "--threshold": "0.5", "--network": "tiny",
            "--out": str(tmp_path / "p.csv")}
    argv[change[0]] = change[1]
    code, _, err = run(capsys, "predict", *[x for kv in argv.items() for x in kv])
    assert code == 2 and message in err
    assert not (tmp_path / "p.csv").exists()


def test_undecodable_or_missing_images_exit_2(tmp_path, images, capsys):
    (images / "broken.png").write_bytes(b"\x89PNG garbage")
    out = tmp_path / "p.csv"
    code, _, err = run(capsys, "predict", "--images", str(images), "--threshold", "0.5",
                       "--network", "tiny", "--out", str(out))
    assert code == 2 and "broken.png" in err and not out.exists()
    code, _, err = run(capsys, "predict", "--images", str(tmp_path / "nope.png"), "--threshold",
                       "0.5", "--network", "tiny", "--out", str(out))
    assert code == 2 and "nope.png" in err


def test_a_foreign_file_is_not_overwritten(tmp_path, images, capsys):
    out = tmp_path / "mine.csv"
    out.write_text("precious\n")
    code, _, err = run(capsys, "predict", "--images", str(images), "--threshold", "0.5",
                       "--network", "tiny", "--out", str(out))
    assert code == 2 and "not written by isaacsim" in err
    assert out.read_text() == "precious\n"


def write(path, rows, columns):
    path.write_text("# isaacsim-trace v1\n# network: vgg16\n" + ",".join(columns) + "\n"
                    + "".join(",".join(r) + "\n" for r in rows))
    return path


@pytest.fixture
def pair(tmp_path):
    pred = write(tmp_path / "p.csv", [("a", "c1111", "0.25", "0.1;0.2;0.3;0.4"),
                                      ("b", "c1000", "0.25", "0.1;0.9;0.8;0.7"),
                                      ("c", "c0000", "0.25", "0.9;0.9;0.9;0.9"),
                                      ("d", "c0011", "0.25", "0.6;0.6;0.2;0.2")],
                 ("image_id", "crop", "fraction", "x_ratios"))
    return tmp_path, pred


def test_compare_with_x_passing(pair, capsys):
    tmp_path, pred = pair
    oracle = write(tmp_path / "o.csv", [("a", "c1100", "0.25", "c0000;c1100;c1111"),
                                        ("b", "c0000", "0.25", "c0000"),
                                        ("c", "c0000", "0.25", "c0000"),
                                        ("e", "c0000", "0.25", "c0000")],
                   ("image_id", "crop", "fraction", "x_passing"))
    table = tmp_path / "t.csv"
    code, out, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(oracle),
                         "--out", str(table))
    assert code == 0, err
    t = pd.read_csv(table)
    assert list(t.image_id) == ["a", "b", "c"]          # d is not in the oracle trace
    assert list(t.agree) == [0, 0, 1]
    assert list(t.keeps) == [1, 0, 1]                   # a: 1111 passes; b: 1000 does not
    assert "1 only predicted, 1 only in the oracle trace" in out
    assert "agreement with the oracle's vector: 33.33%" in out
    assert "66.67% of images, 50.00% of the 2 cropped ones" in out
    # its own table may be replaced, another file not
    assert run(capsys, "compare", "--predicted", str(pred), "--oracle", str(oracle), "--out",
               str(table))[0] == 0
    code, _, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(oracle),
                       "--out", str(oracle))
    assert code == 2 and "not written by isaacsim" in err
    net = load_network("vgg16")
    assert list(t.skipped_macs) == [skipped_macs(net, parse_vector(v)) for v in
                                    ("1111", "1000", "0000")]


def test_compare_subset_test_and_sweep(pair, capsys):
    tmp_path, pred = pair
    oracle = write(tmp_path / "o.csv", [("a", "c1100"), ("b", "c1011"), ("c", "c0000"),
                                        ("d", "c0011")], ("image_id", "crop"))
    sweep = tmp_path / "s.csv"
    code, out, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(oracle),
                         "--sweep", "0,0.5,1", "--sweep-out", str(sweep))
    assert code == 0, err
    assert "subset test" in out
    # a: 1111 crops sides 1100 leaves; b: 1000 within 1011; c, d equal
    assert "75.00% of images" in out and "agreement with the oracle's vector: 50.00%" in out
    s = pd.read_csv(sweep)
    assert list(s.threshold) == [0, 0.5, 1]
    assert list(s.cropped_share) == [0, 0.75, 1]
    # at 0.5: a -> 1111, b -> 1000, c -> 0000, d -> 0011 (the traces' own vectors)
    assert s.keeps_answer[1] == 0.75 and s.agreement[1] == 0.5
    # at 0 nothing is cropped: every answer kept, nothing skipped
    assert s.keeps_answer[0] == 1 and s.mean_skipped_mac_share[0] == 0


def test_skipped_macs_by_hand():
    net = load_network("vgg16")
    summary = {m.name: m for m in crop_summary(net, "1111", rows_per_array=128)}
    expected = 0
    for layer in net.layers:
        if layer.kind == "conv":
            m = summary[layer.name]
            expected += layer.macs * (m.total_pixels - m.active_pixels) // m.total_pixels
    # fc6 reads pool5 (25 of 49 positions active); fc7, fc8 read 1 x 1 maps
    expected += net.layer("fc6").macs * 24 // 49
    assert abs(skipped_macs(net, parse_vector("1111")) - expected) < 20
    assert skipped_macs(net, parse_vector("0000")) == 0


def test_compare_errors_exit_2(pair, capsys):
    tmp_path, pred = pair
    other = write(tmp_path / "o.csv", [("zz", "c0000")], ("image_id", "crop"))
    code, _, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(other))
    assert code == 2 and "no image id in common" in err
    bad = write(tmp_path / "o2.csv", [("a", "c0000", "c10x1")], ("image_id", "crop", "x_passing"))
    code, _, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(bad))
    assert code == 2 and "x_passing" in err
    code, _, err = run(capsys, "compare", "--predicted", str(pred), "--oracle", str(other),
                       "--sweep", "a,b")
    assert code == 2 and "--sweep" in err
