"""One benchmark phase through Chroma's official Python client (`chromadb`), against any server
that speaks Chroma's HTTP API v2 (the reference Chroma or HueDB).

bench/src/drivers/py-driver.ts runs one process per phase and reads the single JSON object this
prints on stdout; messages go to stderr. The dataset is the bench's cache directory
(bench/cache/<key>/, written by bench/src/dataset.ts): float32 and uint8 arrays in native
(little-endian) order, described by spec.json.

    python chroma_driver.py ingest      --url U --dataset DIR --collection C --concurrency N --hnsw JSON
    python chroma_driver.py query       --url U --dataset DIR --collection C --concurrency N --warmup W
                                        --budget-s S [--where JSON]
    python chroma_driver.py freshness   --url U [--read-url U2] --dataset DIR --collection C --probes P
    python chroma_driver.py first-query --url U --dataset DIR --collection C
    python chroma_driver.py delete      --url U --collection C
    python chroma_driver.py version
"""

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
import chromadb  # noqa: E402
from chromadb.errors import RateLimitError  # noqa: E402

FRESHNESS_DEADLINE_S = 30.0
MAX_BACKOFF_RETRIES = 200
MAX_ERRORS = 20


def client_for(url):
    u = urlparse(url)
    # The HueDB cluster runs with auth on: bench/src/drivers/py-driver.ts passes its token.
    token = os.environ.get("CHROMA_BENCH_TOKEN")
    headers = {"x-chroma-token": token} if token else None
    return chromadb.HttpClient(host=u.hostname, port=u.port, headers=headers)


def load(dataset_dir):
    with open(os.path.join(dataset_dir, "spec.json")) as f:
        meta = json.load(f)
    spec = meta["spec"]
    files = meta["files"]
    dim = spec["dim"]

    def matrix(name, rows):
        return np.fromfile(os.path.join(dataset_dir, files[name]), dtype="<f4").reshape(rows, dim)

    return {
        "spec": spec,
        "base": matrix("base", spec["size"]),
        "queries": matrix("queries", spec["queries"]),
        "fresh": matrix("fresh", spec["fresh"]),
        "buckets": np.fromfile(os.path.join(dataset_dir, files["buckets"]), dtype=np.uint8),
    }


def index_of(record_id):
    return int(record_id[1:]) if record_id.startswith("r") else -1


def is_backoff(err):
    text = str(err)
    return isinstance(err, RateLimitError) or "Backoff" in text or "429" in text


def ingest(args):
    data = load(args.dataset)
    client = client_for(args.url)
    collection = client.create_collection(
        name=args.collection, configuration={"hnsw": json.loads(args.hnsw)}, embedding_function=None
    )
    batch_size = client.get_max_batch_size()
    size = data["spec"]["size"]
    batches = list(range(0, size, batch_size))
    lock = threading.Lock()
    state = {"retries": 0, "last_ack": 0.0}

    def add(start):
        end = min(size, start + batch_size)
        ids = [f"r{i}" for i in range(start, end)]
        metadatas = [{"bucket": int(b)} for b in data["buckets"][start:end]]
        for attempt in range(MAX_BACKOFF_RETRIES + 1):
            try:
                collection.add(ids=ids, embeddings=data["base"][start:end], metadatas=metadatas)
                with lock:
                    state["last_ack"] = time.time()
                return
            except Exception as err:  # noqa: BLE001 - the client raises plain Exception for unknown error names
                if not is_backoff(err) or attempt >= MAX_BACKOFF_RETRIES:
                    raise
                with lock:
                    state["retries"] += 1
                time.sleep(min(2.0, 0.025 * 2 ** min(attempt, 7)))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for future in [pool.submit(add, start) for start in batches]:
            future.result()
    seconds = time.perf_counter() - started
    return {
        "collectionId": str(collection.id),
        "records": size,
        "batchSize": batch_size,
        "concurrency": args.concurrency,
        "seconds": seconds,
        "recordsPerSec": size / seconds,
        "retries": state["retries"],
        "lastAckEpochMs": state["last_ack"] * 1000,
    }


