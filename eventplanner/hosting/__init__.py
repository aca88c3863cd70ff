"""An event's hosts (members of the team), the guests each looks after, and their briefings."""
