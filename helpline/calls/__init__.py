"""Helpline calls: Twilio voice webhooks, the duty roster, the call log and callback requests."""
