"""Cases: films made with their truth (``truth.json``), for tests, the demo and the benchmarks.

- ``synthetic``: small synthetic film pairs (tests, the demo)
- ``sd_release``: a pair's colour release remade as an SD video comes (telecine, PAL, interlaced,
  mixed; a logo; chroma shifted)
- ``real``: restorers' pairs built from the real clips in ../shared/data/real (scans overscanned,
  DVDs, variable rate, rotated) with what is known of each; ``film``: the film its film cases
  are made of, from the colour clips
- ``long_pair`` and ``long_edit``: a feature-length pair cut from a short one
- ``stills``: DAVIS shots one after another in B&W, the first frame of each a colour still
"""
