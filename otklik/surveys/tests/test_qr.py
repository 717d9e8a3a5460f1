import segno
from django.urls import reverse

from otklik.surveys.tests.conftest import answer_url


def qr_url(name, world) -> str:
    return reverse(name, args=[world.nps.public_key, world.checkout.public_key])


def expected_svg(url: str) -> bytes:
    import io

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=4)
    return buffer.getvalue()


def test_the_svg_encodes_the_absolute_public_link(client, world, settings):
    settings.SITE_URL = "https://feedback.example.org"
    page = client.get(qr_url("surveys:qr_svg", world))
    assert page.status_code == 200
    assert page["Content-Type"] == "image/svg+xml"
    assert b"<svg" in page.content
    # No QR decoder is installed; segno is deterministic, so the same matrix proves the same content.
    url = "https://feedback.example.org" + answer_url(world.nps, world.checkout)
    assert page.content == expected_svg(url)
    assert page.content != expected_svg(url + "x")


def test_the_png_is_a_png(client, world):
    page = client.get(qr_url("surveys:qr_png", world))
    assert page.status_code == 200
    assert page["Content-Type"] == "image/png"
    assert page.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_qr_codes_are_public_and_cacheable(client, world):
    page = client.get(qr_url("surveys:qr_svg", world))
    assert "public" in page["Cache-Control"]
    assert "max-age" in page["Cache-Control"]


def test_qr_codes_for_mismatched_keys_are_404(client, world):
    page = client.get(reverse("surveys:qr_png", args=[world.nps.public_key, world.stranger_checkout.public_key]))
    assert page.status_code == 404
