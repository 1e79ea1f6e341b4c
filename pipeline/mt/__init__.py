"""Machine translation with Argos Translate packages (model management for now)."""
