"""The model that train (stage 2) learns and render (3) and evaluate (4) use: the network that
predicts a frame's colour from its grey, and its checkpoints.

- ``unet``: the U-Net body of the FilmColorizer report
- ``head``: what a head is (forward, decode to a*b*, loss, calibrate); the model's normalisation
- ``bins``, ``ab``, ``rgb``: one head each (``unet-bins``, ``unet-ab``, ``unet-rgb``)
- ``heads``: the heads ``--arch`` offers, declared once (no torch: ``settings`` lists them)
- ``familiarity``: how familiar a frame's scene is, and how much of its colour to show for it
- ``net``: ``ColourNet``, the body, a head and the familiarity gate; ``colorize``
- ``checkpoint``: run folders and ``load_model``
"""
