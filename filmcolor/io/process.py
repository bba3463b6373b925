"""ffmpeg as a child process: the binaries found, its stderr drained and remembered, its pipes
widened."""

from __future__ import annotations

import collections
import fcntl
import shutil
import threading

from ..errors import VideoError


def require_ffmpeg() -> None:
    """Fail with an install hint when the ffmpeg binaries are missing."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise VideoError(
                f"{tool} not found on PATH: install ffmpeg (apt-get install ffmpeg, "
                "or conda install -c conda-forge ffmpeg)"
            )


def last_line(stderr: bytes | str | None) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "ffmpeg gave no reason"


class StderrTail:
    """Drains a process's stderr in a thread (so the pipe never fills) and keeps its last lines."""

    def __init__(self, stream, keep: int = 20):
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        self.count = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self.lines.append(line)
                self.count += 1
        stream.close()

    def join(self) -> None:
        self._thread.join(timeout=10)

    @property
    def last(self) -> str:
        return self.lines[-1] if self.lines else "ffmpeg gave no reason"


def widen_pipe(pipe, size: int = 1 << 20) -> None:
    """Give a pipe a 1 MB buffer (Linux), so ffmpeg is not stopped every 64 KB to wait for the
    reader."""
    try:
        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except OSError:
        pass
