"""Independent checks for the transfer tests, in Python (the reference Chroma's venv): its json
keeps 1.0 a float and 1 an int, numpy compares float32 bit for bit, and pyarrow reads Parquet.

  transfer_check.py compare URL_A NAME_A URL_B NAME_B   collections hold the same records and settings
  transfer_check.py parquet FILE                        what pyarrow reads from an exported file

Each prints one JSON object on stdout.
"""
import json
import sys
import urllib.request

import numpy as np


def db(database):
    return f"/api/v2/tenants/default_tenant/databases/{database}"
PAGE = 5000


def call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


def collection(base, name):
    """NAME or DATABASE:NAME (default_database by default)."""
    database, _, name = name.rpartition(":")
    info = call(f"{base}{db(database or 'default_database')}/collections/{name}")
    info["path"] = f"{base}{db(database or 'default_database')}/collections/{info['id']}"
    return info


def records(info):
    out = {}
    offset = 0
    while True:
        page = call(
            f"{info['path']}/get",
            "POST",
            {"limit": PAGE, "offset": offset, "include": ["documents", "metadatas", "embeddings", "uris"]},
        )
        for i, rid in enumerate(page["ids"]):
            out[rid] = {
                "document": page["documents"][i],
                "metadata": page["metadatas"][i],
                "embedding": np.array(page["embeddings"][i], dtype=np.float32),
                "uri": page["uris"][i],
            }
        if len(page["ids"]) < PAGE:
            return out
        offset += PAGE


def typed(value, loose=False):
    """A value with its JSON type made explicit: 1 and 1.0 and True differ (unless loose: then an
    integral float counts as an int)."""
    if isinstance(value, dict):
        return {k: typed(v, loose) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v, loose) for v in value]
    if loose and isinstance(value, float) and value.is_integer():
        return ["int", int(value)]
    return [type(value).__name__, value]


def shared_keys(schema_a, schema_b):
    """Both schemas with only the `keys` entries both have: Chroma adds an entry per metadata key
    written, HueDB does not (docs/compatibility.md); what both have must still be equal."""
    if not isinstance(schema_a, dict) or not isinstance(schema_b, dict):
        return schema_a, schema_b
    both = (schema_a.get("keys") or {}).keys() & (schema_b.get("keys") or {}).keys()
    trim = lambda s: {**s, "keys": {k: v for k, v in (s.get("keys") or {}).items() if k in both}}
    return trim(schema_a), trim(schema_b)


def compare(url_a, name_a, url_b, name_b, mode="strict"):
    """mode "loose" allows HueDB's documented differences (docs/compatibility.md) in what a
    collection says of itself: its metadata's `2.0` may read back as `2`, and its schema lacks
    the keys Chroma discovers from written metadata. Records are always compared strictly."""
    a, b = collection(url_a, name_a), collection(url_b, name_b)
    differences = []
    loose = mode == "loose"
    if loose:
        a["schema"], b["schema"] = shared_keys(a.get("schema"), b.get("schema"))
    for key in ("metadata", "configuration_json", "schema"):
        if typed(a.get(key), loose and key == "metadata") != typed(b.get(key), loose and key == "metadata"):
            differences.append(f"collection {key}: {json.dumps(a.get(key))} != {json.dumps(b.get(key))}")
    ra, rb = records(a), records(b)
    if ra.keys() != rb.keys():
        differences.append(f"ids: {len(ra)} vs {len(rb)}, {len(ra.keys() - rb.keys())} only in A, {len(rb.keys() - ra.keys())} only in B")
    for rid in sorted(ra.keys() & rb.keys()):
        x, y = ra[rid], rb[rid]
        for field in ("document", "uri"):
            if x[field] != y[field]:
                differences.append(f"{rid} {field}: {x[field]!r} != {y[field]!r}")
        if typed(x["metadata"]) != typed(y["metadata"]):
            differences.append(f"{rid} metadata: {x['metadata']!r} != {y['metadata']!r}")
        if x["embedding"].tobytes() != y["embedding"].tobytes():
            differences.append(f"{rid} embedding: {x['embedding'][:4]} != {y['embedding'][:4]}")
        if len(differences) > 20:
            break
    print(json.dumps({"records": len(ra), "differences": differences[:20]}))


def parquet(path):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    schema = table.schema
    metadata = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}
    rows = table.to_pylist()
    print(json.dumps({
        "rows": table.num_rows,
        "columns": {field.name: str(field.type) for field in schema},
        "kv": metadata,
        # metadata cells as pyarrow gives them (JSON text), embeddings as float32 bytes in hex
        "sample": [
            {**row, "embedding": None if row["embedding"] is None else np.array(row["embedding"], dtype=np.float32).tobytes().hex()}
            for row in rows[:50]
        ],
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"compare": compare, "parquet": parquet}[command](*args)
