"""docs/configuration.md names every environment variable the code reads."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# env_str("NAME", …), env_bool / env_int / env_float / env_list, os.environ.get("NAME"), os.environ["NAME"] (not
# an assignment to it), os.getenv("NAME").
READ = re.compile(
    r"""(?:env_(?:str|bool|int|float|list)\(\s*|os\.environ\.get\(\s*|os\.getenv\(\s*|os\.environ\[\s*)"""
    r"""["']([A-Z][A-Z0-9_]*)["']\s*(?!\]\s*=[^=])"""
)


def variables_read() -> dict[str, str]:
    found = {}
    for path in sorted((ROOT / "otklik").rglob("*.py")):
        if path == Path(__file__):  # this file's own examples
            continue
        for name in READ.findall(path.read_text()):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_settings_variables():
    found = variables_read()
    assert {"OTKLIK_SECRET_KEY", "OTKLIK_DEBUG", "OTKLIK_EMAIL_PORT", "OTKLIK_TRUSTED_PROXIES", "PORT"} <= set(found)
    assert "HF_HUB_OFFLINE" not in found  # set by the code for a library, not read from the operator


def test_every_variable_read_is_documented():
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", (ROOT / "docs" / "configuration.md").read_text(), re.M))
    missing = {name: where for name, where in variables_read().items() if name not in documented}
    assert not missing, f"read by the code but not in docs/configuration.md: {missing}"
