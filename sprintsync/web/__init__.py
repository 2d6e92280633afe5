"""The server-rendered web UI: templates, static assets and the helpers pages share."""
