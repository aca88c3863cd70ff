"""The organiser's own questions to guests (the dinner's menu, the bus, a T-shirt size)."""
