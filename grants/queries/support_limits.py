"""The most each requested item can be supported with, by the year's rule (the same domain
function as appraisal: ``money.max_support`` calls ``money.support_amount``), shown to the
applicant, the desk, the appraiser and on the staff dossier page, and returned by the API."""

from dataclasses import dataclass

from grants.domain.money import format_vnd, max_support
from grants.models import Dossier, ProgramYear, SupportRule


@dataclass(frozen=True)
class ItemLimit:
    """One requested item against its rule: ``max_support_vnd`` is None when the year has no
    rule for the item (it cannot be supported)."""

    code: str
    share_percent: int | None
    cap_vnd: int | None
    consulting_cost_vnd: int
    requested_vnd: int
    max_support_vnd: int | None

    @property
    def over(self) -> bool:
        """The request is above what the rule can give."""
        return self.max_support_vnd is not None and self.requested_vnd > self.max_support_vnd

    @property
    def warning(self) -> str | None:
        if not self.over:
            return None
        return (f"Số tiền đề nghị cho {self.code} ({_vnd(self.requested_vnd)}) vượt mức hỗ trợ "
                f"tối đa {_vnd(self.max_support_vnd)} ({self.share_percent}% chi phí, không quá "
                f"{_vnd(self.cap_vnd)}); phần vượt sẽ không được hỗ trợ.")


def _vnd(n: int | None) -> str:
    return format_vnd(n or 0)


def rules_by_code(year: ProgramYear) -> dict[str, SupportRule]:
    """The year's support rules by catalogue code (the data the applicant's form embeds)."""
    return {r.catalogue_item.code: r for r in year.rules}


def limit_for(rule: SupportRule | None, code: str, consulting_cost_vnd: int,
              requested_vnd: int) -> ItemLimit:
    """One item's limit; ``rule`` None means the year does not support the item."""
    if rule is None:
        return ItemLimit(code, None, None, consulting_cost_vnd, requested_vnd, None)
    return ItemLimit(code, rule.share_percent, rule.cap_vnd, consulting_cost_vnd, requested_vnd,
                     max_support(cost_vnd=consulting_cost_vnd, share_percent=rule.share_percent,
                                 cap_vnd=rule.cap_vnd))


def item_limits(dossier: Dossier) -> dict[int, ItemLimit]:
    """Dossier item id → its limit by the dossier year's rule."""
    rules = {r.catalogue_item_id: r for r in dossier.program_year.rules}
    return {i.id: limit_for(rules.get(i.catalogue_item_id), i.catalogue_item.code,
                            i.consulting_cost_vnd, i.requested_vnd) for i in dossier.items}


def over_limit_warnings(dossier: Dossier) -> list[str]:
    """A warning per item whose request is above its maximum support."""
    return [w for w in (limit.warning for limit in item_limits(dossier).values()) if w]
