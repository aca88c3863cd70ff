"""The API's reference page, read from the OpenAPI document the code generates: the rules
every call follows, then each operation and each schema. No script, nothing from a CDN."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from eventplanner.api.problems import TITLES

bp = Blueprint("api_reference", __name__, url_prefix="/api/v1")

#: The operations' methods, in the order a reference lists them.
METHODS = ("get", "post", "put", "patch", "delete")


def api_document() -> dict:
    """The OpenAPI document, as ``/api/v1/openapi.json`` serves it."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].document()


def schema_name(schema: dict | None) -> str | None:
    """``#/components/schemas/Contact`` -> ``Contact``."""
    reference = (schema or {}).get("$ref", "")
    return reference.rsplit("/", 1)[-1] if reference else None


def operations_by_tag(document: dict) -> list[tuple[dict, list[dict]]]:
    """Each tag (a resource) with its operations, in the document's order."""
    operations: dict[str, list[dict]] = {tag["name"]: [] for tag in document.get("tags", [])}
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for tag in operation.get("tags", ["other"]):
                operations.setdefault(tag, []).append({
                    "method": method.upper(), "path": path, "operation": operation,
                    "parameters": [*shared, *operation.get("parameters", [])],
                    "scope": next((scopes[0] for requirement in operation.get("security", [])
                                   for scopes in requirement.values() if scopes), None),
                })
    tags = {tag["name"]: tag for tag in document.get("tags", [])}
    return [(tags.get(name, {"name": name}), found) for name, found in operations.items()
            if found]


@bp.get("/docs")
def reference():
    document = api_document()
    return render_template("api/reference.html", document=document,
                           resources=operations_by_tag(document), schema_name=schema_name,
                           problem_titles=sorted(TITLES.items()))
