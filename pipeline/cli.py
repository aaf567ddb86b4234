"""Command line: each command parses options and calls a plain function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.run import DEFAULT_CHUNK_SIZE, EXIT_FAILED, EXIT_OK, EXIT_WITH_REJECTS, RunResult

DEFAULT_INPUT = Path("seeds/articles")
DEFAULT_OUTPUT = Path("output")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """cnru-extract: news about China-Russia sub-national exchanges -> Parquet tables."""


@main.command(
    epilog=(
        f"Exit codes: {EXIT_OK} = every input extracted; {EXIT_WITH_REJECTS} = finished, but some "
        f"inputs or records were skipped (see rejects.parquet and manifest.json); "
        f"{EXIT_FAILED} = the run failed, previous tables are left as they were; 2 = bad usage."
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
    except (FileNotFoundError, OSError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(summary(result))
    sys.exit(result.exit_code)


def summary(result: RunResult) -> str:
    """The one-screen summary printed after a run."""
    lines = [
        f"Read {result.articles_read} articles, extracted {result.articles_extracted}, "
        f"skipped {result.rejected} inputs in {result.seconds:.1f}s "
        f"({result.words / max(result.seconds, 1e-9):,.0f} words/s).",
    ]
    if result.parts_resumed:
        lines.append(f"Resumed: {result.parts_resumed} finished parts reused.")
    if result.reject_reasons:
        reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(result.reject_reasons.items()))
        lines.append(f"Skipped by reason: {reasons} (details in rejects.parquet).")
    lines.append("Rows per table:")
    lines.extend(f"  {name:<14}{count:>8}" for name, count in result.rows.items())
    lines.append(f"Tables written to {result.out_dir}/ (manifest.json lists inputs and versions).")
    return "\n".join(lines)


@main.command("build-model")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("models/cnru_core"))
def build_model(out_dir: Path) -> None:
    """Assemble the default pipeline from its config and save it to OUT_DIR."""
    from pipeline.nlp import assemble

    nlp = assemble()
    nlp.to_disk(out_dir)
    click.echo(f"Saved {nlp.meta['name']} {nlp.meta['version']} ({', '.join(nlp.pipe_names)}) to {out_dir}")


if __name__ == "__main__":
    main()
