"""The request handler the web processes run: Django's, with a shorter middleware stack for public answer POSTs.

A customer's answer POST (the public link, an invitation) is the busiest request Otklik serves, and it is
anonymous: no session, no login, no messages, no htmx, and its view is exempt from CSRF (it has been since
decision 0002: a token that expires on a phone left open would lose the answer). Yet every request ran all eleven
middleware, and for this one their work was about a tenth of its CPU (decision 0076): the locale middleware alone
parsed the path and the browser's languages for a language the form names itself.

So a POST to a view marked with `otklik.http.public_post` runs the stack without the middleware it cannot use
(`SKIPPED_FOR_PUBLIC_POSTS`, each with its reason); every other request, that view's GET included, runs the full
stack as before. What stays: the trusted proxies (the rate limit counts the real address), the security headers and
HTTPS redirect, the common middleware (ALLOWED_HOSTS, Content-Length), the clickjacking header, and any middleware a
deployment adds. The locale middleware is replaced by `PublicLocaleHeaders`, which writes its two headers: the view
chooses the language itself (`surveys.views.activate_language`, from the form, the link, then the browser's, as
the locale middleware would).
"""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from otklik.http import PUBLIC_POST

LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"

# What a public answer POST needs none of, and why (decision 0076). Anything not named here runs as before.
SKIPPED_FOR_PUBLIC_POSTS = frozenset(
    {
        # Serves /static/ and the media it knows; a public POST is neither, so it only passed the request on.
        "whitenoise.middleware.WhiteNoiseMiddleware",
        # The customer has no session: the answer pages never read or write one, so it only looked for a cookie.
        "django.contrib.sessions.middleware.SessionMiddleware",
        # A marked view must be csrf_exempt (`public_post` checks): the middleware's process_view returns at once for
        # it, its process_request only reads the CSRF cookie for `get_token`, which these pages never call, and its
        # process_response sets a cookie only after `get_token` (or to replace a malformed one, which the next staff
        # page does as well). It checks nothing on such a request.
        "django.middleware.csrf.CsrfViewMiddleware",
        # Nobody is logged in on a customer's answer; `request.user` is never read there.
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        # No staff messages on a customer's page.
        "django.contrib.messages.middleware.MessageMiddleware",
        # The answer form posts a whole page; `request.htmx` is never read there.
        "django_htmx.middleware.HtmxMiddleware",
    }
)


class PublicLocaleHeaders:
    """The locale middleware's place in the public POST's stack: its response headers only.

    The view has activated the customer's language (from the form's `lang`, `?lang=`, then the browser's, the same
    `get_language_from_request` the locale middleware calls); the response says so as the locale middleware's would.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def public_post_middleware() -> list[str]:
    """settings.MIDDLEWARE for a public POST: in the same order, without `SKIPPED_FOR_PUBLIC_POSTS`, the locale
    middleware replaced by its headers."""
    return [
        "otklik.handlers.PublicLocaleHeaders" if path == LOCALE_MIDDLEWARE else path
        for path in settings.MIDDLEWARE
        if path not in SKIPPED_FOR_PUBLIC_POSTS
    ]


class _PublicPostStack(BaseHandler):
    """Django's handler with the public POST's middleware (sync only, as the web processes run)."""

    def __init__(self) -> None:
        self.load_middleware()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django's `load_middleware` reads settings.MIDDLEWARE itself; this builds the same chain from another list.
        # None of these middleware is async-only or raises MiddlewareNotUsed, so neither case is handled.
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(public_post_middleware()):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


# An answer link's path is some 30 characters. A longer one takes the full stack, which is always right, and is not
# kept: the cache below holds at most 4 096 paths of this length whatever a client sends.
MAX_PUBLIC_POST_PATH = 200


def is_public_post_path(path_info: str, urlconf: str) -> bool:
    """Whether `path_info` names a view marked `public_post` (resolved once per path and URLconf in a process: an
    answer link's path is the same for every answer to it)."""
    return len(path_info) <= MAX_PUBLIC_POST_PATH and _resolves_to_public_post(path_info, urlconf)


@functools.lru_cache(maxsize=4096)
def _resolves_to_public_post(path_info: str, urlconf: str) -> bool:
    try:
        match = get_resolver(urlconf).resolve(path_info)
    except Resolver404:
        return False
    return getattr(match.func, PUBLIC_POST, False)


class PublicPostDispatch:
    """A handler mixin: a POST to a `public_post` view goes through the public POST's stack, anything else through
    the handler's own (settings.MIDDLEWARE)."""

    _public_post_stack: _PublicPostStack | None = None

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        if is_async:
            raise ImproperlyConfigured("The public POST's stack is sync only; serve Otklik with its WSGI handler.")
        self._public_post_stack = _PublicPostStack()

    def get_response(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and is_public_post_path(request.path_info, settings.ROOT_URLCONF):
            return self._public_post_stack.get_response(request)
        return super().get_response(request)


class OtklikWSGIHandler(PublicPostDispatch, WSGIHandler):
    """What `otklik.wsgi.application` serves."""
