"""Importing a delegation's members from a file: the dry run, the commit, and the file kept between the two.

The file is read by member_files; the rows are checked and created by delegations.add_members, the
same rules as one member added on the page or through the API (registration.delegate_input), so no
rule is written twice.  All or nothing: a file with any bad row creates nobody, and its errors come
back keyed "row N" (N the file's line), each naming its column, in the reader's language.

Between the focal point's preview and their confirmation, the rows travel in the confirm form itself,
sealed (signed and compressed with the app's SECRET_KEY, ``seal``/``unseal``): nothing of the file is
kept on the server (no copy to expire or purge, whichever worker answers the confirmation), the seal is
tied to that delegation and that link (a link reissued or revoked meanwhile voids it), it expires after
SEAL_MAX_AGE seconds, and what is committed is exactly what was previewed.  The commit checks every
row again: a place or an email taken in the meantime refuses the whole file, as the dry run would.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from ...plumbing.errors import ValidationFailed
from ...plumbing.secrets import token_hash
from . import delegations
from .member_files import MemberFile, MemberRow, errors_by_line, merged_errors

#: how long a preview may be confirmed (seconds)
SEAL_MAX_AGE = 30 * 60
SALT = "summit.member-import"


class MemberRowsRefused(ValidationFailed):
    """The file's rows, refused: ``errors`` is "row N" → messages naming their columns; ``by_row`` the same by index."""

    def __init__(self, members: MemberFile, by_row: dict[int, dict[str, list]]):
        super().__init__(errors_by_line(members, by_row),
                         f"{len(by_row)} row(s) need attention; nothing was imported")
        self.by_row = by_row


def import_members(delegation_id: int, members: MemberFile, *, dry_run: bool = False) -> int:
    """Create every member the file lists, or none: the number created (or that would be, in a dry run).

    Raises MemberRowsRefused (any bad row: the reader's own errors and the registration rules'
    together, every row checked), or what add_members raises for the delegation as a whole
    (DelegationFull, DelegationRevoked, UnknownDelegationLink).
    """
    read_errors = any(row.errors for row in members.rows)
    try:
        count = delegations.add_members(delegation_id, members.bodies(), dry_run=dry_run or read_errors)
    except delegations.MemberRowsInvalid as exc:
        raise MemberRowsRefused(members, merged_errors(members, exc.row_errors)) from None
    except delegations.DelegationFull:
        if read_errors:  # the rows' own errors first: they are what the focal point fixes
            raise MemberRowsRefused(members, merged_errors(members)) from None
        raise
    if read_errors:
        raise MemberRowsRefused(members, merged_errors(members))
    return count


def _serializer(delegation_id: int, secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"{SALT}:{delegation_id}:{token_hash(secret)}")


def seal(members: MemberFile, delegation_id: int, secret: str) -> str:
    """The rows of a previewed file, signed for that delegation and link, to be confirmed within SEAL_MAX_AGE."""
    return _serializer(delegation_id, secret).dumps({
        "kind": members.kind, "encoding": members.encoding, "columns": members.columns,
        "header": members.header_line, "rows": [[row.line, row.values, row.cells] for row in members.rows]})


def unseal(sealed: str, delegation_id: int, secret: str) -> MemberFile | None:
    """The file sealed for this delegation and link, or None (tampered with, expired, another delegation's)."""
    try:
        data = _serializer(delegation_id, secret).loads(sealed, max_age=SEAL_MAX_AGE)
        rows = [MemberRow(int(line), dict(values), {}, dict(cells)) for line, values, cells in data["rows"]]
        return MemberFile(str(data["kind"]), data["encoding"], dict(data["columns"]), int(data["header"]), rows)
    except (BadData, KeyError, TypeError, ValueError):
        return None
