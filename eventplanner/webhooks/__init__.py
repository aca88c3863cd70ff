"""Webhooks: other systems (a CRM) hear about answers, check-ins, feedback and results."""
