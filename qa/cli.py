"""The `qa` command: build the index, ask it questions, measure it, serve it."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import sys
import tempfile
from pathlib import Path

import click

from . import __version__
from .commands.bench import bench
from .commands.common import load_embedder, make_settings, user_errors
from .commands.output import describe_corpus, describe_model, describe_notes, format_result, unmatched_filters
from .cores import spin_briefly
from .settings import MAX_QUERY_CHARS, TOP_K_MAX, TOP_K_MIN, Settings
from .untrusted import PrintableLog

log = logging.getLogger("qa")
build_log = logging.getLogger("qa.build")


# What a failed index write means for the user, by errno.
WRITE_HINTS = {
    errno.ENOSPC: "free some space on that disk or point --index (QA_INDEX_DIR) at another",
    errno.EDQUOT: "free some of your disk quota or point --index (QA_INDEX_DIR) at another folder",
    errno.EROFS: "it is on a read-only file system; point --index (QA_INDEX_DIR) at a writable folder",
    errno.EACCES: "make it writable for this user or point --index (QA_INDEX_DIR) at another folder",
    errno.EPERM: "make it writable for this user or point --index (QA_INDEX_DIR) at another folder",
}


@contextlib.contextmanager
def index_writes(root: Path):
    """A build that cannot write its index (read-only, full, not ours) stops with one line naming the folder and
    what to do; the index being served is left as it was (a build only ever writes beside it)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in WRITE_HINTS:
            raise
        raise click.ClickException(
            f"cannot write the index in {root}: {exc.strerror}; {WRITE_HINTS[exc.errno]} "
            "(the served index is unchanged)"
        ) from None


FOLDERS = {"corpus_dir": ("corpus", "--corpus", "the documents"), "index_dir": ("index", "--index", "the index")}


def require_folders(settings: Settings, *fields: str) -> None:
    """Fail at once when a folder setting names an existing file, before any model or index loads."""
    for field in fields:
        path = getattr(settings, field)
        if path.exists() and not path.is_dir():
            what, flag, holds = FOLDERS[field]
            raise click.ClickException(
                f"{what} {path} is a file, not a folder: {flag} (or QA_{field.upper()}) names the folder "
                f"that holds {holds}"
            )


def progress_bar(total: int, desc: str, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False)


@contextlib.contextmanager
def file_progress(desc: str):
    """A `progress(done, total)` callback drawing a bar once the total is known; none when stderr is not a
    terminal (logs and the one-line errors of scripted runs stay clean)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = progress_bar(total, desc, "file")
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


def ensure_built(corpus, embedder, settings: Settings, root: Path, force: bool):
    """Build and publish `root` unless it already holds this corpus with this model."""
    from .store import BUILDS, BuildStats, build_lock, is_up_to_date, timed_build

    with index_writes(root), build_lock(root):
        if not force and is_up_to_date(root, corpus.fingerprint, settings):
            return BuildStats(len(corpus.documents), 0, len(corpus.passages), 0, 0, 0.0, corpus.skipped, True)
        # A folder we cannot write fails now, not after minutes of embedding.
        with tempfile.TemporaryFile(dir=root / BUILDS if (root / BUILDS).is_dir() else root):
            pass
        with progress_bar(len(corpus.passages), "embedding", "passage") as bar:
            return timed_build(corpus, embedder, settings, root, bar.update)


def index_options(fn):
    fn = click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [QA_INDEX_DIR].")(fn)
    fn = click.option("--model", help="sentence-transformers model name or path [QA_MODEL].")(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qa")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logging.")
def cli(verbose: bool):
    """Ask questions of speeches; get back the passages that answer them, with who said them.

    \b
    Examples:
      qa build                          # index ./corpus into ./index
      qa ask "航空港实验区坚持走什么路子？"
      qa eval eval/paraphrased.jsonl
      qa serve                          # then open http://127.0.0.1:8000
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(PrintableLog("%(levelname)s: %(message)s"))
    # The structured lines an operator reads (one per request of `qa serve`, one per build) show without -v.
    for name in ("qa.access", "qa.build"):
        logging.getLogger(name).setLevel(logging.INFO)


