"""The one error the engine raises for an impossible configuration."""


class ConvConfigError(ValueError):
    """A configuration that cannot be computed; the message names the parameter and the fix."""
