"""Travel: flights (arrivals and departures), airport pick-ups, hotel room blocks."""
