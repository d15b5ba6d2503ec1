"""Reminders (bevakningar): computed from due dates across a user's readable cases."""
