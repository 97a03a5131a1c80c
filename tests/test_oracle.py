"""`python -m isaacsim traces oracle` on models whose answers under every crop are known by
construction (tests/oracle_models.py): what passes, what the oracle keeps, the masks it applies
against `crop --json`, and its MAC counts against a direct count."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("PIL")

from oracle_models import SMALL, TOP_CLASSES, centre_model, top_model, write_images  # noqa: E402

from isaacsim.cli import main  # noqa: E402
from isaacsim.crop import ALL_VECTORS  # noqa: E402
from isaacsim.traces import load_trace  # noqa: E402

VECTORS = [str(v) for v in ALL_VECTORS]


def _rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _oracle(tmp_path, model: bytes, *extra, images=4, name="trace.csv"):
    model_path = tmp_path / "model.onnx"
    model_path.write_bytes(model)
    if not (tmp_path / "imgs").exists():
        write_images(tmp_path / "imgs", images)
    out = tmp_path / name
    code = main(["traces", "oracle", "--model", str(model_path), "--images", str(tmp_path / "imgs"),
                 *SMALL, "--out", str(out), "--progress", "off", *extra])
    assert code == 0
    return model_path, out


def _import(tmp_path, model_path):
    net = tmp_path / "net.json"
    assert main(["import", str(model_path), "--out", str(net)]) == 0
    return net


def test_centre_model_every_vector_passes_and_the_most_macs_are_kept(tmp_path):
    model_path, out = _oracle(tmp_path, centre_model())
    rows = _rows(out)
    assert len(rows) == 4
    for row in rows:
        assert row["x_passing"] == ";".join("c" + v for v in VECTORS)
        assert row["crop"] == "c1111"      # four sides remove the most
        assert row["prediction"] == row["x_reference"]
        assert row["label"] == row["top1_ok"] == ""
    table = _rows(tmp_path / "trace_vectors.csv")
    assert [r["crop"] for r in table] == ["c" + v for v in VECTORS]
    assert all(r["images_passing"] == "4" and r["passing_share"] == "1.000000" for r in table)
    assert table[15]["images_chosen"] == "4"
    # the trace is one the simulator reads, for the network isaacsim imports from the model
    net = _import(tmp_path, model_path)
    from isaacsim.network import load_network
    assert len(load_trace(out, load_network(str(net))).images) == 4
    assert main(["traces", "validate", str(out), "--network", str(net)]) == 0


def test_top_model_never_crops_the_top(tmp_path):
    _, out = _oracle(tmp_path, top_model())
    no_top = ";".join("c" + v for v in VECTORS if v[0] == "0")
    for row in _rows(out):
        assert row["prediction"] == "0"
        assert row["x_passing"] == no_top
        assert row["crop"] == "c0111"      # the best vector without TOP: bottom, left, right
    table = {r["crop"]: r for r in _rows(tmp_path / "trace_vectors.csv")}
    for v in VECTORS:
        assert table["c" + v]["images_passing"] == ("4" if v[0] == "0" else "0")


def test_top5_keeps_the_class_among_the_five_best(tmp_path):
    """Under TOP, class 1 (1e-3) overtakes class 0 (0), which stays second: top-5 passes."""
    _, out = _oracle(tmp_path, top_model(), "--criterion", "top5")
    for row in _rows(out):
        assert row["x_passing"] == ";".join("c" + v for v in VECTORS)
        assert row["crop"] == "c1111"


def test_labels_are_the_reference(tmp_path):
    """img_0 labelled 1 (the model says 0): the uncropped pass fails and only the TOP vectors,
    which make class 1 the top-1, pass. Names from a class list are written as names."""
    write_images(tmp_path / "imgs", 3)
    (tmp_path / "labels.csv").write_text("image,label\nimg_0.png,one\nimg_1.png,0\nimg_2.png,zero\n")
    names = ["zero", "one"] + [f"class{i}" for i in range(2, TOP_CLASSES)]
    (tmp_path / "classes.txt").write_text("\n".join(names) + "\n")
    _, out = _oracle(tmp_path, top_model(), "--labels", str(tmp_path / "labels.csv"),
                     "--classes", str(tmp_path / "classes.txt"))
    rows = {r["image_id"]: r for r in _rows(out)}
    assert rows["img_0"]["label"] == "one" and rows["img_0"]["prediction"] == "zero"
    assert rows["img_0"]["top1_ok"] == "0" and rows["img_0"]["top5_ok"] == "1"
    assert rows["img_0"]["x_passing"] == ";".join("c" + v for v in VECTORS if v[0] == "1")
    assert rows["img_0"]["crop"] == "c1111"
    for other in ("img_1", "img_2"):
        assert rows[other]["label"] == "zero" and rows[other]["top1_ok"] == "1"
        assert rows[other]["crop"] == "c0111"
    # no vector passes: 0000 is kept
    (tmp_path / "labels.csv").write_text("image,label\nimg_0.png,3\nimg_1.png,3\nimg_2.png,3\n")
    _, out = _oracle(tmp_path, top_model(), "--labels", str(tmp_path / "labels.csv"),
                     name="none.csv")
    assert all(r["crop"] == "c0000" and r["x_passing"] == "" for r in _rows(out))


READERS = {"input": "conv1", "conv1": "pool1", "pool1": "conv2", "conv2": "flat"}
"""Each masked map of the test models -> the node that reads it."""


@pytest.mark.parametrize("folded", [False, True], ids=["relu", "batchnorm-sigmoid"])
def test_masks_inside_the_network_are_the_crop_windows(tmp_path, capsys, folded):
    """What the next layer reads of every map of an all-positive network, taken from the rewritten
    model, is non-zero exactly on the window `python -m isaacsim crop --json` prints, for each of
    the 16 vectors; with a batch normalisation and a sigmoid (which turn 0 into 0.5) folded into
    the layers, the mask must follow them for this to hold."""
    import onnx
    import onnxruntime as ort

    from isaacsim.oracle.graph import import_model, masked_model
    from isaacsim.oracle.masks import map_masks
    model_path = tmp_path / "model.onnx"
    model_path.write_bytes(centre_model(folded=folded))
    net = _import(tmp_path, model_path)
    imported = import_model(str(model_path), 32)
    masked = masked_model(str(model_path), imported)
    assert set(masked.masks) == set(READERS)
    model = onnx.load_from_string(masked.model)
    nodes = {n.name: n for n in model.graph.node}
    read = {name: nodes[reader].input[0] for name, reader in READERS.items()}
    for tensor in read.values():
        model.graph.output.append(onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT,
                                                                     None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    masks = map_masks(imported.network, "1/4")
    feeds = {masked.image: np.ones((16, 3, 32, 32), np.float32),
             **{masked.masks[name]: masks[name] for name in masked.masks}}
    maps = dict(zip(read, session.run(list(read.values()), feeds)))
    capsys.readouterr()
    for v, vector in enumerate(VECTORS):
        assert main(["crop", "--network", str(net), "--crop", vector, "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        for layer in printed["layers"]:
            if layer["name"] not in maps:
                assert layer["total_pixels"] == layer["active_pixels"] == 1   # 1 x 1: never cropped
                continue
            h, w, _ = layer["shape"]
            expected = np.zeros((h, w), bool)
            expected[slice(*layer["rows"]), slice(*layer["cols"])] = True
            active = (maps[layer["name"]][v] != 0).any(axis=0)
            assert (active == expected).all(), (vector, layer["name"])
            assert (maps[layer["name"]][v] > 0).all(axis=0)[expected].all()


def _margin(n: int, f: float) -> int:
    return int(np.floor(f * n))


def _direct_skipped_macs(vector: str, classes: int, rows_per_array: int = 128) -> int:
    """conv1 (32 x 32, 108 MACs per position), conv2 (16 x 16, 72 per position), fc (512 inputs
    position-major, a block of 128 rows = 64 positions = 4 map rows of 16) counted position by
    position."""
    top, bottom, left, right = (c == "1" for c in vector)

    def active(n: int):
        m = _margin(n, 0.25)
        rows = [top * m <= r < n - bottom * m for r in range(n)]
        cols = [left * m <= c < n - right * m for c in range(n)]
        return np.outer(rows, cols)
    skipped = int((~active(32)).sum()) * 3 * 3 * 3 * 4 + int((~active(16)).sum()) * 3 * 3 * 4 * 2
    positions = active(16).ravel()
    inputs = np.repeat(positions, 2)                    # (h * W + w) * C + c
    for block in range(len(inputs) // rows_per_array):
        if not inputs[block * rows_per_array:(block + 1) * rows_per_array].any():
            skipped += rows_per_array * classes
    return skipped


def test_table_counts_the_skipped_macs(tmp_path):
    _oracle(tmp_path, top_model(), images=1)
    for row in _rows(tmp_path / "trace_vectors.csv"):
        assert int(row["skipped_macs"]) == _direct_skipped_macs(row["crop"][1:], TOP_CLASSES), row


def test_a_reshape_to_batch_one_runs_batched(tmp_path):
    """A Reshape to [1, 512] (an exporter's flatten) is rewritten to copy the batch: all 16
    vectors run as one batch, with the same decisions as the Flatten model."""
    from isaacsim.oracle.evaluate import Evaluator
    from isaacsim.oracle.graph import import_model, masked_model
    from isaacsim.oracle.masks import map_masks
    model_path = tmp_path / "reshape.onnx"
    model_path.write_bytes(centre_model(reshape=True))
    imported = import_model(str(model_path), 32)
    evaluator = Evaluator(masked_model(str(model_path), imported),
                          map_masks(imported.network, "1/4"), "reshape.onnx")
    assert evaluator.batched
    scores = evaluator.scores(np.ones((3, 32, 32), np.float32))
    assert scores.shape == (16, 3)
    np.testing.assert_allclose(scores, np.broadcast_to(scores[0], scores.shape), rtol=1e-6)
    _, out = _oracle(tmp_path, centre_model(reshape=True))
    assert {r["crop"] for r in _rows(out)} == {"c1111"}


def test_the_uncropped_row_is_the_model_itself(tmp_path):
    """Row 0000 of the rewritten model (masks of ones, batch 16) gives the scores of the model as
    written (batch 1, onnxruntime directly), for a model with a fixed batch of 1."""
    import onnxruntime as ort

    from isaacsim.oracle.evaluate import Evaluator
    from isaacsim.oracle.graph import import_model, masked_model
    from isaacsim.oracle.images import load_image
    from isaacsim.oracle.masks import map_masks
    model = top_model()
    model_path = tmp_path / "model.onnx"
    model_path.write_bytes(model)
    imported = import_model(str(model_path), 32)
    evaluator = Evaluator(masked_model(str(model_path), imported),
                          map_masks(imported.network, "1/4"), "model.onnx")
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    for path in write_images(tmp_path / "imgs", 3):
        image = load_image(path, resize=32, size=32, mean=(0, 0, 0), std=(1, 1, 1))
        direct = session.run(None, {"x": image[None]})[0][0]
        np.testing.assert_allclose(evaluator.scores(image)[0], direct, rtol=1e-5, atol=1e-6)


def test_class_names_without_labels(tmp_path):
    names = ["zero", "one"] + [f"class{i}" for i in range(2, TOP_CLASSES)]
    (tmp_path / "classes.txt").write_text("\n".join(names) + "\n")
    _, out = _oracle(tmp_path, top_model(), "--classes", str(tmp_path / "classes.txt"))
    for row in _rows(out):
        assert row["prediction"] == row["x_reference"] == "zero" and row["label"] == ""
    (tmp_path / "classes.txt").write_text("zero\none\n")
    model_path = tmp_path / "model.onnx"
    assert main(["traces", "oracle", "--model", str(model_path), "--images", str(tmp_path / "imgs"),
                 *SMALL, "--out", str(tmp_path / "x.csv"), "--classes",
                 str(tmp_path / "classes.txt")]) == 2


def test_a_symbolic_batch_and_folded_layers(tmp_path):
    """A model whose batch is a symbol (N), with a batch normalisation and a sigmoid folded into
    its layers, gives the centre model's known answer."""
    _, out = _oracle(tmp_path, centre_model(folded=True, batch="N"))
    rows = _rows(out)
    assert len(rows) == 4 and {r["crop"] for r in rows} == {"c1111"}
    assert all(r["x_passing"].count("c") == 16 for r in rows)


def test_row_by_row_gives_the_batched_scores(tmp_path):
    """The way a model that cannot run a batch of 16 is evaluated (16 runs of one row, each with
    its vector's masks) gives the scores of the batched run."""
    from isaacsim.oracle.evaluate import Evaluator
    from isaacsim.oracle.graph import import_model, masked_model
    from isaacsim.oracle.masks import map_masks
    model_path = tmp_path / "model.onnx"
    model_path.write_bytes(top_model())
    imported = import_model(str(model_path), 32)
    evaluator = Evaluator(masked_model(str(model_path), imported),
                          map_masks(imported.network, "1/4"), "model.onnx")
    image = np.random.default_rng(3).random((3, 32, 32)).astype(np.float32)
    batched = evaluator.scores(image)
    evaluator.batched = False
    np.testing.assert_allclose(evaluator.scores(image), batched, rtol=1e-5, atol=1e-6)
    assert (batched[[int(v, 2) for v in VECTORS if v[0] == "1"], 0] == 0).all()   # TOP: class 0 reads 0
