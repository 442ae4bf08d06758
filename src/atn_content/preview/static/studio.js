// The studio's shared script (no framework, no CDN). Pages add their own modules.
