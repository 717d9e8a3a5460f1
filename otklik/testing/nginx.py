"""Debian's nginx with deploy/nginx/otklik.conf in front of a test server, on loopback ports (a pytest plugin).

The site file is used as shipped; only what ties it to a real machine is swapped: the listening addresses
(free ports on 127.0.0.1), the certificate (self-signed, made with openssl), the static folder and the
application's port. nginx runs with its own prefix, pid and logs under the test's temporary folder.
"""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

SITE = Path(settings.BASE_DIR) / "deploy" / "nginx" / "otklik.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def nginx_or_skip() -> str:
    """Debian's nginx, installed with apt the way `make test` installs it when it is missing."""
    found = nginx_binary()
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is not None and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "nginx"], env=env, capture_output=True, timeout=600)
    found = nginx_binary()
    if not found:
        pytest.skip("nginx is not installed and could not be installed with apt-get (`make test` installs it)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_for_test(*, app_port: int, http_port: int, https_port: int, cert: Path, key: Path, static: Path) -> str:
    """deploy/nginx/otklik.conf with its machine-specific lines swapped; each must be found exactly once."""
    text = SITE.read_text()
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "    listen 80;\n    listen [::]:80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n": (
            f"    listen 127.0.0.1:{https_port} ssl http2;\n"
        ),
        "/etc/letsencrypt/live/feedback.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/feedback.example.com/privkey.pem": str(key),
        "alias /var/lib/otklik/static/;": f"alias {static}/;",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"deploy/nginx/otklik.conf changed shape: {old!r} is not there once"
        text = text.replace(old, new)
    return text


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Nginx:
    https_url: str
    http_url: str
    https_port: int
    folder: Path

    def log(self) -> str:
        return "\n".join(
            (self.folder / name).read_text() for name in ("error.log", "access.log") if (self.folder / name).exists()
        )


def start_nginx(*, app_port: int, static: Path, folder: Path) -> tuple[subprocess.Popen, Nginx]:
    binary = nginx_or_skip()
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(folder)
    http_port, https_port = free_port(), free_port()
    site = folder / "otklik.conf"
    site.write_text(
        site_for_test(app_port=app_port, http_port=http_port, https_port=https_port, cert=cert, key=key, static=static)
    )
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would switch to "nobody", who cannot read pytest's private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {folder / 'access.log'};\n{temp}\n    include {site};\n}}\n"
    )
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert tested.returncode == 0, tested.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"nginx did not start: {process.stderr.read().decode()}") from None
            time.sleep(0.1)
    return process, Nginx(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", https_port, folder)


@pytest.fixture
def nginx(live_server, tmp_path, settings):
    """nginx in front of the live server, which trusts it as the proxy; collected static files behind it."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.OTKLIK_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    app_port = int(live_server.url.rsplit(":", 1)[1])
    process, proxy = start_nginx(app_port=app_port, static=settings.STATIC_ROOT, folder=tmp_path / "nginx")
    yield proxy
    process.terminate()
    process.wait(timeout=20)
