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
