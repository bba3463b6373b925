"""Tools for people working on filmcolor.

- ``docs``: the option tables in docs/ rewritten from the command line
- ``browser``: a review page opened in headless Chromium and checked
- ``frames``: chosen frames of films side by side, as a picture
- ``fields``: how files' frames are made of fields, as align measures it
"""
