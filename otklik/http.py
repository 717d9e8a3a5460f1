"""Small helpers every app's views share."""

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """A 303 redirect: after a POST the browser must GET the next page, so a reload does not post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def form_add_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors by the field, the rest at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# The attribute `public_post` sets on a view; `otklik.handlers` reads it.
PUBLIC_POST = "otklik_public_post"


def public_post(view):
    """Mark a customer-facing, anonymous, CSRF-exempt view: its POSTs run the shorter middleware stack of
    `otklik.handlers` (no session, login, messages, CSRF or locale middleware; decision 0076).

    The view must choose the language itself and never read `request.session`, `request.user` or messages.
    Apply it outermost, over `csrf_exempt`, which it requires.
    """
    if not getattr(view, "csrf_exempt", False):
        raise TypeError(f"{view.__qualname__}: public_post needs a csrf_exempt view (its stack has no CSRF check)")
    setattr(view, PUBLIC_POST, True)
    return view
