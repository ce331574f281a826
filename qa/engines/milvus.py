"""The Milvus engine: one collection per build behind an alias, for collections past one machine.

A build writes `<alias>_<time>` (a row per passage: its vector, its BM25 term weights as a sparse vector, the
filter fields and the whole passage as JSON) and `<alias>_<time>_meta` (the manifest, tokenizer words, lexicon
and BM25 vocabulary that a serving process needs), then points the alias at the new collection in one call.
Serving processes on any machine read everything from Milvus, so they hold no index files and all see a rebuild.

Keyword search uses *our* BM25 (jieba tokens that keep the corpus's names whole, English stems, traditional →
simplified), stored as sparse vectors and scored by inner product: the scores the FAISS engine computes from the
same matrix, so both engines rank a build the same. Milvus's own BM25 function (its jieba analyzer) was not
used: its scores differ in sign and scale between Milvus Lite and a server and change under filters, and its
tokens are not ours.

`QA_MILVUS_URI` is a local `*.db` path (Milvus Lite: the process that opens it serves it; a `qa serve` shares it
with the machine's builds, see `lite`) or `http://host:port` of a Milvus server.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import IndexProblem, MilvusProblem
from ..keywords import Tokenizer
from ..reader import Passage
from ..settings import Settings
from . import MILVUS, lite
from .base import Build, Candidates, Engine, Filter, Index, Query, Search, Terms, Written, union_scores
from .folder import check_format, check_model
from .milvus_units import UNITS_SUFFIX, open_units, unit_blobs, write_units

META_SUFFIX = "_meta"
STAMP = r"\d{8}T\d{12}Z"
INSERT_BATCH = 1000  # rows per insert call: well under gRPC's 64 MB message limit at 1,024 dimensions
READ_BATCH = 1000  # rows per page when reading passages back
CHUNK_CHARS = 16_000  # one meta row's text: under VARCHAR's 65,535 bytes even at 4 bytes a character
META_PAGE = 1_024  # meta rows read a query (up to 16 MB of text); Milvus's largest query window is 16,384
VARCHAR_BYTES = 65_535
FILTER_FIELD_BYTES = 4_096
META_DIM = 2  # every collection needs a vector field; the meta collection's is never searched
HNSW_EF_CONSTRUCTION_MIN = 80  # HNSW build breadth: 2·M, never below this
IP = "IP"
SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://")  # anything else is a local Milvus Lite path

_clients: dict[tuple[str, str], object] = {}
_clients_lock = threading.Lock()


def is_server(uri: str) -> bool:
    """Whether QA_MILVUS_URI names a Milvus server rather than a local Milvus Lite path: the one rule."""
    return uri.startswith(SERVER_SCHEMES)


def uri_of(settings: Settings) -> str:
    """The URI pymilvus opens: a server address as given, a local path made absolute (it names a file lock)."""
    uri = settings.milvus_uri
    if is_server(uri):
        return uri
    if not uri.endswith(".db"):
        raise MilvusProblem(f"QA_MILVUS_URI {uri!r}: a local Milvus Lite path must end in .db (or use http://…)")
    Path(uri).parent.mkdir(parents=True, exist_ok=True)
    return str(Path(uri).resolve())


def connect(settings: Settings):
    """One client per URI and process: Milvus Lite allows one opener of a path, and gRPC channels are shared.

    A local path is reached through the `qa serve` that shares it, if one runs on this machine (`lite`)."""
    lite.quiet_logs()  # before pymilvus loads gRPC
    from pymilvus import MilvusClient

    key = (uri_of(settings), settings.milvus_token)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            local = not is_server(key[0])
            address, options = (lite.address(key[0]), lite.CLIENT_OPTIONS) if local else (key[0], {})
            try:
                client = MilvusClient(uri=address, token=key[1], **options)
            except Exception as exc:
                raise MilvusProblem(f"cannot open Milvus at {key[0]} ({type(exc).__name__}: {exc})") from None
            _clients[key] = client
        return client


def disconnect(settings: Settings) -> None:
    """Close this process's client for the URI (tests reopen a local path from another process)."""
    uri = uri_of(settings)
    with _clients_lock:
        client = _clients.pop((uri, settings.milvus_token), None)
    if client is not None:
        client.close()
    if not is_server(uri):
        lite.release(uri)