@cli.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Corpus folder [QA_CORPUS_DIR].")
@index_options
@click.option("--force", is_flag=True, help="Rebuild even when the index is up to date.")
@click.option(
    "--explain",
    "explain_file",
    type=click.Path(path_type=Path),
    help="Only show how this one file is read (layout, furniture, title block, turns, sections); builds nothing.",
)
def build(corpus_dir, index_dir, model, force, explain_file):
    """Read the corpus and (re)build the index; unchanged paragraphs reuse their embeddings.

    \b
    Examples:
      qa build
      qa build --corpus ~/speeches --index ~/speeches-index
      qa build --force --model paraphrase-multilingual-MiniLM-L12-v2
      qa build --explain corpus/2024-report.txt
    """
    settings = make_settings(corpus_dir=corpus_dir, index_dir=index_dir, model=model)
    if explain_file is not None:
        from .reader.explain import ExplainError, explain
        from .reader.limits import MB

        try:
            click.echo(explain(explain_file, settings.corpus_dir, max_file_bytes=int(settings.max_file_mb * MB)))
        except ExplainError as exc:
            raise click.ClickException(str(exc)) from None
        return
    require_folders(settings, "corpus_dir", "index_dir")
    with user_errors():
        from .reader import read_speeches

        with file_progress("reading") as progress:
            corpus = read_speeches(settings, progress)
        stats = ensure_built(corpus, lambda: load_embedder(settings), settings, settings.index_dir, force)
    build_log.info(
        json.dumps(
            {
                "event": "build",
                "index": str(settings.index_dir),
                "up_to_date": stats.up_to_date,
                "passages": stats.passages,
                "reused": stats.reused,
                "embedded": stats.embedded,
                "seconds": round(stats.seconds, 3),
            }
        )
    )
    click.echo(describe_corpus(corpus))  # each skipped file was named by a warning as it was read
    if corpus.notes:
        click.echo(describe_notes(corpus.notes))
    click.echo(describe_model(settings.model))
    if stats.up_to_date:
        click.echo(f"index in {settings.index_dir} is up to date ({stats.passages} passages); --force rebuilds it")
        return
    share = stats.reused / stats.passages if stats.passages else 0.0
    click.echo(
        f"built {settings.index_dir}: {stats.documents} documents, {stats.speeches} speeches, "
        f"{stats.passages} passages in {stats.seconds:.1f} s "
        f"({stats.reused} embeddings reused = {share:.0%}, {stats.embedded} computed)"
    )


@cli.command()
@click.argument("question")
@click.option("-k", "--top-k", type=click.IntRange(TOP_K_MIN, TOP_K_MAX), help="How many passages [QA_TOP_K].")
@click.option(
    "--speaker", help="Only passages by this speaker: a name, role and name, or a unique part of one (any script)."
)
@click.option("--document", help="Only passages from this document: its path in the corpus, or a unique name or stem.")
@click.option("--by-speaker", is_flag=True, help="The best passage of each speaker, up to -k speakers.")
@click.option("--date-from", metavar="DATE", help="Only speeches dated on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD).")
@click.option("--date-to", metavar="DATE", help="Only speeches dated on or before DATE (inclusive).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@index_options
def ask(question, top_k, speaker, document, by_speaker, date_from, date_to, as_json, index_dir, model):
    """Print the passages that best answer QUESTION, with who said them.

    \b
    Examples:
      qa ask "巩义要建成什么基地？"
      qa ask "人才" --speaker 牛瑞华 -k 3
      qa ask "登封 小微企业园" --json
      qa ask "科技创新" --by-speaker -k 10
      qa ask "trade" --date-to 2019
    """
    from .dates import DateProblem, DateRange
    from .facets import Scope
    from .service import Service

    settings = make_settings(index_dir=index_dir, model=model, top_k=top_k)
    require_folders(settings, "index_dir")
    if not question.strip():
        raise click.ClickException("the question is empty")
    if len(question) > MAX_QUERY_CHARS:
        raise click.ClickException(f"the question is longer than {MAX_QUERY_CHARS} characters")
    try:
        dates = DateRange.parse(date_from, date_to)
    except DateProblem as exc:
        raise click.ClickException(str(exc).replace("date_", "--date-")) from None
    with user_errors():
        # The server's own search: the same filters, date ranges and per-speaker grouping as the API.
        service = Service(settings, lambda: load_embedder(settings), many_questions=False)
        results = service.search(question, settings.top_k, speaker, document, Scope(dates, by_speaker))
    if as_json:
        click.echo(json.dumps({"query": question, "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        return
    if not results:
        click.echo("no passage matches" + "".join(unmatched_filters(service.loaded.searcher, speaker, document)))
    for r in results:
        click.echo(format_result(r))


@cli.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "cmrc2018"]), default="jsonl", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the metrics.")
@click.option("--fusion", type=click.Choice(["weighted", "rrf"]), help="Fusion to measure [QA_FUSION].")
@click.option(
    "--dense-weight",
    type=float,
    help="Dense share in weighted fusion [QA_DENSE_WEIGHT]; English questions: QA_DENSE_WEIGHT_EN.",
)
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), help="Write this run (metrics, ranks).")
@click.option(
    "--compare",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A run written by --save: list the questions that lost rank since.",
)
@index_options
def evaluate(file, fmt, as_json, fusion, dense_weight, save, compare, index_dir, model):
    """Measure retrieval on a question file: hit@1/3/5/10 and MRR@10.

    \b
    jsonl: one {"q": "...", "gold": ["substring", ...]} a line, asked of the index (--index).
    cmrc2018: a SQuAD-style file whose contexts are indexed (cached beside --index).

    \b
    Examples:
      qa eval eval/paraphrased.jsonl
      qa eval eval/paraphrased.jsonl --compare before.json --save after.json
      qa eval benchmarks/cmrc2018/cmrc2018_dev.json --format cmrc2018 --json
    """
    from .evaluation import KS, rank_changes, read_cmrc, read_jsonl, read_run, score
    from .facets import served_search, wide_settings
    from .retrieval import Searcher
    from .store import load_index

    settings = make_settings(index_dir=index_dir, model=model, fusion=fusion, dense_weight=dense_weight)
    require_folders(settings, "index_dir")
    with user_errors():
        before = read_run(compare) if compare else None
        if fmt == "cmrc2018":
            corpus, questions = read_cmrc(file)
            root = settings.index_dir / "eval-cache" / corpus.fingerprint[:16]
            # With Milvus the eval corpus gets its own alias, so evaluating never replaces the served collection.
            settings = settings.model_copy(update={"milvus_collection": f"eval_{corpus.fingerprint[:16]}"})
            embedder = load_embedder(settings)
            ensure_built(corpus, embedder, settings, root, force=False)
            index = load_index(root, settings)
        else:
            questions = read_jsonl(file)
            index = load_index(settings.index_dir, settings)
            embedder = load_embedder(settings)
        searcher = Searcher(index, embedder, settings)
        wide = Searcher(index, embedder, wide_settings(settings))

        def search(q):  # as /api/search answers it: a year the question names lifts that year's speeches
            results = served_search(searcher, wide, q, max(KS), year_boost=settings.year_boost)
            return [index.passages[index.by_id[r.id]] for r in results]

        with progress_bar(len(questions), "asking", "question") as bar:
            metrics = score(questions, search, bar.update)
    if save:
        try:
            save.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {save}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(json.dumps(metrics, ensure_ascii=False))
        return
    click.echo(f"{file.name}: {metrics['questions']} questions, {index.manifest['counts']['passages']} passages")
    click.echo(format_metrics(metrics))
    for lang, part in metrics.get("by_lang", {}).items():
        click.echo(f"  {lang}: {part['questions']} questions  {format_metrics(part)}")
    if before is not None:
        changes = rank_changes(before, metrics)
        lost = [c for c in changes if c.lost]
        click.echo(f"since {compare.name}: {len(lost)} questions lost rank, {len(changes) - len(lost)} gained")
        for c in lost:
            click.echo(f"  {format_rank(c.before)} -> {format_rank(c.after)}  {c.q}")


