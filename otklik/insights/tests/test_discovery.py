"""Discovery's parts: term vectors from co-occurrence, seeded spherical k-means, key words per theme."""

import numpy as np
import scipy.sparse as sp

from otklik.insights import engine
from otklik.insights.tests import samples


def complaint_texts(limit: int = 300) -> list[str]:
    return [row["text"] for row in samples.airline_complaints(limit)]


def test_terms_that_share_answers_get_close_vectors():
    # Terms 0–2 appear together, terms 3–5 together; term 6 joins both groups once.
    answers = [[0, 1], [0, 2], [1, 2], [0, 1, 2], [3, 4], [3, 5], [4, 5], [3, 4, 5], [0, 6], [3, 6]] * 3
    rows = [n for n, terms in enumerate(answers) for _ in terms]
    cols = [term for terms in answers for term in terms]
    presence = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(answers), 7))
    vectors = engine.term_vectors(presence, dimensions=3)
    assert vectors.shape == (7, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[4]
    assert vectors[3] @ vectors[5] > vectors[3] @ vectors[2]


def test_terms_that_never_meet_keep_their_own_dimension():
    presence = sp.csr_matrix(np.eye(3))
    assert np.array_equal(engine.term_vectors(presence, dimensions=2), np.eye(3))


def test_a_seeded_cluster_starts_at_its_seed():
    rng = np.random.default_rng(0)
    east = rng.normal([1, 0, 0], 0.05, (20, 3))
    north = rng.normal([0, 1, 0], 0.05, (20, 3))
    up = rng.normal([0, 0, 1], 0.05, (20, 3))
    points = np.vstack([east, north, up])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    centroids, clusters = engine.spherical_kmeans(points, k=3, seeds=[np.array([0.0, 0.0, 1.0]), None])
    assert set(clusters[40:]) == {0}
    assert len(set(clusters[:20])) == len(set(clusters[20:40])) == 1 and clusters[0] != clusters[20]
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1.0)


def test_a_term_counts_only_for_its_nearest_theme_by_its_margin():
    affinity = np.array(
        [
            [0.9, 0.1],  # clearly the first theme's
            [0.5, 0.4],  # barely the first theme's
            [0.2, 0.6],  # the second theme's
            [-0.3, -0.2],  # near neither: its margin still picks the second, weakly
        ]
    )
    weights = engine.theme_keywords(affinity)
    assert np.allclose(weights[:, 0], [1.0, 0.1 / 0.8, 0, 0])
    assert np.allclose(weights[:, 1], [0, 0, 1.0, 0.1 / 0.4])


def test_discovery_labels_each_answer_as_the_tagger_would():
    texts = complaint_texts()
    found = engine.discover_clusters(texts, k=6)
    tagger = engine.Tagger(found.themes)
    assert len(found.themes) == 6 and len(found.clusters) == len(texts)
    agree = sum(tagger.best(text) == cluster for text, cluster in zip(texts, found.clusters, strict=True))
    assert agree / len(texts) > 0.8


def test_key_words_list_common_words_first():
    found = engine.discover_clusters(complaint_texts(), k=6)
    cancelled = next(theme for theme in found.themes if "cancel" in list(theme.keywords)[:3])
    assert "cancelled" in cancelled.name.lower()
    for theme in found.themes:
        weights = list(theme.keywords.values())
        assert max(weights) == 1.0 and min(weights) >= engine.KEYWORD_FLOOR


def test_an_answer_usually_gets_one_or_two_themes():
    texts = complaint_texts()
    tagger = engine.Tagger(engine.discover(texts, k=6))
    per_answer = [len(tagger.tag(text)) for text in texts]
    assert 1.0 <= sum(per_answer) / len(texts) <= 2.0


def test_discovery_finds_fewer_themes_than_asked_when_answers_repeat():
    text = samples.airline("569568158584950787")
    found = engine.discover_clusters([text, text], k=2)
    assert len(found.themes) == 1 and found.clusters == [0, 0]
    assert found.themes[0].keywords


def test_discovery_of_russian_answers_uses_their_lemmas():
    texts = [row["text"] for row in samples.russian_rows()[:400]]
    themes = engine.discover(texts, k=5)
    assert len(themes) == 5
    terms = {term for theme in themes for term in theme.keywords}
    assert "кредит" in terms and "кредиты" not in terms


def test_a_term_seen_in_few_answers_weighs_less():
    affinity = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])
    weights = engine.theme_keywords(affinity, support=np.array([100, 2, 50]))
    assert weights[0, 0] == 1.0 and weights[1, 0] < 0.5 and weights[2, 1] == 1.0
