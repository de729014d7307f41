"""SCALE: running the pipeline bigger (a Ray cluster) and longer (``watch``: a polling ingester).

- :mod:`realpolitik.scale.rows`: lossless Article/Mention/Event <-> Arrow row codec (no Ray needed).
- :mod:`realpolitik.scale.ray_engine`: ``--engine ray`` for extract and ingest (optional extra ``ray``).
- :mod:`realpolitik.scale.watch`: ingest only what is new in feeds and folders, crash-safe.
- :mod:`realpolitik.scale.commands`: ``register(app)`` adds the ``watch`` command to the CLI.
"""
