import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventplanner.feedback.nps import nps_summary, score_distribution


def test_no_answers_give_no_score_rather_than_zero():
    summary = nps_summary([])
    assert (summary.answers, summary.score) == (0, None)


def test_all_promoters_give_100_and_all_detractors_minus_100():
    assert nps_summary([9, 10, 10]).score == 100
    assert nps_summary([0, 3, 6]).score == -100


def test_passives_count_in_the_total_but_on_neither_side():
    summary = nps_summary([10, 9, 8, 7, 6])  # 2 promoters, 2 passives, 1 detractor
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 2, 1)
    assert summary.score == 20


def test_the_score_is_rounded_to_a_whole_number():
    assert nps_summary([10, 10, 5]).score == 33  # 66.7 - 33.3


@pytest.mark.parametrize("score", [-1, 11])
def test_a_score_outside_0_to_10_is_refused(score):
    with pytest.raises(ValueError):
        nps_summary([score])


def test_the_distribution_counts_every_score():
    assert score_distribution([0, 10, 10, 7]) == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2]


@given(st.lists(st.integers(min_value=0, max_value=10)))
def test_the_score_stays_between_minus_100_and_100(scores):
    summary = nps_summary(scores)
    assert summary.answers == len(scores)
    assert summary.score is None or -100 <= summary.score <= 100
