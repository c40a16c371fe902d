"""Custody: the custodian's key, the two zones' workspace, people's rights and the audit log.

Public API (everything else is internal)::

    init_key, load_key, CustodianKey            the keyed-hash secret
    rotate_key                                  a new active key version; earlier ones retired
    AuditLog(path, key).append(event) / .verify()  the sealed, anchored audit log
    Workspace(root)                              zones, registers, all-or-nothing changes
    PersonQuery, subject_access, erase           rights, through the custodian zone
    load_request, RightsRequest                  a rights request read from a file
    add_optout, remove_optout, Registers         objections
"""

from __future__ import annotations

from bakehouse.custody.audit import AuditEvent, AuditLog, AuditVerification
from bakehouse.custody.keys import CustodianKey, init_key, load_key, rotate_key
from bakehouse.custody.registers import PersonQuery, Registers
from bakehouse.custody.requests import RightsRequest, load_request
from bakehouse.custody.rights import add_optout, erase, remove_optout, subject_access
from bakehouse.custody.workspace import Workspace

__all__ = [
    "AuditEvent",
    "AuditLog",
    "AuditVerification",
    "CustodianKey",
    "PersonQuery",
    "Registers",
    "RightsRequest",
    "Workspace",
    "add_optout",
    "erase",
    "init_key",
    "load_key",
    "load_request",
    "remove_optout",
    "rotate_key",
    "subject_access",
]
