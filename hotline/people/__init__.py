"""People: users and their roles, departments, callers (citizens), care profiles, emergency contacts."""
