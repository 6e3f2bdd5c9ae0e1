"""Who may see what: users and their roles, the checks on a signed-in identity, the audit
trail. The roles live in the app's own database, never in the provider's claims."""
