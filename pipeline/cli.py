"""Command line: each command parses options and calls a plain function."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from pipeline.run import (
    DEFAULT_CHUNK_SIZE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WITH_REJECTS,
    RunResult,
)

DEFAULT_INPUT = Path("seeds/articles")
DEFAULT_OUTPUT = Path("output")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """cnru-extract: news about China-Russia sub-national exchanges -> Parquet tables."""


@main.command(
    epilog=(
        f"Exit codes: {EXIT_OK} = every input extracted; {EXIT_WITH_REJECTS} = finished, but some "
        f"inputs or records were skipped (see rejects.parquet and manifest.json); "
        f"{EXIT_FAILED} = the run failed, previous tables are left as they were (finished parts are "
        f"kept for --resume); 2 = bad usage; {EXIT_INTERRUPTED} = interrupted (Ctrl-C)."
    )
)
@click.argument("in_path", metavar="IN", type=click.Path(path_type=Path), default=DEFAULT_INPUT)
@click.argument("out_dir", metavar="OUT", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUTPUT)
@click.option("--model", default=None, help="spaCy pipeline directory (default: models/cnru_core).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--resume", is_flag=True, help="Keep finished checkpoint parts of an interrupted run.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK_SIZE, show_default=True,
              help="Items per checkpoint part.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def extract(in_path: Path, out_dir: Path, model: str | None, workers: int, resume: bool,
            chunk_size: int, quiet: bool) -> None:
    """Extract the tables from the articles in IN (a folder, or a .txt/.html/.jsonl file)
    into OUT (default: seeds/articles -> output)."""
    from pipeline.run import extract as run_extract

    try:
        result = run_extract(in_path, out_dir, model=model, workers=workers, resume=resume,
                             chunk_size=chunk_size, progress=not quiet)
    except KeyboardInterrupt:
        click.echo(f"interrupted: the tables in {out_dir} are unchanged; rerun with --resume to reuse "
                   "the finished parts.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except (OSError, ValueError, RuntimeError) as err:  # expected failures: no traceback
        click.echo(f"error: {err}\nThe tables in {out_dir} are unchanged.", err=True)
        sys.exit(EXIT_FAILED)
    except Exception:  # noqa: BLE001 - a bug: show where, keep the documented exit code
        traceback.print_exc()
        click.echo(f"error: the run failed (see above). The tables in {out_dir} are unchanged; "
                   "rerun with --resume to reuse the finished parts.", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(summary(result))
    sys.exit(result.exit_code)


def summary(result: RunResult) -> str:
    """The one-screen summary printed after a run."""
    lines = [
        f"Read {result.articles_read} articles, extracted {result.articles_extracted}, "
        f"skipped {result.rejected} inputs in {result.seconds:.1f}s "
        f"(model load {result.model_seconds:.1f}s; "
        f"{result.words / max(result.processing_seconds, 1e-9):,.0f} words/s after it).",
    ]
    if result.parts_resumed:
        lines.append(f"Resumed: {result.parts_resumed} finished parts reused.")
    elif result.resume:
        lines.append("Resumed: no finished part matched this input, model and chunk size; all of it was processed.")
    if result.reject_reasons:
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(result.reject_reasons.items()))
        lines.append(f"Skipped by reason: {reasons} (details in rejects.parquet).")
    lines.append("Rows per table:")
    lines.extend(f"  {name:<14}{count:>8}" for name, count in result.rows.items())
    lines.append(f"Tables written to {result.out_dir}/ (manifest.json lists inputs and versions).")
    return "\n".join(lines)


@main.command()
@click.option("--articles", type=click.IntRange(min=1), default=50_000, show_default=True,
              help="Generated articles in the large-dump run (use a few hundred for a quick check).")
@click.option("--speed-articles", type=click.IntRange(min=1), default=300, show_default=True,
              help="Generated articles in the speed comparison with stock en_core_web_sm.")
@click.option("--workers", "worker_counts", type=click.IntRange(min=1), multiple=True, default=(1, 2),
              show_default=True, help="Worker counts of the large-dump run (repeat the option).")
@click.option("--repeat", type=click.IntRange(min=1), default=2, show_default=True,
              help="Timed repetitions of the speed comparison (the best is kept).")
@click.option("--skip-speed", is_flag=True, help="Only the large-dump run.")
@click.option("--skip-large", is_flag=True, help="Only the speed comparison.")
@click.option("--model", default=None, help="spaCy pipeline directory (default: models/cnru_core).")
def bench(articles: int, speed_articles: int, worker_counts: tuple[int, ...], repeat: int,
          skip_speed: bool, skip_large: bool, model: str | None) -> None:
    """Measure throughput beside stock en_core_web_sm, and articles/s and peak memory on a
    large generated dump. Prints figures; the floors (speed ratio, memory) are reported, not enforced."""
    from pipeline import bench as benchmarks

    if not skip_speed:
        speed = benchmarks.measure_speed(speed_articles, model=model, repeat=repeat)
        click.echo(benchmarks.format_speed(speed))
    if not skip_large:
        if not skip_speed:
            click.echo("")
        runs = benchmarks.measure_large(articles, worker_counts, model=model, echo=click.echo)
        click.echo(benchmarks.format_large(runs))


@main.command("build-model")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("models/cnru_core"))
def build_model(out_dir: Path) -> None:
    """Assemble the default pipeline from its config and save it to OUT_DIR."""
    from pipeline.nlp import assemble

    nlp = assemble()
    nlp.to_disk(out_dir)
    click.echo(f"Saved {nlp.meta['name']} {nlp.meta['version']} ({', '.join(nlp.pipe_names)}) to {out_dir}")


THRESHOLDS = Path("seeds/gold/thresholds.json")


@main.command()
@click.option("--split", "splits", multiple=True, default=("dev", "test"), show_default=True,
              help="Gold split to score (repeatable).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUTPUT,
              show_default=True, help="Where metrics.json and eval_report.md go.")
@click.option("--system", "systems", multiple=True, help="Systems to score (default: every one available).")
@click.option("--repeat", type=click.IntRange(min=0), default=1, show_default=True,
              help="Timed passes per system for words/s (0: no timing).")
@click.option("--thresholds", type=click.Path(path_type=Path, dir_okay=False), default=THRESHOLDS,
              show_default=True, help="Minimum scores; the command fails when one is missed.")
def evaluate(splits: tuple[str, ...], out_dir: Path, systems: tuple[str, ...], repeat: int, thresholds: Path) -> None:
    """Score the pipeline and the stock-model baseline on the gold set; print the tables and
    fail (exit 1) when a score falls below seeds/gold/thresholds.json."""
    from pipeline.evaluation import report
    from pipeline.evaluation.evaluate import evaluate_splits

    metrics = evaluate_splits(splits, out_dir=out_dir, systems=list(systems) or None, speed_repeat=repeat)
    if hasattr(report, "render_systems_terminal"):
        click.echo(report.render_systems_terminal(metrics))
    click.echo(report.render_terminal(metrics))
    failures = report.check_thresholds(metrics, report.load_thresholds(thresholds))
    click.echo(report.summarize_failures(failures))
    click.echo(f"Full report: {out_dir / 'eval_report.md'} (metrics in {out_dir / 'metrics.json'})")
    sys.exit(EXIT_FAILED if failures else EXIT_OK)


if __name__ == "__main__":
    main()
