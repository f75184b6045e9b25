def verdict(given, expected):
    """42 or 43, and a score multiplier when the output ends with "half" (written even on a rejection, a judge error)."""
    multiplier = 0.5 if given[1:] == ["half"] else None
    if not given or given[0] != expected:
        return 43, multiplier
    return 42, multiplier
