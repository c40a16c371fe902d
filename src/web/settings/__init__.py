"""Settings: ``base`` holds what every environment shares; ``dev``, ``test`` and ``production``
each choose their own secrets, database and security switches. Values come from the environment
through the typed helpers in ``env``."""
