"""Governance: the append-only log of sign-ins, exports and administrative changes, and the
audit trail the data custodian reads."""