def closed_loop(count, concurrency, op, budget_s=float("inf")):
    """count calls of op(i) with `concurrency` in flight, none started after budget_s; per-call latency in ms."""
    latencies = []
    results = [None] * count
    errors = []
    lock = threading.Lock()
    counter = {"next": 0}

    def worker():
        while True:
            with lock:
                if counter["next"] >= count or len(errors) >= MAX_ERRORS or time.perf_counter() - started >= budget_s:
                    return
                i = counter["next"]
                counter["next"] += 1
            t0 = time.perf_counter()
            try:
                results[i] = op(i)
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
            except Exception as err:  # noqa: BLE001 - reported, not raised: one bad request must not end the run
                with lock:
                    errors.append(str(err).splitlines()[0][:300] if str(err) else type(err).__name__)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(max(1, min(concurrency, count)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall_ms = (time.perf_counter() - started) * 1000
    return latencies, results, errors, wall_ms


def query(args):
    data = load(args.dataset)
    client = client_for(args.url)
    collection = client.get_collection(name=args.collection)
    spec = data["spec"]
    where = json.loads(args.where) if args.where else None
    queries = data["queries"]

    def one(i):
        result = collection.query(
            query_embeddings=queries[i % spec["queries"] : i % spec["queries"] + 1],
            n_results=spec["k"],
            where=where,
            include=["distances"],
        )
        return [index_of(x) for x in result["ids"][0]]

    closed_loop(min(args.warmup, spec["queries"]), args.concurrency, one, args.budget_s / 3)
    latencies, results, errors, wall_ms = closed_loop(spec["queries"], args.concurrency, one, args.budget_s)
    return {"latenciesMs": latencies, "ids": results, "errors": len(errors), "firstError": errors[0] if errors else None, "wallMs": wall_ms}


def freshness(args):
    data = load(args.dataset)
    writer = client_for(args.url).get_collection(name=args.collection)
    reader = client_for(args.read_url or args.url).get_collection(name=args.collection)
    probes = min(args.probes, data["spec"]["fresh"])
    lag_ms = []
    first = 0
    never = 0
    stored = 0
    for p in range(probes):
        record_id = f"fresh-{p}"
        vector = data["fresh"][p : p + 1]
        writer.add(ids=[record_id], embeddings=vector, metadatas=[{"bucket": 100, "probe": p}])
        acked = time.perf_counter()
        attempt = 0
        while True:
            # Filtered to the probe's own metadata: unfiltered, HNSW approximation can miss it.
            result = reader.query(query_embeddings=vector, n_results=1, where={"probe": p}, include=["distances"])
            if result["ids"][0] and result["ids"][0][0] == record_id:
                lag_ms.append((time.perf_counter() - acked) * 1000)
                if attempt == 0:
                    first += 1
                break
            if time.perf_counter() - acked > FRESHNESS_DEADLINE_S:
                never += 1
                # Stored and readable by id, yet not returned by the filtered query: a search miss.
                if record_id in reader.get(ids=[record_id], include=[])["ids"]:
                    stored += 1
                break
            attempt += 1
            time.sleep(0.005)
    route = "same endpoint" if not args.read_url or args.read_url == args.url else "add via gateway 0, query via gateway 1"
    return {
        "probes": probes,
        "visibleOnFirstQuery": first,
        "neverVisible": never,
        "neverQueriedButStored": stored,
        "lagMs": lag_ms,
        "route": route,
    }


def first_query(args):
    data = load(args.dataset)
    collection = client_for(args.url).get_collection(name=args.collection)
    spec = data["spec"]

    def timed(q):
        t0 = time.perf_counter()
        result = collection.query(query_embeddings=data["queries"][q : q + 1], n_results=spec["k"], include=["distances"])
        return (time.perf_counter() - t0) * 1000, result["ids"][0]

    first_ms, first_ids = timed(0)
    second_ms, second_ids = timed(1 % spec["queries"])
    return {"firstMs": first_ms, "secondMs": second_ms, "firstIds": first_ids, "secondIds": second_ids}


def delete(args):
    client_for(args.url).delete_collection(name=args.collection)
    return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["ingest", "query", "freshness", "first-query", "delete", "version"])
    parser.add_argument("--url")
    parser.add_argument("--read-url")
    parser.add_argument("--dataset")
    parser.add_argument("--collection")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--where")
    parser.add_argument("--budget-s", type=float, default=float("inf"))
    parser.add_argument("--probes", type=int, default=0)
    parser.add_argument("--hnsw", default="{}")
    args = parser.parse_args()
    phases = {
        "ingest": ingest,
        "query": query,
        "freshness": freshness,
        "first-query": first_query,
        "delete": delete,
        "version": lambda _: {"version": chromadb.__version__},
    }
    out = phases[args.phase](args)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
