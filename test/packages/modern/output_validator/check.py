def verdict(given, expected):
    """42 and an optional score multiplier when the output is right, 43 when not."""
    if not given or given[0] != expected:
        return 43, None
    return 42, (0.5 if given[1:] == ["half"] else None)
