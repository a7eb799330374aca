"""Sentiment of Chinese text, offline: SnowNLP's naive Bayes classifier (snownlp 0.12.3, pinned),
as the probability that the text is negative.

Why SnowNLP: it installs from PyPI as pure Python with its model inside the package (nothing is
downloaded at run time), it segments Chinese itself, and it costs a few milliseconds per short
text. Its shipped model was trained on product reviews, so it is a weak judge of news prose;
bench/opinion_sentiment.py measures it (and the same classifier retrained on a training split of
the labelled reviews it ships) against a majority-class baseline, and the risk score never rests
on sentiment alone (sensitive terms and spread weigh as much).

It runs in a worker process of its own (one, started on first use, spawned): loading SnowNLP
unmarshals a 13 MB segmentation model in one call that holds the GIL, measured at 1 s on an idle
box and 11 s on a loaded one, and its segmentation is pure Python; in the server's process either
would stall the telephony engine's loop. `negatives` sends a batch and waits for the answers.

Only the title and the opening of the text are classified: naive Bayes multiplies per-word
likelihoods, so a long article is pushed to 0 or 1 by its length alone, and the lead is what a
reader (and the headline writer) stresses.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger(__name__)
LEAD = 200
TIMEOUT = 300.0  # seconds for one batch, model load included
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_model: Any = None  # in the worker process only


def lead(title: str, text: str) -> str:
    return f"{title}。{text[:LEAD]}".strip("。 \n")


def negative_here(text: str) -> float:
    """P(negative) of one lead, classified in this process (the worker; benches)."""
    global _model
    if not text:
        return 0.5
    if _model is None:
        from snownlp import sentiment  # loads its marshalled models: once per process

        _model = sentiment.classifier
    try:
        return round(1.0 - float(_model.classify(text)), 4)
    except (ZeroDivisionError, ValueError, OverflowError):
        return 0.5


def _classify_many(leads: list[str]) -> list[float]:
    return [negative_here(t) for t in leads]


def _exit_with(parent: int) -> None:
    """In the worker: leave as soon as the server that started it is gone. A server killed
    (kill -9, or a shutdown cut short) never tells its pool to stop, and the worker, holding the
    model's ~450 MB, was left behind for good: 44 of them filled a 24 GB box during test runs."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
        return _pool


def _reset() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def negatives(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """P(negative) for each (title, text), 0..1 (0.5: nothing to judge, or the worker failed twice)."""
    leads = [lead(t, x) for t, x in pairs]
    if not any(leads):
        return [0.5] * len(leads)
    for _attempt in range(2):
        try:
            return _executor().submit(_classify_many, leads).result(timeout=TIMEOUT)
        except (BrokenProcessPool, TimeoutError):
            log.warning("sentiment worker failed; starting a new one", exc_info=True)
            _reset()
    return [0.5] * len(leads)


def negative(title: str, text: str = "") -> float:
    return negatives([(title, text)])[0]


def warm() -> None:
    """Start the worker and load its model now (the fetch job does, off any request's path)."""
    negatives([("预热", "")])
