"""Sentiment of Chinese text, offline: SnowNLP's naive Bayes classifier (snownlp 0.12.3, pinned),
as the probability that the text is negative.

Why SnowNLP: it installs from PyPI as pure Python with its model inside the package (nothing is
downloaded at run time), it segments Chinese itself, and it costs about a millisecond per short
text. Its shipped model was trained on product reviews, so it is a weak judge of news prose;
bench/opinion_sentiment.py measures it (and the same classifier retrained on a held-out split of
the labelled reviews it ships) against a majority-class baseline, and the risk score never rests
on sentiment alone (sensitive terms and spread weigh as much).

Only the title and the opening of the text are classified: naive Bayes multiplies per-word
likelihoods, so a long article is pushed to 0 or 1 by its length alone, and the lead is what a
reader (and the headline writer) stresses.
"""

from __future__ import annotations

import threading
from typing import Any

LEAD = 200
_lock = threading.Lock()
_model: Any = None


def _classifier() -> Any:
    global _model
    with _lock:
        if _model is None:
            from snownlp import sentiment  # loads its marshalled model (~1 s): once per process

            _model = sentiment.classifier
        return _model


def negative(title: str, text: str = "") -> float:
    """P(negative) in 0..1; 0.5 for text with nothing to judge."""
    lead = f"{title}。{text[:LEAD]}".strip("。 \n")
    if not lead:
        return 0.5
    try:
        return round(1.0 - float(_classifier().classify(lead)), 4)
    except (ZeroDivisionError, ValueError, OverflowError):
        return 0.5
