"""The one error type the library raises for bad input; the CLI prints it in one line."""


class DreamvidError(ValueError):
    """Bad input or an unmet precondition, with a message fit to show a user as it is."""
