"""Start TensorFlow once per process: quietly, with a sensible thread setup, on a GPU if it sees one."""

from __future__ import annotations

import contextlib
import os
import sys
import types
from collections.abc import Iterator


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL; hide them at the descriptor."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor (e.g. under a test runner's capture)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def start_tensorflow() -> types.ModuleType:
    """Import TensorFlow and let it find its devices without printing; returns the module.

    Nothing pins a device: TensorFlow places the dream on a GPU by itself when one is visible.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf
