"""Protection measures and the individual action plan (individuell åtgärdsplan)."""
