import gc
import os

import django
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
# What `get_wsgi_application` does, with Otklik's handler: public answer POSTs run a shorter middleware stack.
django.setup(set_prefix=False)

from otklik.handlers import OtklikWSGIHandler  # noqa: E402  (needs the apps loaded above)

application = OtklikWSGIHandler()

from otklik.ops.secret import startup_refusal  # noqa: E402  (needs the settings loaded above)

# gunicorn started by hand (not through `otklik serve`) must refuse a missing key just the same.
if refusal := startup_refusal():
    raise ImproperlyConfigured(refusal)

# What is loaded by now (Django, the apps and their models: some 100 000 objects) lives as long as the
# process. Frozen, the cyclic collector no longer walks it on each of its full passes, which a request's
# allocations set off now and then: that walk was about 4 % of a public answer's CPU (decision 0051).
gc.freeze()
