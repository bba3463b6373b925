"""Cases: films made with their truth (``truth.json``), for tests, the demo and the benchmarks.

- ``synthetic``: small synthetic film pairs (tests, the demo)
- ``sd_release``: a pair's colour release remade as an SD video comes (telecine, PAL, interlaced,
  mixed; a logo; chroma shifted)
- ``long_pair`` and ``long_edit``: a feature-length pair cut from a short one
"""
