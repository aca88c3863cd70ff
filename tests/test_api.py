"""The API's common rules, through tags (the smallest resource): tokens and scopes, problem
documents, strict input, cursor pages with ``updated_since`` and tombstones, ETags,
``Idempotency-Key``, rate limits, the audit trail, and the OpenAPI document."""

from __future__ import annotations

from tests.conftest import bearer

TAGS = "/api/v1/tags"


def test_a_call_without_a_token_is_a_problem_with_a_bearer_challenge(client):
    response = client.get(TAGS)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json()
    assert problem["status"] == 401 and problem["title"] and problem["detail"]
    assert problem["type"].startswith("http")


def test_a_tag_is_made_listed_and_read_with_a_token(client, make_api_token):
    secret = make_api_token()
    made = client.post(TAGS, json={"name": "VIP"}, headers=bearer(secret))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["name"] == "vip"
    read = client.get(made.headers["Location"], headers=bearer(secret))
    assert read.status_code == 200 and read.get_json() == made.get_json()
    listed = client.get(TAGS, headers=bearer(secret)).get_json()
    assert [tag["name"] for tag in listed["data"]] == ["vip"]
    assert listed["next_cursor"] is None
