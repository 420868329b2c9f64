"""Only approved delegates are printed and admitted: the one rule the badges and the door both ask."""
from __future__ import annotations

from ...models.labels import Accreditation
from ...plumbing.errors import Conflict


class NotAccredited(Conflict):
    """``errors`` names each delegate who is not approved, with their accreditation; ``ids`` lists them."""

    code = "not_accredited"

    def __init__(self, delegates):
        delegates = list(delegates)
        ids = [d.id for d in delegates]
        super().__init__("not accredited: delegate " + ", ".join(map(str, ids[:10])) + (" …" if len(ids) > 10 else ""),
                         ids=ids[:100])
        self.delegates = delegates
        self.errors = {str(d.id): [d.accreditation] for d in delegates[:100]}


def admitted(delegate) -> bool:
    return delegate.accreditation == Accreditation.APPROVED


def refuse_unless_approved(delegates) -> None:
    """NotAccredited naming every delegate of ``delegates`` who is not approved."""
    refused = [d for d in delegates if not admitted(d)]
    if refused:
        raise NotAccredited(refused)
