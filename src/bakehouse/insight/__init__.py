"""Community insight: screening free text for personal data before anyone reads it."""
