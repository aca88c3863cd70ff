import pytest

from config import ProductionConfig, TestConfig
from eventplanner import create_app


def production(**settings):
    return type("Prod", (ProductionConfig,), settings)


@pytest.mark.parametrize("key", [None, "", "short"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=key))


def test_production_starts_with_a_long_secret_key_and_secure_cookies():
    app = create_app(production(SECRET_KEY="k" * 64))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_the_app_is_made_by_name_or_class():
    assert create_app("testing").testing
    assert create_app(TestConfig).testing
