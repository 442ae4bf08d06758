"""Destination recommendations: the catalogue, models trained offline from interaction
files, and the ranking that serves them from precomputed neighbours (docs/RECOMMENDATIONS.md).

A feature package: the content engine never imports it.
"""
