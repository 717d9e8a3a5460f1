"""Theme discovery and tagging, free of Django so the benchmark runs the same code.

Discovery: each answer is the TF-IDF-weighted sum of its terms' vectors (lemmas and lemma
bigrams, embedded by PPMI + SVD of which terms share answers), answers are grouped by
spherical k-means into K themes, and a theme's key words are the terms nearest its centroid.
A manager's shaping seeds the clustering: each kept theme starts from its key words (pinned
ones strongest), so rediscovery refines it instead of losing it.

Tagging never refits: a `Tagger` maps each term to the themes that hold it, scores an
answer by summing the weights of the terms it contains, and keeps every theme whose
score reaches `threshold` (several themes per answer are normal).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from otklik.insights import text as textlib

if TYPE_CHECKING:
    import numpy as np

NAME_KEYWORDS = 3
# Size of the term vectors and number of k-means starts; chosen before measuring (see term_vectors).
TERM_DIMENSIONS = 100
KMEANS_STARTS = 10
# Weaker key words than this barely move a score; dropping them keeps themes readable.
KEYWORD_FLOOR = 0.01
# A term in this many answers gets half the trust of a common one (see theme_keywords).
SUPPORT_PRIOR = 5
# A theme's strongest key word alone is enough to tag; weaker ones must add up.
DEFAULT_THRESHOLD = 0.5


@dataclass
class ThemeSpec:
    """A theme as the engine sees it: weighted key words, plus the manager's pins and bans."""

    keywords: dict[str, float]  # term → weight, strongest = 1.0
    pinned: Sequence[str] = ()
    banned: Sequence[str] = ()
    name: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # term → the word people wrote


@dataclass
class Analyzed:
    language: str
    terms: list[str]


def analyze(text: str, language: str | None = None) -> Analyzed:
    """Language and matchable terms (lemmas and lemma bigrams) of one answer."""
    language = language or textlib.detect_language(text)
    return Analyzed(language=language, terms=textlib.terms(textlib.lemmas(text, language)))


def keyword_terms(keyword: str) -> frozenset[str]:
    """The terms a manager's key word matches: "ціна" → {"ціна"}, "long lines" → {"long line"}.

    A lone Cyrillic word without ы/э/ъ/ё or і/ї/є/ґ hides its language ("черги",
    "очереди"), so it is lemmatized as Russian and as Ukrainian and matches either.
    """
    language = textlib.detect_language(keyword)
    letters = set(keyword.lower())
    ambiguous = language in ("ru", "uk") and not letters & (textlib.UK_ONLY | textlib.RU_ONLY)
    candidates = ("ru", "uk") if ambiguous else (language,)
    found = {" ".join(textlib.lemmas(keyword, candidate)) for candidate in candidates}
    return frozenset(found - {""}) or frozenset({keyword.strip().lower()})


def keyword_term_set(keywords: Iterable[str]) -> set[str]:
    """All terms matched by several key words."""
    return {term for keyword in keywords for term in keyword_terms(keyword)}


