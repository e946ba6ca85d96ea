from eval.citations import alce
from rag.cite import sentences
from rag.support import LLMSupport

from .fakes import FakeLLM, FakeSupport

PASSAGES = [
    "The plant costs 48 million euros.",
    "Hidrotec will build the plant.",
    "The weather was sunny.",
]


def test_sentences_carry_their_markers_even_after_the_full_stop():
    assert sentences("It costs 48 million [1]. Hidrotec builds it. [2][3] Done.") == [
        ("It costs 48 million.", [1]),
        ("Hidrotec builds it.", [2, 3]),
        ("Done.", []),
    ]


def test_alce_recall_and_precision_match_hand_computed_values():
    answer = (
        "The plant costs 48 million euros [1][3]. "  # supported; [3] is not needed
        "Hidrotec will build the plant [2]. "  # supported
        "It opens in 2026 [1]. "  # not supported
        "No citation here. "  # not supported, no citations
        "Hidrotec will build the plant for 48 million euros [1][2]."  # supported only by both together
    )
    scored = alce(answer, PASSAGES, FakeSupport())
    assert [s["supported"] for s in scored["sentences"]] == [True, True, False, False, True]
    assert scored["recall"] == 3 / 5
    assert scored["precision"] == 4 / 6  # needed: [1] of the first, [2], both of the last


def test_alce_counts_out_of_range_citations_as_unsupported():
    scored = alce("The plant costs 48 million euros [7].", PASSAGES, FakeSupport())
    assert scored["recall"] == 0.0 and scored["precision"] == 0.0


def test_llm_support_reads_the_first_word_of_a_reply():
    assert LLMSupport(FakeLLM("Yes, it does.")).entails("premise", "claim")
    assert not LLMSupport(FakeLLM("No.")).entails("premise", "claim")
    assert not LLMSupport(FakeLLM("Perhaps")).entails("premise", "claim")


def test_the_judge_bench_pairs_a_passage_sentence_with_the_same_sentence_with_a_figure_changed(fake_archive):
    from bench.judge import LAYOUTS, changed, draw

    assert changed("The plant will cost 61 million euros in 2024.") == "The plant will cost 68 million euros in 2024."
    assert changed("It opened in 2024 after a long wait for the town.") is None  # a year is not the figure changed
    pairs = draw(fake_archive, 50, seed=1)
    assert pairs and len({p["id"] for p in pairs}) == len(pairs)  # one sentence per passage
    for p in pairs:
        assert p["sentence"] in p["text"] and p["changed"] != p["sentence"]
        assert LAYOUTS["heading first"](p).startswith(p["heading"]) and LAYOUTS["heading last"](p).endswith(p["heading"])
    assert draw(fake_archive, 50, seed=1) == pairs  # seeded
