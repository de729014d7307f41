"""The dashboard's templates (``templates/``) and assets (``static/``), served by realpolitik.api.

Everything the browser loads comes from here: no CDN at run time. ``static/README.md`` says where
each built file comes from (package, version, licence); ``build/`` holds the scripts that built them.
"""
