"""Mail that comes back to the app: guests' calendar answers to their invitations' reply
addresses, proposals of a new time, delivery reports and automatic replies; read, applied
where it is an answer that counts, and kept with the reason where it is not."""
