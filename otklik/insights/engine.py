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
from functools import lru_cache
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
# Terms kept in a theme's assignment profile (the most used ones; see assignment_profiles).
PROFILE_TERMS = 8000
# Labels: up to LABEL_TERMS causes and LABEL_OUTCOMES outcomes per theme; a label term is in at
# least LABEL_MIN_SHARE of the theme's answers (an outcome OUTCOME_MIN_SHARE), and a pair of
# words in at least PHRASE_SHARE of the answers using its rarer word.
LABEL_TERMS = 8
LABEL_OUTCOMES = 2
LABEL_MIN_SHARE = 0.02
OUTCOME_MIN_SHARE = 0.05
PHRASE_SHARE = 0.25
# A catch-all: its leading cause is in under MIXED_COVERAGE of its answers, or it holds over
# MIXED_SHARE of all answers (with 4 themes or more) unless its leading cause is in ONE_CAUSE of
# them: a large theme whose answers all say the same thing (the same text 500 times) is one factor.
MIXED_COVERAGE = 0.1
MIXED_SHARE = 0.3
ONE_CAUSE = 0.9
# Discovery on meaning (see discover_clusters): the share of an answer's point that comes from its
# sentence embedding, the rest from its term vector; chosen on the choosing halves of the labelled
# sets (bench/themes.py, docs/decisions/0025-encoder-*.md), never on the reported ones.
EMBEDDING_WEIGHT = 0.5
# Short answers (a one-line question, one sentence of a review): when the sampled answers' median number of
# known terms is under SHORT_TERMS, the encoder's share is EMBEDDING_WEIGHT_SHORT instead. The term half is
# learned from which terms share an answer and is the mean of the answer's few term vectors, so on answers
# of a handful of terms it is the noisier half (docs/decisions/0055-short-answers-and-small-themes.md, chosen
# on the choosing halves of every labelled set: the sets' medians are 5-6 or 10 and more, nothing in between).
SHORT_TERMS = 8
EMBEDDING_WEIGHT_SHORT = 0.7
# At most this many answers are embedded per discovery (an evenly spread sample in canonical
# order); the others are placed by the tagger trained on the sample's themes.
EMBED_LIMIT = 4000
# Both halves of a point are centred on the sample's mean and brought back to unit length before they
# are joined: every USE vector shares a large common direction (and every term vector a smaller one),
# which leaves the differences between answers a thin slice of each cosine; removing it let k-means see
# them (docs/decisions/0036-themes3-centred-points.md, chosen on the choosing halves). Under CENTER_MIN answers the
# mean is too near each answer to remove (one answer would become the zero vector).
CENTER_POINTS = True
CENTER_MIN = 50
# The term half is centred per language (each language with at least CENTER_MIN sampled answers on its own
# mean): Russian and Ukrainian answers share almost no lemmas, so their term vectors lie apart and k-means
# spent a theme on "answers written in Russian" (rozetka-uk: 189 of one theme's 206 answers). A language is
# not a matter; the multilingual encoder's half already places both languages together and stays centred
# as one (docs/decisions/0052-*.md, chosen on the choosing halves of every labelled set).
CENTER_BY_LANGUAGE = True
# Each joined point is then moved towards the mean of its SMOOTH_NEIGHBOURS nearest answers, SMOOTH_STEPS
# times, before k-means: k-means alone cuts the sample into round pieces, while answers on the same matter
# often lie along a thin, curved band; averaging over near neighbours pulls each band together, which is
# what UMAP's neighbour graph gave BERTopic without its dependencies and its cost (docs/decisions/
# 0049.md, chosen on the choosing halves of every labelled set). Under
# SMOOTH_MIN answers there are too few neighbours to average over.
SMOOTH_NEIGHBOURS = 15
# Never more neighbours than half of what a theme holds on average (sample / K / 2): with many themes for the
# answers (77 intents in 1 000 questions, 13 each) 15 neighbours reach into the next theme and blur the two.
SMOOTH_THEME_SHARE = 0.5
SMOOTH_STEPS = 1
SMOOTH_MIN = 50
# Regularisation of that tagger (logistic regression on which terms an answer holds).
PROFILE_C = 1.0


