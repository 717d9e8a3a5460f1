def membership(request) -> dict:
    """Expose the active membership (set by `membership_required`) to every template."""
    return {"membership": getattr(request, "membership", None)}