def format_rank(rank: int | None) -> str:
    return f"#{rank}" if rank is not None else "miss"


def format_metrics(metrics: dict) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))


@cli.command()
@click.option("--host", help="Address to listen on [QA_HOST, default 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535), help="Port; 0 picks a free one [QA_PORT, default 8000].")
@index_options
def serve(host, port, index_dir, model):
    """Serve the chat page and the retrieval API; picks up a newly built index by itself.

    \b
    Examples:
      qa serve                      # http://127.0.0.1:8000
      qa serve --port 8080 --index /srv/speeches-index
      qa serve --port 0             # a free port, printed
    """
    import uvicorn

    from .api import create_app
    from .engines import engine_for
    from .service import Service
    from .serving import listening_socket, server_config

    settings = make_settings(host=host, port=port, index_dir=index_dir, model=model)
    require_folders(settings, "index_dir")
    # Bound before the index and model load (seconds), so a taken port fails at once, in one line; and the line
    # below names the real port (also for --port 0).
    try:
        sock = listening_socket(settings.host, settings.port)
    except OSError as exc:
        hint = "; pick another with --port (0: any free one)" if exc.errno == errno.EADDRINUSE else ""
        raise click.ClickException(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}{hint}") from None
    try:
        with user_errors():
            service = Service(settings, lambda: load_embedder(settings))  # the index is checked first
    except BaseException:
        sock.close()
        raise
    app = create_app(settings, service=service)
    url = f"http://{settings.host}:{sock.getsockname()[1]}"
    # Listening before the line goes out: a client that connects on reading it waits in the backlog until uvicorn
    # (and Milvus Lite's server) start, instead of being refused (seen: a test's first requests, 23 ms after it).
    sock.listen()
    click.echo(f"serving {len(service.index.passages)} passages on {url}", err=True)
    with engine_for(settings).hosted():  # Milvus Lite: builds on this machine reach the data through this server
        uvicorn.Server(server_config(app, settings)).run(sockets=[sock])


@cli.command(name="mcp")
@index_options
def mcp_command(index_dir, model):
    """Serve the index to an AI assistant over MCP (stdio): tools search_speeches, get_passage, list_speakers.

    \b
    Examples (an MCP client starts it; see README, "MCP"):
      qa mcp --index /srv/speeches-index
    """
    from .integrations.mcp import serve_stdio
    from .service import Service

    settings = make_settings(index_dir=index_dir, model=model)
    require_folders(settings, "index_dir")
    with user_errors():
        service = Service(settings, lambda: load_embedder(settings))  # stdout is the protocol's: messages go to stderr
    serve_stdio(service)


cli.add_command(bench)


def main():
    spin_briefly()
    cli(prog_name="qa")
