"""Demo and scale data, kept out of the domain apps: `network` (areas, sites,
people), `uses` (cards, offerings and a year of uses, through the one write
path), `onboarding` (example material) and `scale` (millions of rows for the
benchmarks). `manage.py seed_demo` puts them together."""
