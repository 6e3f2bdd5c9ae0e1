"""The seeded demo business on real US boundaries."""
