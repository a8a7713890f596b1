"""The maximum support shown before appraisal (issue 12, point 4) is the appraisal's own rule:
``max_support`` is ``support_amount`` with the whole cost eligible, and what the appraisal gives
for any request is the smaller of that maximum and the request."""

import itertools

import pytest

from grants.domain.money import max_support, support_amount

COSTS = [0, 1, 99, 1_000_001, 40_000_000, 99_999_999, 120_000_000, 10**15]
SHARES = [1, 33, 50, 70, 100]
CAPS = [None, 0, 7, 20_000_000, 50_000_000, 10**15]


def test_the_issue_example():
    # ISO 9001 at 120 M: 50 % is 60 M, the cap 50 M: at most 50 M; 70 M asked is above it.
    assert max_support(cost_vnd=120_000_000, share_percent=50, cap_vnd=50_000_000) == 50_000_000
    assert max_support(cost_vnd=40_000_000, share_percent=50, cap_vnd=50_000_000) == 20_000_000
    assert max_support(cost_vnd=99, share_percent=33, cap_vnd=None) == 32  # floor, exact


@pytest.mark.parametrize(("cost", "share", "cap"), list(itertools.product(COSTS, SHARES, CAPS)))
def test_appraisal_gives_the_smaller_of_the_maximum_and_the_request(cost, share, cap):
    shown = max_support(cost_vnd=cost, share_percent=share, cap_vnd=cap)
    assert 0 <= shown <= cost
    for requested in {0, 1, shown, shown + 1, cost // 2, cost}:
        appraised = support_amount(eligible_cost_vnd=cost, share_percent=share, cap_vnd=cap,
                                   requested_vnd=requested)
        assert appraised == min(shown, requested)
        assert (requested > shown) == (appraised < requested)  # the warning is exactly the cut