def _surface_labels(texts: Sequence[str], analyzed: Sequence[Analyzed]) -> dict[str, str]:
    """For each lemma, the word form people wrote most often: English stems ("delay") read badly."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text, item in zip(texts, analyzed, strict=True):
        for word in textlib.words(text):
            if len(word) > 1:
                counts[textlib.lemma(word, item.language)][word] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in counts.items()}


def label_for(term: str, labels: dict[str, str]) -> str:
    return " ".join(labels.get(part, part) for part in term.split(" "))


@dataclass
class Discovery:
    """Discovered themes, and which of them each discovery text fell into (its cluster)."""

    themes: list[ThemeSpec]
    clusters: list[int]


# Turns texts into one vector each (a sentence-embedding model, see embeddings.py).
Embedder = Callable[[Sequence[str]], "np.ndarray"]


def discover(
    texts: Sequence[str],
    *,
    k: int,
    seeds: Sequence[ThemeSpec] = (),
    languages: Sequence[str] | None = None,
    random_state: int = 0,
    embed: Embedder | None = None,
) -> list[ThemeSpec]:
    """K themes found in `texts`; the first len(seeds) of them refine the given seeds, in order."""
    return discover_clusters(
        texts, k=k, seeds=seeds, languages=languages, random_state=random_state, embed=embed
    ).themes


def discover_clusters(
    texts: Sequence[str],
    *,
    k: int,
    seeds: Sequence[ThemeSpec] = (),
    languages: Sequence[str] | None = None,
    random_state: int = 0,
    embed: Embedder | None = None,
) -> Discovery:
    """Themes as `discover` finds them, with each text's cluster (for the benchmark and tests).

    Each answer becomes the TF-IDF-weighted mean of its terms' co-occurrence vectors, so
    "late", "delay" and "hour" pull an answer the same way even when it uses only one of
    them; spherical k-means (the lowest-inertia of several starts) groups the answers, and
    each cluster's key words are the terms nearest its centroid (see `theme_keywords`).

    With `embed` (a sentence-embedding model), answers are placed by their embeddings
    instead, and each term by the mean embedding of the answers that use it: key words
    and tagging work the same way, only the grouping comes from the model.
    """
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if k < 1:
        raise ValueError("k must be at least 1")
    languages = languages or [None] * len(texts)
    analyzed = [analyze(t, language) for t, language in zip(texts, languages, strict=True)]
    docs = [item.terms for item in analyzed]
    min_df = 2 if len(texts) >= 50 else 1
    vectorizer = TfidfVectorizer(
        analyzer=lambda terms: terms, sublinear_tf=True, min_df=min_df, max_df=0.5 if len(texts) >= 50 else 1.0
    )
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no term survives: nothing to discover
        themes = [ThemeSpec(keywords=dict(seed.keywords), pinned=seed.pinned, banned=seed.banned) for seed in seeds]
        return Discovery(themes=themes, clusters=[-1] * len(texts))
    vocabulary = [str(term) for term in vectorizer.get_feature_names_out()]
    idf = vectorizer.idf_
    k = max(1, min(k, matrix.shape[0], matrix.shape[1]))

    presence = matrix.copy()
    presence.data[:] = 1.0
    if embed is None:
        vectors = term_vectors(presence, dimensions=TERM_DIMENSIONS, random_state=random_state)
        points = normalize(np.asarray(matrix @ vectors))
    else:
        points = normalize(np.asarray(embed(texts), dtype=float))
        if points.shape[0] != len(texts):
            raise ValueError("the embedding model returned a wrong number of vectors")
        vectors = normalize(np.asarray(presence.T @ points))
    seed_points = [_seed_point(seed, vocabulary, idf, vectors) for seed in seeds[:k]]
    centroids, clusters = spherical_kmeans(points, k=k, seeds=seed_points, random_state=random_state)
    # Fewer distinct answers than k leave clusters empty: such a theme would tag nothing.
    kept = [row for row in range(k) if row < len(seed_points) or (clusters == row).any()]
    if len(kept) < k:
        renumber = np.full(k, -1)
        renumber[kept] = np.arange(len(kept))
        centroids, clusters, k = centroids[kept], renumber[clusters], len(kept)
    answers_with_term = np.asarray(presence.sum(axis=0)).ravel()
    weights = theme_keywords(vectors @ centroids.T, support=answers_with_term)

    # Listed by weight times how many of the theme's answers use the word: the top of the list
    # (and the name) shows common words like "delay", not the rarest one that tags best.
    members = sp.csr_matrix((np.ones(len(clusters)), (clusters, np.arange(len(clusters)))), shape=(k, len(clusters)))
    usage = np.asarray((members @ presence).todense()).T
    labels = _surface_labels(texts, analyzed)
    themes = []
    for row in range(k):
        seed = seeds[row] if row < len(seeds) else None
        banned = keyword_term_set(seed.banned) if seed else set()
        kept = np.flatnonzero(weights[:, row] >= KEYWORD_FLOOR)
        order = kept[np.argsort(-(weights[kept, row] * (usage[kept, row] + 1)), kind="stable")]
        keywords = {vocabulary[i]: round(float(weights[i, row]), 4) for i in order if vocabulary[i] not in banned}
        theme_labels = {part: labels.get(part, part) for term in keywords for part in term.split(" ")}
        themes.append(
            ThemeSpec(
                keywords=keywords,
                pinned=seed.pinned if seed else (),
                banned=seed.banned if seed else (),
                name=seed.name if seed else name_for(keywords, theme_labels),
                labels=theme_labels,
            )
        )
    return Discovery(themes=themes, clusters=[int(c) for c in clusters])


def term_vectors(presence, *, dimensions: int, random_state: int = 0):
    """A unit vector per term from how terms share answers: PPMI of co-occurrence, reduced by SVD.

    `presence` is the answers × terms 0/1 matrix. Context counts are smoothed (power 0.75)
    and singular values weighted by their square root, the settings Levy, Goldberg and
    Dagan (2015) found to work across tasks; both were fixed before measuring themes.
    """
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds
    from sklearn.preprocessing import normalize

    size = presence.shape[1]
    pairs = (presence.T @ presence).tocoo()
    off = pairs.row != pairs.col
    rows, cols, counts = pairs.row[off], pairs.col[off], pairs.data[off]
    if not len(counts):
        return np.eye(size)
    totals = np.bincount(rows, weights=counts, minlength=size)
    contexts = totals**0.75
    pmi = np.log(counts * contexts.sum() / (totals[rows] * contexts[cols]))
    positive = pmi > 0
    ppmi = sp.csr_matrix((pmi[positive], (rows[positive], cols[positive])), shape=(size, size))
    dimensions = min(dimensions, size - 1)
    if dimensions < 1 or ppmi.nnz == 0:
        return np.eye(size)
    if size <= 4 * dimensions:
        left, values, _ = np.linalg.svd(ppmi.toarray())
        left, values = left[:, :dimensions], values[:dimensions]
    else:
        left, values, _ = svds(ppmi, k=dimensions, rng=np.random.default_rng(random_state))
    return normalize(left * np.sqrt(values))


def _seed_point(seed: ThemeSpec, vocabulary: list[str], idf, vectors):
    """Where a kept theme starts: its key words' vectors, pinned words strongest; None if none is known."""
    import numpy as np

    index = {term: i for i, term in enumerate(vocabulary)}
    point = np.zeros(vectors.shape[1])
    for term, weight in seed.keywords.items():
        if term in index:
            point += weight * idf[index[term]] * vectors[index[term]]
    for term in keyword_term_set(seed.pinned):
        if term in index:
            point += 2.0 * idf[index[term]] * vectors[index[term]]
    norm = np.linalg.norm(point)
    return point / norm if norm else None


