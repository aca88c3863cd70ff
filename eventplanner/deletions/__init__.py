"""What was deleted or erased, kept as tombstones so that a system that copies the
workspace (a CRM through the API) can forget it too."""