@dataclass
class ThemeSpec:
    """A theme as the engine sees it: weighted key words, plus the manager's pins and bans."""

    keywords: dict[str, float]  # term → weight, strongest = 1.0
    pinned: Sequence[str] = ()
    banned: Sequence[str] = ()
    name: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # term → the word people wrote
    # term → weight of the nearest-theme model (see `assignment_profiles`): every answer goes to
    # the theme its terms score highest, exactly as discovery's clusters did.
    profile: dict[str, float] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)  # "will come back", "recommend": shown apart
    is_mixed: bool = False  # a catch-all: spread, generic words, not a factor
    causes: list[str] = field(default_factory=list)  # the words that set it apart, as people wrote them
    size: int = 0  # answers of discovery in this theme


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


def keep_names(themes: Sequence[ThemeSpec], previous: Sequence[str], *, start: int = 0) -> None:
    """Give rediscovered themes (from `start` on) the names they had before, where still true.

    A name is kept when every part of it is still among the theme's causes: a manager who
    learned "bag, luggage, flight" keeps seeing it after a small shift of the grouping.
    """
    free = list(dict.fromkeys(previous))
    for theme in themes[start:]:
        causes = set(theme.causes)
        for name in free:
            if set(name.split(", ")) <= causes:
                theme.name = name
                free.remove(name)
                break


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
    each answer then belongs to the theme whose centroid is nearest (cluster -1, "other",
    only when it has no known term or is in a language we do not promise). Key words for tagging
    are the terms nearest each centroid (`theme_keywords`); names are the terms that set a theme apart (`theme_labels`).

    The answers are put in a canonical order first (sorted by text), so the same answers in
    another order give the same themes, in the same order, with the same names.

    With `embed` (a sentence-embedding model), answers are placed by their embeddings
    beside their term vectors, each point averaged with its nearest answers' (`smoothed`),
    and each term by the mean point of the answers that use it: key words and tagging work
    the same way, only the grouping comes from the model.
    """
    import numpy as np

    languages = list(languages or [None] * len(texts))
    order = sorted(range(len(texts)), key=lambda i: (texts[i], languages[i] or ""))
    found = _discover_sorted(
        [texts[i] for i in order],
        k=k,
        seeds=seeds,
        languages=[languages[i] for i in order],
        random_state=random_state,
        embed=embed,
    )
    clusters = np.empty(len(texts), dtype=int)
    clusters[order] = found.clusters
    return Discovery(themes=found.themes, clusters=[int(c) for c in clusters])


def _discover_sorted(
    texts: Sequence[str],
    *,
    k: int,
    seeds: Sequence[ThemeSpec],
    languages: Sequence[str | None],
    random_state: int,
    embed: Embedder | None,
) -> Discovery:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if k < 1:
        raise ValueError("k must be at least 1")
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
    known = np.asarray(matrix.getnnz(axis=1)) > 0
    # Only answers with a known term, written in a language we promise, are grouped: the others are "other"
    # whatever the grouping, so letting them in only spent themes on them (a hundred "👍" made a theme with
    # no key word, and Kazakh or German answers a theme named in their words).
    placed = known & np.array([item.language in textlib.LANGUAGES for item in analyzed], dtype=bool)
    if not placed.any():
        themes = [ThemeSpec(keywords=dict(seed.keywords), pinned=seed.pinned, banned=seed.banned) for seed in seeds]
        return Discovery(themes=themes, clusters=[-1] * len(texts))
    k = max(1, min(k, int(placed.sum()), matrix.shape[1]))

    presence = matrix.copy()
    presence.data[:] = 1.0
    vectors = term_vectors(presence, dimensions=TERM_DIMENSIONS, random_state=random_state)
    points = normalize(np.asarray(matrix @ vectors))
    learned = None
    if embed is None:
        seed_points = [_seed_point(seed, vocabulary, idf, vectors) for seed in seeds[:k]]
        centroids, _ = spherical_kmeans(points[placed], k=k, seeds=seed_points, random_state=random_state)
        # Each answer goes to its nearest centroid (what the stored profile reproduces).
        clusters = np.where(placed, (points @ centroids.T).argmax(axis=1), -1)
    else:
        candidates = np.flatnonzero(placed)
        sample = candidates[embed_sample(len(candidates))]
        embedded = normalize(np.asarray(embed([texts[i] for i in sample]), dtype=float))
        if embedded.shape[0] != len(sample):
            raise ValueError("the embedding model returned a wrong number of vectors")
        words = points[sample]
        if CENTER_POINTS and len(sample) >= CENTER_MIN:
            groups = [analyzed[i].language for i in sample] if CENTER_BY_LANGUAGE else None
            embedded, words = _centered(embedded), _centered(words, groups=groups)
        # An answer's point: its meaning and its words side by side, each of unit length, weighted.
        weight = embedding_weight(presence[sample])
        points = normalize(np.hstack([np.sqrt(weight) * embedded, np.sqrt(1 - weight) * words]))
        if SMOOTH_STEPS and len(sample) >= SMOOTH_MIN:
            points = smoothed(points, neighbours=smooth_neighbours(len(sample), k), steps=SMOOTH_STEPS)
        # A term sits at the mean point of the sampled answers that use it.
        vectors = normalize(np.asarray(presence[sample].T @ points))
        seed_points = [_seed_point(seed, vocabulary, idf, vectors) for seed in seeds[:k]]
        centroids, _ = spherical_kmeans(points, k=k, seeds=seed_points, random_state=random_state)
        clusters = np.full(len(texts), -1)
        clusters[sample] = (points @ centroids.T).argmax(axis=1)
        # The stored tags come from a model of which terms an answer holds, trained on the sample's
        # themes; answers outside the sample get the theme it gives them (as tagging will).
        learned = learned_profiles(presence[sample], clusters[sample], k=k)
        rest = np.setdiff1d(np.arange(len(texts)), sample)
        if len(rest):
            totals = np.asarray(presence[rest] @ learned)
            # As the tagger: "other" when none of the answer's terms has a weight.
            clusters[rest] = np.where(np.abs(totals).max(axis=1) > 0, totals.argmax(axis=1), -1)
    # Fewer distinct answers than k leave clusters empty: such a theme would tag nothing.
    # Free themes are listed biggest first (ties by their members), so the order is canonical.
    sizes = np.bincount(clusters[clusters >= 0], minlength=k)
    free = [row for row in range(len(seed_points), k) if sizes[row]]
    free.sort(key=lambda row: (-sizes[row], int(np.flatnonzero(clusters == row)[0])))
    kept = list(range(len(seed_points))) + free
    renumber = np.full(k, -1)
    renumber[kept] = np.arange(len(kept))
    centroids, k = centroids[kept], len(kept)
    clusters = np.where(clusters >= 0, renumber[np.maximum(clusters, 0)], -1)
    sizes = sizes[kept]

    answers_with_term = np.asarray(presence.sum(axis=0)).ravel()
    index = {term: i for i, term in enumerate(vocabulary)}
    foreign = _foreign_terms(analyzed, index)
    affinity = vectors @ centroids.T
    # A word only answers in a language we do not promise use is no key word: it neither names nor tags.
    affinity[[index[term] for term in sorted(foreign)]] = 0.0
    weights = theme_keywords(affinity, support=answers_with_term)
    if learned is None:
        profiles = assignment_profiles(affinity, idf=idf, support=answers_with_term)
    else:
        profiles = learned[:, kept]
        if len(answers_with_term) > PROFILE_TERMS:
            profiles[np.argsort(-answers_with_term, kind="stable")[PROFILE_TERMS:]] = 0.0

    inside = clusters >= 0
    members = sp.csr_matrix(
        (np.ones(int(inside.sum())), (clusters[inside], np.flatnonzero(inside))), shape=(k, len(clusters))
    )
    usage = np.asarray((members @ presence).todense()).T  # terms × themes: answers using the term
    labels = _surface_labels(texts, analyzed)
    themes = []
    for row in range(k):
        seed = seeds[row] if row < len(seeds) else None
        banned = keyword_term_set(seed.banned) if seed else set()
        described = theme_labels(usage, row, vocabulary, sizes, skip=banned | foreign)
        strong = np.flatnonzero(weights[:, row] >= KEYWORD_FLOOR)
        strong = strong[np.argsort(-(weights[strong, row] * (usage[strong, row] + 1)), kind="stable")]
        # The terms that set the theme apart lead the list; then the rest the tagger uses.
        listed = [vocabulary[i] for i in strong]
        first = [term for term in described.causes if term in set(listed)]
        keywords = {
            term: round(float(weights[index[term], row]), 4)
            for term in dict.fromkeys(first + listed)
            if term not in banned
        }
        shown = described.causes + described.outcomes
        term_labels = {part: labels.get(part, part) for term in [*keywords, *shown] for part in term.split(" ")}
        profile = {
            vocabulary[i]: round(float(profiles[i, row]), 4)
            for i in np.flatnonzero(profiles[:, row])
            if vocabulary[i] not in banned
        }
        themes.append(
            ThemeSpec(
                keywords=keywords,
                pinned=seed.pinned if seed else (),
                banned=seed.banned if seed else (),
                name=seed.name if seed and seed.name else _name_or_fallback(described, keywords, term_labels),
                labels=term_labels,
                profile=profile,
                outcomes=[label_for(term, term_labels) for term in described.outcomes],
                causes=[label_for(term, term_labels) for term in described.causes],
                is_mixed=described.is_mixed(share=sizes[row] / max(1, int(inside.sum())), k=k),
                size=int(sizes[row]),
            )
        )
    return Discovery(themes=themes, clusters=[int(c) for c in clusters])


def _centered(points, *, groups: Sequence[str] | None = None):
    """Rows less their mean, each brought back to unit length (a row equal to the mean stays zero).

    With `groups` (each row's language), where two or more groups have at least CENTER_MIN rows each, each
    of those is centred on its own mean instead, so what all answers of one language share is not taken for
    a theme; smaller groups keep the common mean (too few rows to estimate their own).
    """
    import numpy as np
    from sklearn.preprocessing import normalize

    centred = points - points.mean(axis=0)
    if groups is not None:
        groups = np.asarray(groups)
        big = [group for group, count in sorted(Counter(groups.tolist()).items()) if count >= CENTER_MIN]
        # Answers in one language (a few stray ones aside) are centred exactly as without groups.
        for group in big if len(big) > 1 else ():
            rows = groups == group
            centred[rows] = points[rows] - points[rows].mean(axis=0)
    return normalize(centred)


def embedding_weight(presence) -> float:
    """The encoder's share of each joined point: EMBEDDING_WEIGHT, or EMBEDDING_WEIGHT_SHORT on short answers.

    `presence` is the sampled answers × known terms 0/1 matrix; answers are short when their median number
    of known terms is under SHORT_TERMS.
    """
    import numpy as np

    counts = np.asarray(presence.getnnz(axis=1))
    return EMBEDDING_WEIGHT_SHORT if len(counts) and np.median(counts) < SHORT_TERMS else EMBEDDING_WEIGHT


def smooth_neighbours(answers: int, k: int) -> int:
    """How many nearest answers each point is averaged with: SMOOTH_NEIGHBOURS, at most half a mean theme."""
    return max(1, min(SMOOTH_NEIGHBOURS, int(answers / max(1, k) * SMOOTH_THEME_SHARE)))


def nearest_neighbours(points, *, neighbours: int, block: int = 1000):
    """Each unit row's `neighbours` most similar other rows (by cosine), computed a block of rows at a time.

    Blocks keep the memory at block × rows similarities (4 000 answers: 32 MB instead of 128 MB). Ties
    are broken by row number, so the same points always give the same neighbours.
    """
    import numpy as np

    rows = points.shape[0]
    neighbours = min(neighbours, rows - 1)
    found = np.empty((rows, neighbours), dtype=int)
    for start in range(0, rows, block):
        similarity = points[start : start + block] @ points.T
        similarity[np.arange(similarity.shape[0]), np.arange(start, start + similarity.shape[0])] = -np.inf
        # A stable sort of the negated similarities: equal ones keep row order (argpartition would not).
        found[start : start + block] = np.argsort(-similarity, axis=1, kind="stable")[:, :neighbours]
    return found


def smoothed(points, *, neighbours: int, steps: int = 1):
    """Unit rows moved halfway to their nearest neighbours' mean, `steps` times over the same neighbour graph.

    Answers on one matter that k-means would cut apart (a long, curved group) are drawn together, and an
    answer stranded between groups goes to the side most of its neighbours are on.
    """
    from sklearn.preprocessing import normalize

    if points.shape[0] < 2 or neighbours < 1:
        return points
    graph = nearest_neighbours(points, neighbours=neighbours)
    for _ in range(steps):
        points = normalize(points + points[graph].mean(axis=1))
    return points


def embed_sample(size: int):
    """Which of `size` answers (in canonical order) are embedded: all, or EMBED_LIMIT evenly spread."""
    import numpy as np

    if size <= EMBED_LIMIT:
        return np.arange(size)
    return np.unique(np.linspace(0, size - 1, EMBED_LIMIT).round().astype(int))


def learned_profiles(presence, clusters, *, k: int):
    """Term × theme weights learned from the embedded answers' themes (multinomial logistic regression).

    The tagger sums the weights of an answer's terms and takes the highest theme, so a linear
    model on which terms an answer holds is exactly what it can replay at thousands of answers
    a second, without the encoder. Themes no sampled answer fell into get zero weights.
    """
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((presence.shape[1], k))
    present = sorted(set(int(c) for c in clusters))
    if len(present) == 1:
        weights[:, present[0]] = presence.sum(axis=0).A1 > 0
        return weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=PROFILE_C, fit_intercept=False, max_iter=300).fit(presence, clusters)
    if len(model.classes_) == 2:  # one row of weights: for the second class, against the first
        weights[:, model.classes_[1]] = model.coef_[0] / 2
        weights[:, model.classes_[0]] = -model.coef_[0] / 2
    else:
        weights[:, model.classes_] = model.coef_.T
    return weights


def assignment_profiles(affinity, *, idf, support):
    """Term × theme weights whose sum over an answer's terms ranks the themes as its centroids do.

    An answer's point is its TF-IDF-weighted sum of term vectors, and its nearest centroid
    maximizes Σ tfidf(t)·(v_t·c); the length of the point does not change the winner. So
    idf(t)·(v_t·c), less the term's mean over themes (a constant per answer), reproduces
    discovery's clusters with a dict look-up per term. The PROFILE_TERMS most used terms
    are kept, which bounds what is stored while changing few answers' theme.
    """
    import numpy as np

    profiles = idf[:, None] * (affinity - affinity.mean(axis=1, keepdims=True))
    if len(support) > PROFILE_TERMS:
        rare = np.argsort(-support, kind="stable")[PROFILE_TERMS:]
        profiles[rare] = 0.0
    return profiles


def _foreign_terms(analyzed: Sequence[Analyzed], index: dict[str, int]) -> set[str]:
    """Terms used only by answers in a language we do not promise: they never name a theme."""
    ours, theirs = set(), set()
    for item in analyzed:
        (theirs if item.language not in textlib.LANGUAGES else ours).update(item.terms)
    return {term for term in theirs - ours if term in index}


@dataclass
class Described:
    """What a theme is about: causes (the terms that set it apart) and outcomes, kept apart."""

    causes: list[str]
    outcomes: list[str]
    coverage: float  # share of the theme's answers that use its leading cause

    def is_mixed(self, *, share: float, k: int) -> bool:
        """A catch-all: its leading words are in few of its answers, or it holds too many answers of varied causes."""
        if not self.causes or self.coverage < MIXED_COVERAGE:
            return True
        return k >= 4 and share > MIXED_SHARE and self.coverage < ONE_CAUSE


def theme_labels(usage, row: int, vocabulary: Sequence[str], sizes, *, skip: set[str] = frozenset()) -> Described:
    """Class-based TF-IDF of one theme: terms frequent in it and rare in the others.

    tf = the term's share of the theme's term uses, idf = log(1 + mean uses per theme / the
    term's uses in all themes) — BERTopic's c-TF-IDF. Evaluative and filler words ("good",
    "great", "отличный", "добрий", "one") and loyalty outcomes ("recommend", "come back",
    "вернуться") are not causes; outcomes are listed apart. A term must be in at least
    LABEL_MIN_SHARE of the theme's answers, and a pair of words must be a phrase people
    write, not two words that merely met once stop words were dropped ("wait go").
    """
    import numpy as np

    size = max(1, int(sizes[row]))
    column = usage[:, row]
    total = usage.sum(axis=1)
    mean_uses = usage.sum() / max(1, usage.shape[1])
    score = column / max(1.0, column.sum()) * np.log1p(mean_uses / np.maximum(total, 1))
    floor = max(2, LABEL_MIN_SHARE * size)
    fillers, outcome_words, outcome_phrases = _label_word_lists()
    position = {term: i for i, term in enumerate(vocabulary)}
    causes, outcomes = [], []
    for i in np.argsort(-score, kind="stable"):
        if score[i] <= 0:
            break
        term = vocabulary[i]
        if column[i] < floor or term in skip:
            continue
        parts = term.split(" ")
        if term in outcome_phrases or set(parts) & outcome_words:
            if len(outcomes) < LABEL_OUTCOMES and column[i] >= OUTCOME_MIN_SHARE * size:
                outcomes.append(term)
            continue
        if set(parts) & fillers or any(len(part) < 3 for part in parts):
            continue
        if len(parts) == 2:
            rarer = min(column[position[part]] if part in position else column[i] for part in parts)
            if column[i] < PHRASE_SHARE * rarer:
                continue
        if len(causes) < LABEL_TERMS:
            causes.append(term)
        if len(causes) == LABEL_TERMS and len(outcomes) == LABEL_OUTCOMES:
            break
    coverage = column[position[causes[0]]] / size if causes else 0.0
    return Described(causes=causes, outcomes=outcomes, coverage=float(coverage))


# Words that praise or blame without saying what about (adjectives and their adverbs: "чудовий", "чудово"),
# and filler: never a cause's name.
FILLER_WORDS = {
    "en": """good great best better nice love like lik excellent amazing awesome wonderful perfect fantastic super
        lovely bad worst worse terrible horrible awful poor new one two first really just also get got go
        went going well thank thanks lot much will always never even still definitely highly ever
        time thing things way make made say said know want would could today now yet already please hi
        hello ok okay fine sure lol amp guy guys everything anything nothing something someone overall
        pretty quite little bit day back come need look think keep try tried""",
    "ru": """хороший отличный прекрасный замечательный лучший хуже лучше плохой ужасный нормальный супер класс
        классный очень спасибо весь один два новый большой любить нравиться понравиться просто вообще
        ещё также раз всегда никогда каждый вполне довольно сказать мочь хотеть приятный конечно
        единственный общий целый довольный остаться который какой такой через после если потому поэтому
        мой ваш свой наш кто-то что-то туда сюда обязательно огромный отдельный бывать ура
        отлично хорошо прекрасно круто классно много молодец топ ок около добро""",
    "uk": """добрий хороший гарний відмінний чудовий найкращий кращий гірший поганий жахливий нормальний супер
        клас класний дуже дякую дякувати весь усе один два новий великий любити подобатися сподобатися
        просто взагалі ще також раз завжди ніколи кожний сказати могти хотіти приємний звичайно
        єдиний загальний цілий задоволений залишитися який котрий такий через після щодо якщо тому бо чи
        мій ваш свій наш їхній інший немає туди сюди обов'язково величезний окремий бувати
        чудово добре гарно файно відмінно круто класно багато мати нема як та топ молодець""",
}
# Loyalty outcomes: what the customer will do, not why. Shown beside a theme, never as its name.
OUTCOME_WORDS = {
    "en": "recommend recommended return returning revisit",
    "ru": "рекомендовать рекомендую посоветовать советовать вернуться вернусь возвращаться",
    "uk": "рекомендувати рекомендую порадити радити повернутися повернуся повертатися",
}
OUTCOME_PHRASES = {"en": ["come back", "go back", "coming back", "going back"], "ru": [], "uk": []}


@lru_cache(maxsize=1)
def _label_word_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The filler and outcome lists as lemmas, the form terms are written in."""
    fillers = {textlib.lemma(word, language) for language, words in FILLER_WORDS.items() for word in words.split()}
    fillers |= {word for words in FILLER_WORDS.values() for word in words.split()}
    outcomes = {textlib.lemma(word, language) for language, words in OUTCOME_WORDS.items() for word in words.split()}
    phrases = {
        " ".join(textlib.lemma(w, language) for w in p.split()) for language, ps in OUTCOME_PHRASES.items() for p in ps
    }
    return frozenset(fillers), frozenset(outcomes), frozenset(phrases)


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


def _name_or_fallback(described, keywords: dict[str, float], labels: dict[str, str]) -> str:
    """The name from the theme's causes; a theme whose every distinctive word was filler, praise or an outcome
    (common on a handful of answers) is named by its key words, then by its outcomes, never left unnamed:
    an unnamed theme is a link nobody can read or click with a screen reader."""
    return (
        name_for(dict.fromkeys(described.causes), labels)
        or name_for(keywords, labels)
        or name_for(dict.fromkeys(described.outcomes), labels)
        or "…"
    )


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
    """Assigns answers to themes; build once, call many times.

    Every answer with a known term gets its primary theme from the themes' assignment
    profiles (the nearest-centroid rule of discovery, see `assignment_profiles`), and also
    every theme whose key words add up to `threshold` (several themes per answer are normal).
    A manager's pinned word tags its theme on its own and makes it primary; a banned word
    never counts towards its theme. An answer none of whose terms is known is "other".
    """

    def __init__(self, themes: Sequence[ThemeSpec], *, threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.size = len(themes)
        self._index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._profile: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._pinned: dict[str, list[int]] = defaultdict(list)
        for i, theme in enumerate(themes):
            banned = keyword_term_set(theme.banned)
            weights = {term: weight for term, weight in theme.keywords.items() if term not in banned}
            for term in keyword_term_set(theme.pinned):
                # A pinned word always tags on its own, however rare it was in discovery.
                weights[term] = max(1.0, threshold)
                self._pinned[term].append(i)
            for term, weight in weights.items():
                self._index[term].append((i, weight))
            for term, weight in theme.profile.items():
                if term not in banned:
                    self._profile[term].append((i, weight))

    def scores(self, terms: Iterable[str]) -> dict[int, float]:
        """Each matched theme's score: the sum of its key words' weights present in the answer."""
        scores: dict[int, float] = defaultdict(float)
        index = self._index
        for term in set(terms):
            for theme, weight in index.get(term, ()):
                scores[theme] += weight
        return scores

    def primary(self, terms: Iterable[str]) -> int:
        """The one theme the answer belongs to, or -1 ("other") when none of its terms is known."""
        terms = set(terms)
        pinned = [theme for term in terms for theme in self._pinned.get(term, ())]
        if pinned:
            return min(pinned)
        totals: dict[int, float] = defaultdict(float)
        for term in terms:
            for theme, weight in self._profile.get(term, ()):
                totals[theme] += weight
        if totals:
            return max(sorted(totals), key=totals.__getitem__)
        # Themes without a profile (made by a manager): the strongest key-word score.
        scores = self.scores(terms)
        return max(sorted(scores), key=scores.__getitem__) if scores else -1

    def tag_terms(self, terms: Iterable[str]) -> list[tuple[int, float]]:
        """(theme index, score): the primary theme first, then every theme at or above the threshold."""
        terms = set(terms)
        scores = self.scores(terms)
        found = sorted(
            ((theme, score) for theme, score in scores.items() if score >= self.threshold), key=lambda pair: -pair[1]
        )
        main = self.primary(terms)
        if main < 0:
            return found
        rest = [pair for pair in found if pair[0] != main]
        return [(main, max(scores.get(main, 0.0), self.threshold)), *rest]

    def tag(self, text: str, language: str | None = None) -> list[tuple[int, float]]:
        """Themes of one answer text."""
        return self.tag_terms(analyze(text, language).terms)

    def best(self, text: str, language: str | None = None) -> int:
        """The answer's primary theme, or -1 ("other")."""
        return self.primary(analyze(text, language).terms)
