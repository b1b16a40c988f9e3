"""Tools for development, demos, tests and benchmarks. Production code never imports this package."""
