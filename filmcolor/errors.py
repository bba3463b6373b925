"""The one exception type users see: a message that names the file and says what to do."""


class FilmcolorError(Exception):
    """A problem with the user's input or settings; the CLI prints it as one line and exits 1."""


class VideoError(FilmcolorError):
    """A file that cannot be read or written as the video it should be."""


class AlignmentError(FilmcolorError):
    """Two releases that cannot be aligned reliably; ``matched`` of the B&W release's ``frames``
    found a match."""

    def __init__(self, message: str, matched: int = 0, frames: int = 0):
        super().__init__(message)
        self.matched, self.frames = matched, frames


class DatasetError(FilmcolorError):
    """An aligned dataset that is missing, malformed or too small."""


class ModelError(FilmcolorError):
    """A model file that is missing or cannot be used."""


class NoMatch(Exception):
    """Inside the aligner: the releases do not match (``matched`` B&W frames found a match);
    ``align`` turns it into an AlignmentError that names the two files."""

    def __init__(self, why: str, matched: int = 0):
        super().__init__(why)
        self.matched = matched
