"""The maximum shown for each item (queries.support_limits) is what the appraisal proposes when
the whole cost is eligible (issue 12, point 4)."""

from grants.domain.roles import Role
from grants.queries.support_limits import item_limits, over_limit_warnings
from grants.services.dossiers import ItemInput
from tests.walk import draft, to_reviewed


def test_displayed_maximum_is_the_appraisal_proposal(db, world):
    dossier = draft(db, world, [ItemInput("ISO9001", 120_000_000, 70_000_000),
                                ItemInput("5S", 40_000_000, 15_000_000)])
    shown = {i.catalogue_item.code: item_limits(dossier)[i.id] for i in dossier.items}
    assert shown["ISO9001"].max_support_vnd == 50_000_000 and shown["ISO9001"].over
    assert shown["5S"].max_support_vnd == 20_000_000 and not shown["5S"].over
    assert over_limit_warnings(dossier) == [
        "Số tiền đề nghị cho ISO9001 (70.000.000 đ) vượt mức hỗ trợ tối đa 50.000.000 đ (50% "
        "chi phí, không quá 50.000.000 đ); phần vượt sẽ không được hỗ trợ."]
    to_reviewed(db, world, dossier)  # appraised with the whole consulting cost eligible
    proposed = {i.catalogue_item.code: i.proposed_vnd for i in dossier.items}
    assert proposed == {code: min(limit.max_support_vnd, limit.requested_vnd)
                        for code, limit in shown.items()}
    assert world[Role.APPRAISER].id == dossier.assignee_id
