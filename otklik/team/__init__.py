"""The owner's and manager's pages for an organization: its settings, its team and their invitations.

Above accounts (which holds the people and the rules), insights (departments) and surveys (the default
survey), so these pages may show all three.
"""
