"""Stage 5, train: the colorizer learnt from a film's aligned pairs, with Lightning.

- ``module``: the LightningModule (``Colorizer``): loss, validation colour error, optimiser
- ``trainer``: ``train()``, the run folder, checkpoints, early stopping, the run's metrics
- ``report``: loss.png and test_frames.png
"""
