"""The platform simulator: a deterministic world (generator) served over loopback HTTP."""
