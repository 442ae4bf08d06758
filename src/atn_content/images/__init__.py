"""Countdown GIFs: "only 48 h left" as an image that is right whenever the email is opened.

The drawing is pure (countdown.py: remaining seconds, locale, theme, scale -> GIF bytes), so
the serving side can cache its bytes per second of remaining time and draw each second once
for a whole campaign. Themes are data (themes.py), the words are data (text.py), the one
font (Noto Sans CJK JP Bold, OFL) arrives through a PyPI package (font.py); text is drawn
once into palette tiles (tiles.py) and the frames are written as a GIF by gif.py.
"""
