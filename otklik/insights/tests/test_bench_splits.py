"""bench/themes.py's repeated splits and embedding cache: what its mean ± sd figures rest on."""

import importlib.util
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[3] / "bench" / "themes.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_themes", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_split_halves_the_same_sample_and_split_0_is_the_old_fixed_halves():
    bench = _bench()
    sample = set(np.random.default_rng(12345).permutation(500)[:200].tolist())
    old_choose, old_report = bench.halves(500, 200)
    seen = []
    for split in range(4):
        choose, report = bench.halves(500, 200, split)
        assert not set(choose) & set(report)
        assert set(choose) | set(report) == sample
        assert len(choose) == len(report) == 100
        seen.append(tuple(report))
    assert bench.halves(500, 200, 0) == (old_choose, old_report)
    assert len(set(seen)) == 4  # each split reports on other texts


def test_the_embedding_cache_embeds_each_text_once_and_keeps_it_on_disk(tmp_path):
    bench = _bench()
    bench.EMBEDDING_CACHE = tmp_path
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts])

    first = bench._memoized(embed, "fake")(["a", "bb", "a"])
    again = bench._memoized(embed, "fake")(["bb", "a"])  # a new process: read from disk
    assert calls == [["a", "bb"]]
    assert first.tolist() == [[1, 1], [2, 1], [1, 1]]
    assert again.tolist() == [[2, 1], [1, 1]]


def test_chance_is_what_the_same_group_sizes_score_shuffled():
    bench = _bench()
    rng = np.random.default_rng(7)
    gold = [str(label) for label in rng.integers(0, 5, 180)]  # tripadvisor's size: 177 texts, 5 labels
    luck = [int(group) for group in rng.integers(0, 5, 180)]  # a grouping unrelated to the labels
    mean, top = bench.chance(gold, luck)
    assert 0.0 < mean < top < 0.08
    assert bench.chance(gold, luck) == (mean, top)  # the same shuffles every run
    assert bench.scores(gold, luck)[0] < top  # told apart from chance: it is not
    # The labels themselves are far above what their sizes score shuffled.
    same = [int(label) for label in gold]
    assert bench.scores(gold, same)[0] == 1.0
    assert bench.chance(gold, same)[1] < 0.1


def test_a_lowest_aspect_is_gold_only_when_it_is_rated_low():
    bench = _bench()
    aspects = ["value", "rooms", "location"]
    rows = [
        {"text": "overpriced", "value": "2", "rooms": "4", "location": "5"},
        {"text": "an average room", "value": "4", "rooms": "3", "location": "5"},
        # A very good aspect among excellent ones: nothing in the text has to explain it.
        {"text": "a wonderful stay", "value": "4", "rooms": "5", "location": "5"},
        {"text": "two tied lowest", "value": "2", "rooms": "2", "location": "5"},
        {"text": "   ", "value": "1", "rooms": "4", "location": "5"},
        {"text": "one score only", "value": "1", "rooms": "0", "location": ""},
    ]
    assert bench._lowest_aspect(rows, "text", aspects) == [("overpriced", "value"), ("an average room", "rooms")]
    assert bench.LOW_ASPECT == 3
