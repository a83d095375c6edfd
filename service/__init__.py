"""HTTP: thin flask-smorest blueprints over the pure functions in search/ and search/analytics/."""
