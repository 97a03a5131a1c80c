"""The crop oracle: per image, the crop vector with the most skipped MACs whose cropped
activations, applied inside a real ONNX network, keep its answer (docs/oracle.md)."""

from isaacsim.oracle.images import IMAGENET_MEAN, IMAGENET_STD, list_images, load_image

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "list_images", "load_image"]
