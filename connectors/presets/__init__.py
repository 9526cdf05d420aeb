"""The shipped data map presets (TOML files beside this module; see README.md)."""