def spherical_kmeans(points, *, k: int, seeds: Sequence = (), random_state: int = 0):
    """Unit-length centroids and each point's cluster; the first len(seeds) clusters start at the seeds.

    Points are unit vectors, so Euclidean k-means on them ranks by cosine. Of KMEANS_STARTS
    starts, the one with the lowest inertia wins — an unsupervised choice. Seeded clusters
    replace the free clusters nearest to them, then k-means runs once more from there.
    """
    import warnings

    import numpy as np
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import normalize

    with warnings.catch_warnings():
        # Few distinct answers give fewer distinct clusters than k: fine, some themes stay empty.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=k, n_init=KMEANS_STARTS, random_state=random_state).fit(points)
        centroids = normalize(model.cluster_centers_)
        known = [(row, point) for row, point in enumerate(seeds) if point is not None]
        if known:
            similarity = np.array([point for _row, point in known]) @ centroids.T
            _rows, taken = linear_sum_assignment(-similarity)
            free = [c for c in range(k) if c not in set(taken)]
            start = np.empty_like(centroids)
            for row, point in known:
                start[row] = point
            # A seed without known words keeps one of the free clusters found for it.
            unknown = [row for row in range(len(seeds)) if seeds[row] is None]
            rest = [row for row in range(k) if row >= len(seeds)]
            for row, centroid in zip(unknown + rest, free, strict=True):
                start[row] = centroids[centroid]
            model = KMeans(n_clusters=k, init=start, n_init=1, random_state=random_state).fit(points)
            centroids = normalize(model.cluster_centers_)
    return centroids, model.labels_


