import pytest


@pytest.fixture
def failing_app(app):
    """The app with a route that crashes (the test's own app: see its settings marker)."""
    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    return app


def test_an_unknown_address_gets_a_styled_404(client):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and "app.css" in page


@pytest.mark.settings(PROPAGATE_EXCEPTIONS=False)
def test_a_crash_gets_a_styled_500_without_a_stack_trace(failing_app):
    response = failing_app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "Traceback" not in page and "a bug" not in page
