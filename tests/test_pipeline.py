import logging
import subprocess

import pytest

from filmcolor.errors import FilmcolorError
from pipelines.recipes.film import report, run_pipeline


@pytest.mark.slow
def test_pipeline_runs_every_stage_then_resumes_by_skipping(easy_pair, tmp_path, caplog):
    """From a scan (a folder of 16-bit PNG frames, its sound in another file) to a TIFF master."""
    scan = tmp_path / "scan"
    scan.mkdir()
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(easy_pair / "bw.mp4")]
        + ["-pix_fmt", "gray16be", str(scan / "%06d.png")],
        check=True,
    )
    out = tmp_path / "film"
    run = dict(epochs=1, render_duration=2, audio=easy_pair / "bw.mp4", render_as="tif")
    paths = run_pipeline(scan, easy_pair / "color.mp4", out, progress=False, **run)
    for key in ("aligned", "run", "film", "review", "film_evaluation"):
        assert paths[key].exists()
    assert len(list(paths["film"].glob("*.tif"))) == 48 and (paths["film"] / "audio.wav").exists()
    assert (paths["run"] / "evaluation.json").exists()
    text = report(paths)
    assert "colorized film" in text and str(paths["film"]) in text
    (paths["run"] / "evaluation.json").unlink()  # as if stopped before evaluating
    with caplog.at_level(logging.INFO, logger="filmcolor"):
        run_pipeline(scan, easy_pair / "color.mp4", out, progress=False, **run)
    assert caplog.text.count("already done") == 4
    assert (paths["run"] / "evaluation.json").exists()
    with pytest.raises(FilmcolorError, match="another color and epochs.*--overwrite"):
        run_pipeline(scan, easy_pair / "bw.mp4", out, progress=False, **{**run, "epochs": 2})
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "aligned").mkdir()
    with pytest.raises(FilmcolorError, match="cannot tell the origin"):
        run_pipeline(
            easy_pair / "bw.mp4",
            easy_pair / "color.mp4",
            tmp_path / "other",
            epochs=1,
            progress=False,
        )
