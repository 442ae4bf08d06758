"""Airline knowledge templates use: airports (cities, time zones), destinations."""
