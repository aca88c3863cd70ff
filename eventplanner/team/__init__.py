"""A workspace's team: members, roles, invitations to join, ownership and settings."""
