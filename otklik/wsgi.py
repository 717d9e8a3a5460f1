import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
application = get_wsgi_application()

from otklik.ops.secret import startup_refusal  # noqa: E402  (needs the settings loaded above)

# gunicorn started by hand (not through `otklik serve`) must refuse a missing key just the same.
if refusal := startup_refusal():
    raise ImproperlyConfigured(refusal)
