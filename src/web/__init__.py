"""Bakehouse web app: the Django project partner staff and residents use.

It receives only published, area-level releases from the pipeline and owns the records people
type in. No page shows a person or a household.
"""
