"""Stage 4, evaluate (``filmcolor evaluate``): a model's (or a rendered film's) colour against the
colour release, beside a
grey film's.

- ``metrics``: the colour error (a*b* with the release's lightness), colourfulness, MSE, PSNR,
  SSIM, CIEDE2000, flicker; in chunks
- ``scoring``: a network scored on a split of an aligned dataset, with the identity baseline
- ``evaluator``: ``evaluate()`` and ``evaluate_video()``, writing evaluation.json and .png
- ``tables``: the tables the command line prints
"""
