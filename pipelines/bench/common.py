"""What the benchmarks share: timing a command and its peak memory, the film pair, the JSON."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

DEMO_PAIR = Path("demo") / "pair"


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time (s) and the peak memory of its process tree (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}"
        )
    return elapsed, peak / 1024


def measure_cpu(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time and the CPU seconds (user + system) of its process tree:
    on a loaded machine the steadier figure."""
    wall, cpu, _ = measure_all(cmd)
    return wall, cpu


def measure_all(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return its wall time (s), CPU seconds and peak memory (MB), as above."""
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
