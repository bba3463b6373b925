import logging

import pytest

from filmcolor.errors import FilmcolorError
from pipelines.film import report, run_pipeline


@pytest.mark.slow
def test_pipeline_runs_every_stage_then_resumes_by_skipping(easy_pair, tmp_path, caplog):
    out = tmp_path / "film"
    paths = run_pipeline(
        easy_pair / "bw.mp4",
        easy_pair / "color.mp4",
        out,
        epochs=1,
        render_duration=2,
        progress=False,
    )
    for key in ("aligned", "run", "film", "review", "film_evaluation"):
        assert paths[key].exists()
    assert (paths["run"] / "evaluation.json").exists()
    text = report(paths)
    assert "colorized film" in text and str(paths["film"]) in text
    (paths["run"] / "evaluation.json").unlink()  # as if stopped before evaluating
    with caplog.at_level(logging.INFO, logger="filmcolor"):
        run_pipeline(
            easy_pair / "bw.mp4",
            easy_pair / "color.mp4",
            out,
            epochs=1,
            render_duration=2,
            progress=False,
        )
    assert caplog.text.count("already done") == 4
    assert (paths["run"] / "evaluation.json").exists()
    with pytest.raises(FilmcolorError, match="another color and epochs.*--overwrite"):
        run_pipeline(
            easy_pair / "bw.mp4",
            easy_pair / "bw.mp4",
            out,
            epochs=2,
            render_duration=2,
            progress=False,
        )
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
