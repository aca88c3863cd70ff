"""A part's tables and who sits where: the dinner's table plan."""
