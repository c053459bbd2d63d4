"""Development tooling: never installed with the runtime packages (see pyproject.toml)."""