def theme_keywords(affinity, *, support=None):
    """Key-word weights (terms × themes) from each term's cosine to each theme's centroid.

    A term counts only for the theme it is nearest to, by its margin over the runner-up:
    "delay" then tags late flights alone instead of adding a little to every theme, and an
    answer usually gets one or two themes. `support` (answers containing each term) shrinks
    rare terms by support / (support + SUPPORT_PRIOR): a vector built from a handful of
    answers is noisy, and trusting it fully tagged new answers worse. Weights are scaled so
    each theme's strongest is 1.
    """
    import numpy as np

    terms, themes = affinity.shape
    weights = np.zeros_like(affinity)
    if themes == 1:
        weights[:, 0] = np.maximum(affinity[:, 0], 0)
    else:
        ranked = np.sort(affinity, axis=1)
        best = affinity.argmax(axis=1)
        weights[np.arange(terms), best] = np.maximum(ranked[:, -1] - ranked[:, -2], 0)
    if support is not None:
        weights *= (support / (support + SUPPORT_PRIOR))[:, None]
    peak = weights.max(axis=0)
    return weights / np.where(peak > 0, peak, 1.0)


def name_for(keywords: dict[str, float], labels: dict[str, str]) -> str:
    """A readable name from the strongest key words, skipping words already inside a chosen bigram."""
    from otklik.insights.profanity import is_profane

    chosen: list[str] = []
    for term in keywords:
        parts = set(term.split(" "))
        if any(is_profane(word) for word in label_for(term, labels).split(" ")):
            continue  # a theme's name is shown to everyone: never an insult (D2)
        if any(parts <= set(other.split(" ")) for other in chosen):
            continue
        chosen = [other for other in chosen if not set(other.split(" ")) <= parts]
        chosen.append(term)
        if len(chosen) == NAME_KEYWORDS:
            break
    return ", ".join(label_for(term, labels) for term in chosen)


class Tagger:
    """Assigns answers to themes by their key words; build once, call many times."""

    def __init__(self, themes: Sequence[ThemeSpec], *, threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.size = len(themes)
        self._index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, theme in enumerate(themes):
            banned = keyword_term_set(theme.banned)
            weights = {term: weight for term, weight in theme.keywords.items() if term not in banned}
            for term in keyword_term_set(theme.pinned):
                # A pinned word always tags on its own, however rare it was in discovery.
                weights[term] = max(1.0, threshold)
            for term, weight in weights.items():
                self._index[term].append((i, weight))

    def scores(self, terms: Iterable[str]) -> dict[int, float]:
        """Each matched theme's score: the sum of its key words' weights present in the answer."""
        scores: dict[int, float] = defaultdict(float)
        index = self._index
        for term in set(terms):
            for theme, weight in index.get(term, ()):
                scores[theme] += weight
        return scores

    def tag_terms(self, terms: Iterable[str]) -> list[tuple[int, float]]:
        """(theme index, score) for every theme at or above the threshold, strongest first."""
        found = [(theme, score) for theme, score in self.scores(terms).items() if score >= self.threshold]
        return sorted(found, key=lambda pair: -pair[1])

    def tag(self, text: str, language: str | None = None) -> list[tuple[int, float]]:
        """Themes of one answer text."""
        return self.tag_terms(analyze(text, language).terms)

    def best(self, text: str, language: str | None = None) -> int:
        """The single strongest theme (any score), or -1 when no key word matches."""
        scores = self.scores(analyze(text, language).terms)
        return max(scores, key=scores.__getitem__) if scores else -1
