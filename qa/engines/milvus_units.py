"""Milvus's part of sentence units (`qa.units`): their vectors in a second collection `<build>_units`, one row per
unit keyed by its place in passage order; where each passage's units are (starts, spans) in the meta collection."""

from __future__ import annotations

import base64

import numpy as np

from ..units import Units

UNITS_SUFFIX = "_units"


def unit_blobs(units: Units | None) -> dict[str, str]:
    """Where each passage's units are (small: two integers a unit); their vectors go to the units collection."""
    if units is None:
        return {}
    return {
        "unit_starts": base64.b64encode(units.starts.astype("<i8").tobytes()).decode("ascii"),
        "unit_spans": base64.b64encode(units.spans.astype("<i4").tobytes()).decode("ascii"),
    }


def write_units(client, name: str, units: Units, batch: int, metric: str) -> None:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("unit", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=units.vectors.shape[1])
    params = client.prepare_index_params()
    params.add_index("vector", index_type="FLAT", metric_type=metric)  # never searched: read by key for candidates
    client.create_collection(name, schema=schema, index_params=params)
    for start in range(0, units.size, batch):
        end = min(start + batch, units.size)
        # Rounded as the FAISS folder stores them (float16), so both engines score a unit the same.
        vectors = np.asarray(units.vectors[start:end], dtype=np.float16).astype(np.float32)
        rows = [{"unit": u, "vector": v.tolist()} for u, v in zip(range(start, end), vectors, strict=True)]
        client.insert(name, rows)
    client.flush(name)


class UnitVectors:
    """The units collection read like an array: `vectors[members]` fetches just those rows (a search's
    candidates' units), so a server holds no unit vector in memory."""

    def __init__(self, client, collection: str, size: int, dimension: int):
        self.client, self.collection = client, collection
        self.shape = (size, dimension)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, members: np.ndarray) -> np.ndarray:
        out = np.zeros((len(members), self.shape[1]), dtype=np.float32)
        if len(members):
            got = self.client.get(self.collection, ids=[int(m) for m in members], output_fields=["vector"])
            place = {int(m): i for i, m in enumerate(members)}
            for r in got:
                out[place[int(r["unit"])]] = r["vector"]
        return out


def open_units(client, collection: str, blobs: dict, manifest: dict) -> Units | None:
    """The build's units, their vectors left in `collection`; None for a build from before units."""
    if "unit_starts" not in blobs:
        return None  # built before units: passages are matched whole
    starts = np.frombuffer(base64.b64decode(blobs["unit_starts"]), dtype="<i8").astype(np.int64)
    spans = np.frombuffer(base64.b64decode(blobs["unit_spans"]), dtype="<i4").astype(np.int32).reshape(-1, 2)
    client.load_collection(collection)
    vectors = UnitVectors(client, collection, len(spans), manifest["dimension"])
    return Units(starts, spans, vectors)