def quoted(value: str) -> str:
    """A Milvus string literal (this Milvus Lite has no filter templates)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expression(where: Filter | None) -> str:
    return " and ".join(f"{name} == {quoted(value)}" for name, value in where.items()) if where else ""


def current_collection(settings: Settings) -> str:
    client = connect(settings)
    alias = settings.milvus_collection
    try:
        return client.describe_alias(alias)["collection_name"]
    except Exception:
        raise MilvusProblem(
            f"no Milvus collection behind alias {alias!r} at {uri_of(settings)}: run `qa build` with QA_BACKEND=milvus"
        ) from None


class MilvusSearch(Search):
    backend = MILVUS

    def __init__(self, client, collection: str, size: int, dimension: int, kind: str, ef_search: int):
        self.client = client
        self.collection = collection
        self._size, self._dimension, self._kind = size, dimension, kind
        self._ef_search = ef_search

    @property
    def size(self) -> int:
        return self._size

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def kind(self) -> str:
        return self._kind

    def _search(self, data, field: str, k: int, expr: str, params: dict) -> np.ndarray:
        hits = self.client.search(
            self.collection,
            data=[data],
            anns_field=field,
            limit=min(k, max(self._size, 1)),
            filter=expr,
            output_fields=["row"],
            search_params={"metric_type": IP, "params": params},
        )[0]
        return np.asarray([h["row"] for h in hits], dtype=np.int64)

    def _dense_params(self, k: int) -> dict:
        return {"ef": max(self._ef_search, k)} if self._kind == "hnsw" else {}

    def dense(self, vector, k, where=None):
        rows = self._search(vector.astype(np.float32).tolist(), "vector", k, expression(where), self._dense_params(k))
        if rows.size == 0:
            return rows, np.zeros(0, dtype=np.float32)
        vectors, _ = self._fetch(rows)
        return rows, np.asarray(vectors @ vector, dtype=np.float32)

    def candidates(self, query: Query, k: int, where: Filter | None = None) -> Candidates:
        expr = expression(where)
        dense = self._search(query.vector.astype(np.float32).tolist(), "vector", k, expr, self._dense_params(k))
        keyword = np.zeros(0, dtype=np.int64)
        if query.columns.size:
            asked = {int(c): float(n) for c, n in zip(query.columns, query.counts, strict=True)}
            keyword = self._search(asked, "terms", k, expr, {})
        rows = np.union1d(dense, keyword).astype(np.int64)
        if rows.size == 0:
            return Candidates.empty()
        # Both scores of every candidate from its stored vector and weights: exact, whichever list found it.
        vectors, weights = self._fetch(rows, int(query.columns.max(initial=-1)) + 1)
        dense_scores, keyword_scores = union_scores(rows, vectors, weights, query)
        return Candidates(rows, dense_scores, keyword_scores)

    def _fetch(self, rows: np.ndarray, columns: int = 0) -> tuple[np.ndarray, sparse.csr_matrix]:
        """Stored vectors and term weights of `rows`, the weights at least `columns` wide."""
        got = self.client.get(self.collection, ids=rows.tolist(), output_fields=["vector", "terms"])
        by_row = {int(g["row"]): g for g in got}
        vectors = np.asarray([by_row[int(r)]["vector"] for r in rows], dtype=np.float32)
        indptr, indices, data = [0], [], []
        for r in rows:
            terms = by_row[int(r)]["terms"]
            indices.extend(int(c) for c in terms)
            data.extend(float(w) for w in terms.values())
            indptr.append(len(indices))
        width = max(max(indices, default=0) + 1, columns)
        weights = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width), dtype=np.float32)
        return vectors, weights


def _schema(client, dimension: int):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("speaker", DataType.VARCHAR, max_length=FILTER_FIELD_BYTES)
    schema.add_field("document", DataType.VARCHAR, max_length=FILTER_FIELD_BYTES)
    schema.add_field("speech", DataType.INT64)
    schema.add_field("passage", DataType.JSON)  # every source key, filterable as passage["place"] etc.
    return schema


def _meta_schema(client):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("body", DataType.VARCHAR, max_length=VARCHAR_BYTES)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=META_DIM)
    return schema


def _index_params(client, settings: Settings, size: int, vector_field: str = "vector"):
    params = client.prepare_index_params()
    if size >= settings.ann_threshold:
        ef_construction = max(2 * settings.hnsw_m, HNSW_EF_CONSTRUCTION_MIN)
        hnsw = {"M": settings.hnsw_m, "efConstruction": ef_construction}
        params.add_index(vector_field, index_type="HNSW", metric_type=IP, params=hnsw)
    else:
        params.add_index(vector_field, index_type="FLAT", metric_type=IP)
    params.add_index("terms", index_type="SPARSE_INVERTED_INDEX", metric_type=IP)
    return params


def _blobs(build, manifest: dict) -> dict[str, str]:
    vocab = sorted(build.bm25.vocab, key=build.bm25.vocab.get)
    terms = Terms.from_matrix(build.bm25.matrix, build.bm25.vocab)
    return {
        "manifest": json.dumps(manifest, ensure_ascii=False),
        "words": json.dumps(build.tokenizer.words, ensure_ascii=False),
        "lexicon": json.dumps(build.lexicon, ensure_ascii=False),
        "vocab": json.dumps(vocab, ensure_ascii=False),
        "max_weights": base64.b64encode(terms.max_weights.astype("<f4").tobytes()).decode("ascii"),
        **unit_blobs(build.units),
    }


def _meta_index(client):
    params = client.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type=IP)
    return params


def _drop_old(client, alias: str, keep: set) -> None:
    """Drop this alias's collections but the new and the replaced one (and leftovers of killed builds)."""
    pattern = re.compile(rf"^{re.escape(alias)}_{STAMP}$")
    for name in client.list_collections():
        base = name.removesuffix(META_SUFFIX).removesuffix(UNITS_SUFFIX)
        if pattern.match(base) and base not in keep:
            client.drop_collection(name)


