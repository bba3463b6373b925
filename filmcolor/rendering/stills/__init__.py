"""Stills as the source of colour: a coloured frame of a shot carried through the shot.

- ``loading``: the stills of a render, found in the film (``alignment.stills``) or read from the
  aligned folder; a shots file's stills found in the film
- ``source``: ``Stills``: the model's colour measured against each still, each still placed on
  the picture, its colour carried through its shot in a stage beside the film's decoding, and
  each frame's colour from the carried and the model's
- ``carry``: a still's colour carried both ways through its shot along the film's motion
"""
