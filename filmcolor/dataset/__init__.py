"""Stage 2, train (``filmcolor train``), its data: the aligned pairs as training data.

- ``split``: an aligned folder opened for training (``load_aligned``), its chronological split
- ``batches``: batches of pairs read from the memory-mapped arrays, augmented for training
- ``views``: a few stills' pairs seen as many random views (crops, mirrors, exposure)
"""