def _read_blobs(client, meta: str) -> dict[str, str]:
    client.load_collection(meta)
    # Page by page: a large build's parts (its units' places: 12 bytes a unit) outgrow one query window.
    pages = client.query_iterator(meta, batch_size=META_PAGE, filter='key != ""', output_fields=["key", "body"])
    rows: list[dict] = []
    try:
        while page := pages.next():
            rows.extend(page)
    finally:
        pages.close()
    parts: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        key, _, part = r["key"].rpartition(":")
        parts.setdefault(key, []).append((part, r["body"]))
    return {key: "".join(body for _, body in sorted(chunks)) for key, chunks in parts.items()}


def _rows(build: Build, weights: sparse.csr_matrix, start: int, stop: int) -> list[dict]:
    """Passages start..stop as collection rows: vector, BM25 weights (`weights`, the build's matrix by rows) as
    a sparse vector, filter fields, the passage as JSON."""
    weights = weights[start:stop]
    no_terms = len(build.bm25.vocab)  # Milvus refuses an empty sparse vector; no query ever has this column
    rows = []
    for i, p in enumerate(build.passages[start:stop]):
        lo, hi = weights.indptr[i], weights.indptr[i + 1]
        terms = {int(c): float(w) for c, w in zip(weights.indices[lo:hi], weights.data[lo:hi], strict=True) if w}
        rows.append(
            {
                "row": start + i,
                "vector": build.vectors[start + i].tolist(),
                "terms": terms or {no_terms: 1.0},
                "speaker": p.speaker or "",
                "document": p.document,
                "speech": p.speech,
                "passage": p.to_dict(),
            }
        )
    return rows


def _failed(action: str, settings: Settings, exc: Exception) -> MilvusProblem:
    # The alias has not moved: what is served stays whole, and the next build drops what this one left.
    return MilvusProblem(
        f"{action} Milvus at {uri_of(settings)} failed ({type(exc).__name__}: {exc}); "
        "the served collection is unchanged: check QA_MILVUS_URI and run `qa build` again"
    )


