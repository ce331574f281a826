"""`qa bench`: build an index of N recombined passages in a temporary folder and measure it."""

from __future__ import annotations

import click

from .common import load_embedder, make_settings, user_errors


@click.command()
@click.option(
    "--passages", default="10000", metavar="N", show_default=True, help="Passages indexed (100 to 5,000,000)."
)
@click.option(
    "--vectors",
    type=click.Choice(["auto", "model", "composed", "projection"]),
    default="auto",
    show_default=True,
    help="Passage vectors: the model's; composed from the model's vectors of their sentences; or a seeded "
    "projection of their text (auto: the model's up to 20,000 passages, composed past that).",
)
@click.option("--queries", default="200", metavar="Q", show_default=True, help="Queries timed (1 to 100,000).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the text recombination.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--model", help="sentence-transformers model name or path [QA_MODEL].")
@click.option("--backend", type=click.Choice(["faiss", "milvus"]), help="Engine measured [QA_BACKEND].")
@click.option(
    "--units/--no-units",
    default=None,
    help="Cut passages into sentence units, as `qa build` does by default; --no-units matches passages whole, "
    "as benches before units did [QA_UNITS].",
)
def bench(passages, vectors, queries, seed, as_json, model, backend, units):
    """Build an index of N passages in a temporary folder; measure build, search latency, recall and memory.

    The passages are real text, recombined: the seed corpus and the CMRC 2018 contexts cut into sentences and
    joined at random (seeded, one source text per passage) to the seed's paragraph lengths. Past 20,000
    passages their vectors are composed from the model's vectors of their sentences instead of running the
    model on each (--vectors model forces it); queries always go through the model. Index settings
    (QA_ANN_THRESHOLD, QA_IVF_PROBES, QA_HNSW_EF_SEARCH for Milvus, ...) apply as everywhere.

    \b
    Examples:
      qa bench --passages 1000
      qa bench --passages 100000 --json > bench-100k.json
      QA_IVF_PROBES=64 qa bench --passages 1000000 --json
      qa bench --passages 100000 --no-units --json   # comparable with results from before units
    """
    from ..bench.report import format_report, to_json
    from ..bench.run import MAX_PASSAGES, MIN_PASSAGES, run_bench

    def count(name: str, value: str, low: int, high: int) -> int:
        try:
            number = int(value.replace(",", "").replace("_", ""))
        except ValueError:
            raise click.ClickException(f"--{name} must be a whole number, not {value!r}") from None
        if not low <= number <= high:
            raise click.ClickException(f"--{name} must be between {low:,} and {high:,}, not {number:,}")
        return number

    passages = count("passages", passages, MIN_PASSAGES, MAX_PASSAGES)
    queries = count("queries", queries, 1, 100_000)
    settings = make_settings(model=model, backend=backend, units=units)
    with user_errors():
        embedder = load_embedder(settings)
        result = run_bench(passages, settings, embedder, vectors, queries, seed, lambda m: click.echo(m, err=True))
    click.echo(to_json(result) if as_json else format_report(result))
