"""psotrial's benchmarks: `make bench` (full) and `make bench-quick` (the harness works)."""