class MilvusEngine(Engine):
    """Builds as collections behind an alias; `open` reads everything from Milvus, so any machine can serve."""

    backend = MilvusSearch.backend

    def ready(self) -> None:
        connect(self.settings)

    def write(self, build: Build, folder: Path) -> Written:
        """Write the build into a new collection and its meta collection; the alias does not move yet."""
        try:
            return Written(self._write(build), [])
        except MilvusProblem:
            raise
        except Exception as exc:
            raise _failed("writing the build to", self.settings, exc) from None

    def _write(self, build: Build) -> dict:
        settings = self.settings
        client = connect(settings)
        name = f"{settings.milvus_collection}_{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}Z"
        n, dimension = build.vectors.shape
        kind = "hnsw" if n >= settings.ann_threshold else "flat"
        schema, params = _schema(client, dimension), _index_params(client, settings, n)
        client.create_collection(name, schema=schema, index_params=params)
        weights = build.bm25.matrix.tocsr()
        for start in range(0, n, INSERT_BATCH):
            client.insert(name, _rows(build, weights, start, min(start + INSERT_BATCH, n)))
        client.flush(name)
        if build.units is not None:
            write_units(client, name + UNITS_SUFFIX, build.units, INSERT_BATCH, IP)

        section = {
            "backend": self.backend,
            "uri": uri_of(settings),
            "alias": settings.milvus_collection,
            "collection": name,
            "dense_index": kind,
            "hnsw_ef_construction": max(2 * settings.hnsw_m, HNSW_EF_CONSTRUCTION_MIN) if kind == "hnsw" else None,
        }
        manifest = {**build.manifest, "engine": section}
        meta = name + META_SUFFIX
        client.create_collection(meta, schema=_meta_schema(client), index_params=_meta_index(client))
        rows = [
            {"key": f"{key}:{part:06d}", "body": text[i : i + CHUNK_CHARS], "v": [0.0] * META_DIM}
            for key, text in _blobs(build, manifest).items()
            for part, i in enumerate(range(0, max(len(text), 1), CHUNK_CHARS))
        ]
        for start in range(0, len(rows), INSERT_BATCH):
            client.insert(meta, rows[start : start + INSERT_BATCH])
        client.flush(meta)
        return section

    def publish(self, written: Written) -> None:
        """Point the alias at the written collection in one call: a server sees the old one or the new one,
        never a half-written one. The collection the alias left is kept (a server may still be answering from
        it); older ones of this alias, and leftovers of killed builds, are dropped."""
        try:
            client = connect(self.settings)
            alias, name = self.settings.milvus_collection, written.section["collection"]
            try:
                previous = client.describe_alias(alias)["collection_name"]
            except Exception:
                previous = None
            if previous is None:
                client.create_alias(name, alias)
            else:
                client.alter_alias(name, alias)
            _drop_old(client, alias, keep={name, previous})
        except MilvusProblem:
            raise
        except Exception as exc:
            raise _failed("publishing the build on", self.settings, exc) from None

    def open(self, root: Path, verify: bool = True) -> Index:
        """The served build, read from Milvus (not from `root`): every part is checked as it is read."""
        try:
            return self._open()
        except IndexProblem:
            raise
        except Exception as exc:
            raise IndexProblem(f"Milvus index unreadable ({type(exc).__name__}: {exc}): run `qa build`") from None

    def _open(self) -> Index:
        settings = self.settings
        client = connect(settings)
        collection = current_collection(settings)
        blobs = _read_blobs(client, collection + META_SUFFIX)
        manifest = json.loads(blobs["manifest"])
        check_format(manifest, f"Milvus collection {collection}")
        check_model(manifest, settings, collection)
        client.load_collection(collection)  # a reopened collection answers only once loaded
        n = manifest["counts"]["passages"]
        passages: list[Passage | None] = [None] * n
        iterator = client.query_iterator(collection, batch_size=READ_BATCH, output_fields=["row", "passage"])
        try:
            while batch := iterator.next():
                for r in batch:
                    passages[int(r["row"])] = Passage(**r["passage"])
        finally:
            iterator.close()
        if any(p is None for p in passages):
            raise IndexProblem(f"Milvus collection {collection} is missing passages: run `qa build`")
        vocab = {t: i for i, t in enumerate(json.loads(blobs["vocab"]))}
        weights = np.frombuffer(base64.b64decode(blobs["max_weights"]), dtype="<f4").astype(np.float32)
        kind = manifest["engine"]["dense_index"]
        search = MilvusSearch(client, collection, n, manifest["dimension"], kind, settings.hnsw_ef_search)
        tokenizer = Tokenizer(json.loads(blobs["words"]))
        lexicon = json.loads(blobs["lexicon"])
        units = open_units(client, collection + UNITS_SUFFIX, blobs, manifest)
        if units is not None and not units.fits(n):
            raise IndexProblem(f"Milvus collection {collection} has units of another build: run `qa build`")
        index = Index(manifest, passages, search, Terms(vocab, weights), tokenizer, lexicon, None, collection)
        index.units = units
        return index

    def version(self, root: Path) -> str:
        return current_collection(self.settings)

    def is_current(self, manifest: dict) -> bool:
        section = manifest.get("engine") or {}
        try:
            uri = uri_of(self.settings)
            return section.get("uri") == uri and current_collection(self.settings) == section.get("collection")
        except MilvusProblem:
            return False

    def close(self) -> None:
        disconnect(self.settings)

    @contextlib.contextmanager
    def hosted(self) -> Iterator[None]:
        """A local Milvus Lite path this process holds is shared with the machine's builds (see `lite`)."""
        uri = uri_of(self.settings)
        if is_server(uri):
            yield
            return
        with lite.hosting(uri):
            yield
