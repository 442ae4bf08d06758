"""The studio: designers' previews and marketers' experiment pages, behind a login.

Pages are rendered on the server (Jinja, templates/ here) with their own CSS and script
(static/ here, no CDN: the studio works offline). Every preview goes through the same
delivery path as the ESP's renders, never a separate preview renderer.
"""
