"""datasdk's benchmarks: `python -m benchmarks --help`, or `nox -s bench`."""
