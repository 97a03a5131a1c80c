"""`traces oracle` as a run: resuming after an interrupt, --jobs, determinism, and every input
error exiting 2 with nothing already written lost."""

from __future__ import annotations

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("PIL")

from oracle_models import SMALL, centre_model, top_model, write_images  # noqa: E402

from isaacsim.cli import main  # noqa: E402
from isaacsim.oracle import run as oracle_run  # noqa: E402
from isaacsim.oracle.partial import partial_path  # noqa: E402


@pytest.fixture
def setup(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(top_model())
    write_images(tmp_path / "imgs", 6)
    return tmp_path, model


def _args(tmp_path, model, out, *extra):
    return ["traces", "oracle", "--model", str(model), "--images", str(tmp_path / "imgs"), *SMALL,
            "--out", str(out), "--progress", "off", *extra]


def _clean(tmp_path, model, *extra):
    out = tmp_path / "clean" / "trace.csv"
    out.parent.mkdir(exist_ok=True)
    assert main(_args(tmp_path, model, out, *extra)) == 0
    return out.read_bytes(), (out.parent / "trace_vectors.csv").read_bytes()


def _interrupt_after(monkeypatch, n: int):
    real = oracle_run._evaluate
    calls = []

    def evaluate(index):
        if len(calls) == n:
            raise KeyboardInterrupt
        calls.append(index)
        return real(index)
    monkeypatch.setattr(oracle_run, "_evaluate", evaluate)


def test_same_inputs_same_bytes(setup):
    tmp_path, model = setup
    first = _clean(tmp_path, model)
    assert _clean(tmp_path, model) == first      # replaced: the earlier trace is isaacsim's


def test_resume_after_an_interrupt_gives_the_same_bytes(setup, monkeypatch, capsys):
    tmp_path, model = setup
    trace, table = _clean(tmp_path, model)
    out = tmp_path / "trace.csv"
    _interrupt_after(monkeypatch, 2)
    assert main(_args(tmp_path, model, out)) == 130
    partial = partial_path(out)
    assert not out.exists() and not (tmp_path / "trace_vectors.csv").exists()
    assert len(partial.read_text().splitlines()) == 2 + 2        # header and two records
    with open(partial, "a") as fh:                               # killed while writing a record
        fh.write("2,img_2,c01")
    monkeypatch.undo()
    capsys.readouterr()
    assert main(_args(tmp_path, model, out)) == 0
    assert "2 from an earlier interrupted run" in capsys.readouterr().err
    assert out.read_bytes() == trace
    assert (tmp_path / "trace_vectors.csv").read_bytes() == table
    assert not partial.exists()


def test_a_partial_of_other_options_is_refused_and_kept(setup, monkeypatch, capsys):
    tmp_path, model = setup
    out = tmp_path / "trace.csv"
    _interrupt_after(monkeypatch, 3)
    assert main(_args(tmp_path, model, out)) == 130
    monkeypatch.undo()
    before = partial_path(out).read_bytes()
    capsys.readouterr()
    assert main(_args(tmp_path, model, out, "--fraction", "1/8")) == 2
    err = capsys.readouterr().err
    assert "another model, other options or other images" in err and str(partial_path(out)) in err
    assert partial_path(out).read_bytes() == before and not out.exists()
    assert main(_args(tmp_path, model, out)) == 0                # the same command continues it


def test_jobs_2_gives_the_bytes_of_jobs_1(setup):
    tmp_path, model = setup
    trace, table = _clean(tmp_path, model)
    out = tmp_path / "jobs2.csv"
    assert main(_args(tmp_path, model, out, "--jobs", "2")) == 0
    assert out.read_bytes() == trace
    assert (tmp_path / "jobs2_vectors.csv").read_bytes() == table


def _error(capsys, argv, *needles):
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err
    return err


def test_an_undecodable_image_exits_2_and_keeps_what_was_done(setup, capsys):
    """A PNG cut short passes the up-front header check, fails when its pixels are read: the
    images before it stay in the partial file, an earlier trace is untouched, and once the file is
    repaired the same command finishes with the bytes of a clean run."""
    tmp_path, model = setup
    trace, _ = _clean(tmp_path, model)
    out = tmp_path / "trace.csv"
    out.write_bytes(trace)                                         # an earlier run's trace
    broken = tmp_path / "imgs" / "img_3.png"
    good = broken.read_bytes()
    broken.write_bytes(good[:len(good) // 2])
    _error(capsys, _args(tmp_path, model, out), str(broken), "cannot decode")
    assert out.read_bytes() == trace
    assert len(partial_path(out).read_text().splitlines()) == 2 + 3   # img_0 .. img_2
    broken.write_bytes(good)
    assert main(_args(tmp_path, model, out)) == 0
    assert out.read_bytes() == trace


def test_not_an_image_is_refused_before_anything_runs(setup, capsys):
    tmp_path, model = setup
    (tmp_path / "imgs" / "notes.png").write_text("not an image")
    out = tmp_path / "trace.csv"
    _error(capsys, _args(tmp_path, model, out), "notes.png", "cannot decode")
    assert not out.exists() and not partial_path(out).exists()


def test_model_input_shape_must_match_the_preprocessing(setup, capsys):
    tmp_path, model = setup
    out = tmp_path / "trace.csv"
    argv = ["traces", "oracle", "--model", str(model), "--images", str(tmp_path / "imgs"),
            "--resize", "24", "--size", "24", "--out", str(out)]
    _error(capsys, argv, str(model), "1x3x32x32", "3x24x24")
    import onnx
    one_channel = onnx.load_from_string(centre_model())
    one_channel.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 1
    gray = tmp_path / "gray.onnx"
    onnx.save(one_channel, str(gray))
    argv = ["traces", "oracle", "--model", str(gray), "--images", str(tmp_path / "imgs"), *SMALL,
            "--out", str(out)]
    _error(capsys, argv, str(gray), "1x1x32x32", "3x32x32")
    assert not out.exists()


def test_labels_must_cover_exactly_the_images(setup, capsys):
    tmp_path, model = setup
    labels = tmp_path / "labels.csv"
    out = tmp_path / "trace.csv"
    rows = "".join(f"img_{i}.png,0\n" for i in range(6))
    labels.write_text("image,label\n" + rows + "ghost.png,1\n")
    _error(capsys, _args(tmp_path, model, out, "--labels", str(labels)), "ghost.png",
           "line 8", "not among the given images")
    labels.write_text("image,label\n" + rows.replace("img_3.png,0", "img_3,0"))
    _error(capsys, _args(tmp_path, model, out, "--labels", str(labels)), "line 5", "'img_3'",
           "did you mean 'img_3.png'")
    labels.write_text("image,label\n" + "".join(f"img_{i}.png,0\n" for i in range(5)))
    _error(capsys, _args(tmp_path, model, out, "--labels", str(labels)), "img_5.png", "no label")
    labels.write_text("image,label\n" + rows.replace("img_2.png,0", "img_2.png,7"))
    _error(capsys, _args(tmp_path, model, out, "--labels", str(labels)), "line 4", "'7'")
    labels.write_text("file,class\n" + rows)
    _error(capsys, _args(tmp_path, model, out, "--labels", str(labels)), "image,label")
    assert not out.exists()


def test_missing_files_and_bad_options(setup, capsys):
    tmp_path, model = setup
    out = tmp_path / "trace.csv"
    imgs = str(tmp_path / "imgs")
    base = ["traces", "oracle", "--model", str(model), "--images", imgs, "--out", str(out)]
    _error(capsys, ["traces", "oracle", "--model", str(tmp_path / "none.onnx"), "--images", imgs,
                    *SMALL, "--out", str(out)], "none.onnx", "no such model file")
    _error(capsys, [*base, *SMALL, "--images", str(tmp_path / "nowhere")], "nowhere",
           "no such file or folder")
    _error(capsys, [*base, *SMALL, "--labels", str(tmp_path / "none.csv")], "none.csv",
           "no such labels file")
    _error(capsys, [*base, "--resize", "32", "--size", "32", "--mean", "0,0", "--std", "1,1,1"],
           "--mean", "three finite numbers")
    _error(capsys, [*base, "--resize", "32", "--size", "32", "--mean", "0,0,0", "--std", "1,0,1"],
           "--std", "three positive numbers")
    _error(capsys, [*base, "--mean", "a,b,c"], "--mean", "comma-separated")
    _error(capsys, [*base, *SMALL, "--fraction", "0.6"], "--fraction")
    _error(capsys, [*base, "--resize", "16", "--size", "32"], "--size", "larger than")
    _error(capsys, [*base, *SMALL, "--reference", "label"], "--reference", "--labels")
    _error(capsys, [*base, *SMALL, "--jobs", "0"], "--jobs")
    _error(capsys, [*base, "--resize", "16385", "--size", "32"], "--resize", "1..16384")
    assert not out.exists()


def test_an_output_isaacsim_did_not_write_is_kept(setup, capsys):
    tmp_path, model = setup
    out = tmp_path / "mine.csv"
    out.write_text("my data\n")
    _error(capsys, _args(tmp_path, model, out), str(out), "not written by isaacsim")
    assert out.read_text() == "my data\n" and not partial_path(out).exists()
