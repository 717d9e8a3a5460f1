import json
import re

from django.contrib.staticfiles import finders


def test_it_serves_an_openapi_3_schema_listing_every_path(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Otklik API"
    assert set(schema["paths"]) == {
        "/api/answers",
        "/api/answers/{answer_id}",
        "/api/cases",
        "/api/cases/{case_id}",
        "/api/surveys",
        "/api/touchpoints",
        # the customer base
        "/api/customers",
        "/api/customers/batch",
        "/api/customers/{external_id}",
        # personal data on request
        "/api/customers/{external_id}/export",
        "/api/customers/{external_id}/erase",
        "/api/products",
        "/api/products/batch",
        "/api/purchases",
        "/api/purchases/batch",
        "/api/purchases/{external_id}",
        "/api/events",
        "/api/events/batch",
    }


def test_every_operation_has_a_summary_and_bearer_auth(client):
    schema = client.get("/api/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert all(op["summary"] for op in operations)
    assert all(op["security"] == [{"ApiTokenAuth": []}] for op in operations)
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"]["scheme"] == "bearer"


def test_it_serves_the_docs_page_without_loading_anything_from_outside(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources, html
    # Django ninja falls back to a CDN unless "ninja" is in INSTALLED_APPS.
    assert not [s for s in sources if "//" in s], sources
    assert '"validatorUrl": null' in html


def test_the_swagger_ui_files_are_served_locally():
    for name in ["ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js"]:
        assert finders.find(name), f"{name} is not found by staticfiles: add 'ninja' to INSTALLED_APPS"
