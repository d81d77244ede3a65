"""Learning: the quiz engine and progress (quiz), spaced review (review)."""
