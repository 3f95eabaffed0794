"""axtui: a terminal assistant for ML practitioners.

The package is split so that each front end pays only for what it uses:
``core`` and ``stats`` never import Textual, and nothing on the start-up path
imports litellm or scipy (see ``tests/test_import_hygiene.py``).
"""

__version__ = "0.1.0"
