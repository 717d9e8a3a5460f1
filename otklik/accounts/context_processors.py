from otklik.accounts.selectors import memberships_of


def membership(request) -> dict:
    """Expose the active membership (set by `membership_required`) to every template.

    `my_memberships` feeds the organization switcher; a callable, so pages that do not show it pay no query.
    """
    current = getattr(request, "membership", None)
    if current is None:
        return {"membership": None}
    return {"membership": current, "my_memberships": lambda: list(memberships_of(user=current.user))}
