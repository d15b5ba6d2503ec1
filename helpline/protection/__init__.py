"""Protected personal data, level propagation, the location vault and break-glass (issue 6)."""
