"""The test suite.

This package is imported before any conftest or test module, so before the application
(whose ``config`` reads the environment on import): generated files (the secret key,
imported and exported files) go to an instance folder of this run's own, outside the tree,
which ``tests/conftest.py`` removes when the run ends. Processes the tests start inherit
``QUALIFICA_INSTANCE_PATH``, so they make no folder of their own; a path set from outside
is used as it is and never removed.
"""

from __future__ import annotations

import os
import tempfile

OWN_INSTANCE_PATH: str | None = None
if not os.environ.get("QUALIFICA_INSTANCE_PATH"):
    OWN_INSTANCE_PATH = tempfile.mkdtemp(prefix="qualifica-test-")
    os.environ["QUALIFICA_INSTANCE_PATH"] = OWN_INSTANCE_PATH
