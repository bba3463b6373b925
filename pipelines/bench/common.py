"""What the benchmarks share: timing a command and its peak memory, the film pair, the JSON."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

DEMO_PAIR = Path("demo") / "pair"


def _tree_rss(proc: psutil.Process) -> int:
    """Resident memory (bytes) of a process and all its descendants now."""
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:  # it ended meanwhile
        return 0
    total = 0
    for p in tree:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time (s) and the peak memory of its process tree (MB: the
    most resident memory of the command and its descendants together, sampled every 20 ms)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:  # a file: a pipe left unread would stall a chatty one
        proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{tail}")
    return elapsed, peak / 2**20


def measure_cpu(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time and the CPU seconds (user + system) of its process tree:
    on a loaded machine the steadier figure."""
    wall, cpu, _ = measure_all(cmd)
    return wall, cpu


def measure_all(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return its wall time (s), CPU seconds and peak memory (MB), as above. The CPU
    seconds are those the system counts for this process's ended children and their own (exact;
    psutil's children times, the same figures, are 0 on macOS)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak = measure(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), peak


def filmcolor_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "filmcolor", "-q", *map(str, args)]


def default_pair(pair: str | None) -> Path:
    """The pair given, or the one the demo generates (made now if missing)."""
    from ..recipes.demo import demo_pair

    return Path(pair) if pair else demo_pair(DEMO_PAIR)


def aligned_pair(pair: str | None, folder: Path) -> Path:
    """Align the pair (see ``default_pair``) into ``folder``/aligned and return that dataset."""
    from filmcolor.alignment.aligner import align

    source = default_pair(pair)
    return align(source / "bw.mp4", source / "color.mp4", folder / "aligned").out


def machine() -> str:
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores{load}"


def emit(record: dict) -> None:
    """The benchmark's last line: its figures as one JSON object."""
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}))


def sound_seconds(path: Path) -> tuple[str, float] | None:
    """Codec and length of the first audio stream of a file (or of a sequence's audio.wav), its
    own length where the file keeps one (Matroska: a tag), else the container's; None if none."""
    if path.is_dir():
        path = path / "audio.wav"
        if not path.exists():
            return None
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries"]
        + ["stream=codec_name,duration:stream_tags=DURATION:format=duration", "-of", "json"]
        + [str(path)],
        capture_output=True,
        check=True,
    ).stdout
    found = json.loads(out)
    if not found.get("streams"):
        return None
    stream = found["streams"][0]
    said = stream.get("duration") or stream.get("tags", {}).get("DURATION")
    if said and ":" in said:  # HH:MM:SS.fraction
        hours, minutes, seconds = said.split(":")
        return stream["codec_name"], int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return stream["codec_name"], float(said or found["format"]["duration"])
