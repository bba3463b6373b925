"""Stage 2, train (``filmcolor train``): the colorizer learnt from a film's aligned pairs, with
Lightning.

- ``module``: the LightningModule (``Colorizer``): loss, validation colour error, optimiser
- ``trainer``: ``train()``, the run folder, checkpoints, early stopping, the run's metrics
- ``budget``: pairs per epoch, bounded whatever the film's length; the time, said first
- ``report``: loss.png and test_frames.png
"""
