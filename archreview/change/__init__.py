"""What a change brings: infrastructure signals and their catalogue, new infrastructure and dependencies, the fit test."""
