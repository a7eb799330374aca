"""Near-duplicate grouping: pairwise precision and recall on synthetic reposts.

`bench/opinion_data.py` makes stories from real sentences and copies of half of them the way
reposts differ (prefix, punctuation, changed characters, a dropped or swapped sentence, a cut);
30 % of the stories share the same news opening and closing (hard negatives). The items go
through `process.process_pending` on a fresh SQLite database, exactly as fetched items do, and
the groups it makes are compared with the true stories over all pairs: precision = pairs grouped
together that are copies of one story / pairs grouped together; recall = pairs of one story that
were grouped together / pairs of one story. Recall is also given per transform.
`python -m bench.opinion_dedup [--stories 600]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from sqlalchemy import select

from bench.opinion_data import corpus
from hotline.opinion import process
from hotline.opinion.models import OpinionItem, OpinionSource
from hotline.store.db import Database
from hotline.store.migrate import upgrade


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, default=600)
    args = ap.parse_args()
    docs = corpus(args.stories)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'dedup.db'}"
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            src = OpinionSource(name="bench", kind="feed", url="http://bench.example/rss")
            s.add(src)
            s.flush()
            for i, d in enumerate(docs):
                s.add(
                    OpinionItem(
                        source_id=src.id,
                        guid=str(i),
                        url=f"http://bench.example/{i}",
                        title=d.title,
                        text=d.text,
                    )
                )
        started = time.process_time()
        process.process_pending(db, classify=lambda title, text: 0.5, limit=len(docs) + 1)
        cpu = time.process_time() - started
        with db.session() as s:
            groups = dict(s.execute(select(OpinionItem.guid, OpinionItem.group_id)).tuples().all())
        db.dispose()
    predicted = [groups[str(i)] for i in range(len(docs))]
    tp = fp = fn = 0
    missed: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    for i, j in combinations(range(len(docs)), 2):
        same_story = docs[i].story == docs[j].story
        together = predicted[i] == predicted[j]
        if same_story and together:
            tp += 1
        elif together:
            fp += 1
        elif same_story:
            fn += 1
    # Recall per transform: is each copy in its original's group?
    original = {d.story: predicted[i] for i, d in enumerate(docs) if d.copy_of is None}
    for i, d in enumerate(docs):
        if d.copy_of is not None:
            per_kind[d.copy_of] += 1
            if predicted[i] != original[d.story]:
                missed[d.copy_of] += 1
    stories = defaultdict(int)
    for d in docs:
        stories[d.story] += 1
    print(
        f"items {len(docs)}: {len(stories)} stories, {len(docs) - len(stories)} copies; "
        f"groups made {len(set(predicted))}"
    )
    print(
        f"pairwise precision {tp / max(tp + fp, 1):.4f}, recall {tp / max(tp + fn, 1):.4f} "
        f"(tp {tp}, fp {fp}, fn {fn})"
    )
    for kind in sorted(per_kind):
        print(
            f"  copy by {kind}: {per_kind[kind] - missed[kind]}/{per_kind[kind]} joined the original's group"
        )
    print(f"grouping + rules + risk: {cpu:.2f} s CPU, {cpu / len(docs) * 1000:.2f} ms per item")


if __name__ == "__main__":
    main()
