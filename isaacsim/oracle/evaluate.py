"""Running a masked model (`isaacsim.oracle.graph`) on one image under all 16 crop vectors.

The image is replicated 16 times, row v with the masks of vector v (`ALL_VECTORS` order; row 0 is
0000, the uncropped image), and run as one batch. A model that cannot run a batch of 16 (a batch
size fixed somewhere the rewrite does not reach) runs the 16 rows one at a time instead; which way
is decided once per model, so results do not depend on the image. onnxruntime runs on one thread
with its default graph optimisations: every process computes bit-identical scores, which is what
makes ``--jobs N`` give the same trace as ``--jobs 1`` (parallelism comes from worker processes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from isaacsim.crop import ALL_VECTORS
from isaacsim.errors import InputError, Problem
from isaacsim.oracle.graph import MaskedModel

VECTORS = len(ALL_VECTORS)


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise InputError(Problem("--model", "", "the crop oracle needs the onnxruntime package: "
                                                "pip install 'isaacsim[oracle]'")) from None
    return onnxruntime


class Evaluator:
    """Class scores of an image under each crop vector: ``scores(image) -> [16, classes]``."""

    def __init__(self, masked: MaskedModel, masks: dict[str, np.ndarray], source: str):
        """`masks`: map name -> ``[16, 1, H, W]`` (`isaacsim.oracle.masks.map_masks`);
        `source`: the model file, for messages."""
        ort = _onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(masked.model, options,
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own exception types
            raise InputError(Problem(source, "", f"onnxruntime cannot load the model: {exc}")) \
                from None
        self.masked = masked
        self.source = source
        self.feeds: dict[str, np.ndarray] = {}
        for name, mask_input in masked.masks.items():
            self.feeds[mask_input] = np.ascontiguousarray(masks[name], dtype=np.float32)
        self.batched = self._batch_works()

    def _batch_works(self) -> bool:
        zeros = np.zeros((VECTORS, 3, *self._image_size()), dtype=np.float32)
        try:
            out = self.session.run([self.masked.output], {self.masked.image: zeros, **self.feeds})[0]
        except Exception:  # the model fixes its batch somewhere: run row by row
            return False
        return out.shape[0] == VECTORS and out.size == VECTORS * self.masked.classes

    def _image_size(self) -> tuple[int, int]:
        shape = self.session.get_inputs()[0].shape
        for inp in self.session.get_inputs():
            if inp.name == self.masked.image:
                shape = inp.shape
        return int(shape[2]), int(shape[3])

    def scores(self, image: np.ndarray) -> np.ndarray:
        """Class scores ``[16, classes]`` (float64) of `image` ``[3, H, W]``, row v under vector
        v."""
        batch = np.ascontiguousarray(np.broadcast_to(image, (VECTORS, *image.shape)),
                                     dtype=np.float32)
        output = [self.masked.output]
        try:
            if self.batched:
                scores = self.session.run(output, {self.masked.image: batch, **self.feeds})[0]
            else:
                scores = np.concatenate([
                    self.session.run(output, {self.masked.image: batch[v:v + 1],
                                              **{k: a[v:v + 1] for k, a in self.feeds.items()}})[0]
                    for v in range(VECTORS)])
        except Exception as exc:  # onnxruntime's own exception types
            raise InputError(Problem(self.source, "", f"onnxruntime failed to run the model: "
                                                      f"{exc}")) from None
        return np.asarray(scores, dtype=np.float64).reshape(VECTORS, self.masked.classes)
