"""The Textual front end. Imported only when the interactive app runs (never by the CLI or batch)."""
