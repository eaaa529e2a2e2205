"""Developer tools: the platform simulator and scale generator, the demo, `make dev` and the
benchmarks. Never imported by the deployable packages (tests/unit/test_layering.py)."""
