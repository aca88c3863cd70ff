"""Each host's briefing: their guests, what they answered, and what the team knows of them."""
