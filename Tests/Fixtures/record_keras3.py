#!/usr/bin/env python3
"""Records what Keras 3 `model.fit(verbose=1)` prints on its console.

Drives the real `keras.callbacks.ProgbarLogger` (the callback `fit` uses to
print "Epoch k/N" and the `━━━━` progress bar) through a short training with
made-up losses, the way `fit` calls it; the numpy backend is enough. The
clock Keras's Progbar reads is replaced so that every batch is drawn and the
output is the same on every run.

    python3 -u record_keras3.py [--nan] > keras3_fit.txt 2>&1
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
from keras.src.utils import progbar  # noqa: E402


class FakeTime:
    """Stands in for the `time` module inside keras.src.utils.progbar."""

    def __init__(self):
        self.now = 1_700_000_000.0

    def time(self):
        return self.now


clock = FakeTime()
progbar.time = clock

nan = "--nan" in sys.argv
epochs, steps = 3, 8
logger = keras.callbacks.ProgbarLogger()
logger.set_params({"epochs": epochs, "steps": steps, "verbose": 1})
logger.on_train_begin()
for epoch in range(epochs):
    logger.on_epoch_begin(epoch)
    for batch in range(steps):
        clock.now += 0.041
        loss = float("nan") if nan and epoch == 1 and batch >= 3 else 1.0 / (1 + epoch * steps + batch)
        logger.on_train_batch_end(batch, {"accuracy": 0.5 + 0.05 * epoch, "loss": loss})
    logger.on_epoch_end(epoch, {"accuracy": 0.5 + 0.05 * epoch, "loss": loss,
                                "val_accuracy": 0.45 + 0.05 * epoch, "val_loss": 0.5 / (1 + epoch)})
logger.on_train_end()
