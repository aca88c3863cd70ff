"""The audit trail: who did what in a workspace, and when."""
