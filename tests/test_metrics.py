"""Metrics against values worked out by hand."""

import math

import pytest

from eval.metrics import contains_answer, exact_match, f1, hit_at, mean, mrr_at, ndcg_at, normalize, percentile, recall_at

RANKED = ["x", "g1", "y", "g2", "z"]
GOLD = {"g1", "g2", "g3"}


def test_normalize_is_squad_style_and_bilingual():
    assert normalize("The  Treaty, of 1961!") == "treaty of 1961"
    assert normalize("¿La desaladora de Villamar?") == "desaladora de villamar"


def test_answer_metrics():
    assert contains_answer("It replaces the documents of 1961, 2000 and 2001 [1].", ["1961, 2000 and 2001"])
    assert not contains_answer("In 19612 it happened.", ["1961"])  # whole tokens only
    assert exact_match("the Hanoi", ["Hanoi"]) == 1.0 and exact_match("to Hanoi", ["Hanoi"]) == 0.0
    # pred tokens: putin travels to hanoi (4); gold: hanoi vietnam (2); common 1 -> P=1/4, R=1/2, F1=1/3
    assert f1("Putin travels to Hanoi", ["Hanoi, Vietnam"]) == pytest.approx(1 / 3)
    assert f1("nothing", ["Hanoi"]) == 0.0


def test_hits_recall_mrr():
    assert [hit_at(RANKED, GOLD, k) for k in (1, 2, 5)] == [0.0, 1.0, 1.0]
    assert recall_at(RANKED, GOLD, 2) == pytest.approx(1 / 3)
    assert recall_at(RANKED, GOLD, 5) == pytest.approx(2 / 3)
    assert mrr_at(RANKED, GOLD) == 0.5
    assert mrr_at(["a", "b"], GOLD) == 0.0


def test_ndcg_by_hand():
    # gold at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal over min(3, 10) = 3 gold at ranks 1-3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / 2
    assert ndcg_at(RANKED, GOLD) == pytest.approx(dcg / ideal)  # (0.63093 + 0.43068) / 2.13093
    assert ndcg_at(RANKED, GOLD) == pytest.approx(0.49819, abs=1e-5)
    assert ndcg_at(["g1"], {"g1"}) == 1.0 and ndcg_at([], GOLD) == 0.0


def test_percentiles_and_mean():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([], 50) is None and mean([]) is None and mean([1, 2]) == 1.5
