"""Theme discovery and tagging, free of Django so the benchmark runs the same code.

Discovery: TF-IDF (sublinear) over lemmas and lemma bigrams, factorized by NMF into K
themes; a theme is its strongest terms, each weighted by its NMF weight times its IDF. A manager's shaping seeds the
factorization: each kept theme starts from its key words (pinned ones strongest), so
rediscovery refines it instead of losing it.

Tagging never refits: a `Tagger` maps each term to the themes that hold it, scores an
answer by summing the weights of the terms it contains, and keeps every theme whose
score reaches `threshold` (several themes per answer are normal).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from otklik.insights import text as textlib

KEYWORDS_PER_THEME = 40
NAME_KEYWORDS = 3
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


def discover(
    texts: Sequence[str],
    *,
    k: int,
    seeds: Sequence[ThemeSpec] = (),
    languages: Sequence[str] | None = None,
    random_state: int = 0,
) -> list[ThemeSpec]:
    """K themes found in `texts`; the first len(seeds) of them refine the given seeds, in order."""
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

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
        return [ThemeSpec(keywords=dict(seed.keywords), pinned=seed.pinned, banned=seed.banned) for seed in seeds]
    vocabulary = vectorizer.get_feature_names_out()
    idf = vectorizer.idf_
    index = {term: i for i, term in enumerate(vocabulary)}
    k = max(1, min(k, matrix.shape[0], matrix.shape[1]))

    init, w0, h0 = "nndsvda", None, None
    if seeds:
        # Start kept themes from their key words and the rest from the average answer.
        rng = np.random.default_rng(random_state)
        h0 = np.abs(rng.normal(0, 0.01, (k, len(vocabulary)))) + matrix.mean(axis=0).A1 * 0.5
        for row, seed in enumerate(seeds[:k]):
            for term, weight in seed.keywords.items():
                if term in index:
                    h0[row, index[term]] += weight
            for term in keyword_term_set(seed.pinned):
                if term in index:
                    h0[row, index[term]] += 2.0
        w0 = np.maximum(matrix @ h0.T, 1e-6)
        w0 /= w0.max()
        init = "custom"
    model = NMF(n_components=k, init=init, random_state=random_state, max_iter=400, alpha_W=0.0, l1_ratio=0.0)
    model.fit(matrix, W=w0, H=h0)
    labels = _surface_labels(texts, analyzed)
    themes = []
    for row in range(k):
        weights = model.components_[row]
        top = [i for i in np.argsort(-weights)[:KEYWORDS_PER_THEME] if weights[i] > 0]
        # Listed by their weight in the theme, scored by it times IDF: a rare word says more.
        scaled = {i: weights[i] * idf[i] for i in top}
        peak = max(scaled.values(), default=1.0) or 1.0
        keywords = {str(vocabulary[i]): round(float(scaled[i] / peak), 4) for i in top}
        seed = seeds[row] if row < len(seeds) else None
        banned = keyword_term_set(seed.banned) if seed else set()
        keywords = {term: w for term, w in keywords.items() if term not in banned}
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
    return themes


def name_for(keywords: dict[str, float], labels: dict[str, str]) -> str:
    """A readable name from the strongest key words, skipping words already inside a chosen bigram."""
    chosen: list[str] = []
    for term in keywords:
        parts = set(term.split(" "))
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
