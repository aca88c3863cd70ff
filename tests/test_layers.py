"""The imports between eventplanner's parts run one way: a test that fails on a new cycle.

The rule, from the bottom up:

1. Infrastructure modules (``extensions``, ``errors``, ``timezones``, ``formatting``,
   ``security``, ``urls``, ``form_fields``, ``tokens``, ``transactions``...) import no
   domain code.
2. Domain packages, in the layers of ``DOMAIN_LAYERS``: a package imports only packages of a
   lower layer (and infrastructure); two packages in one layer know nothing of each other.
   ``access`` (the one access policy) sits above the objects it rules on (events, contacts)
   and below everything that loads or lists them.
3. The web on top: every package's ``views``, ``forms`` and ``relationship_views``, the guest
   pages (``rsvp``), the error pages (``error_pages``: which HTTP status each kind of domain
   error answers with), ``cli``, ``demo`` and the app factory. Web modules may import any domain
   module and each other (a page may compose several domains: the dashboard shows the
   guests to look after); no domain module imports a web module.

So there is no cycle between packages in the domain, and none through the web, since
nothing below imports it. Every import counts, including those inside functions (a lazy
import cannot hide a cycle) and those under ``TYPE_CHECKING``. A new module in a package is
classified by its package; a new top-level module must be placed in a layer here.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGE = "eventplanner"

INFRASTRUCTURE = {
    "extensions", "errors", "timezones", "formatting", "security", "urls", "form_fields",
    "form_messages", "tokens", "spreadsheets", "logs", "sessions", "transactions",
    "template_translations", "pdf",
}

#: Bottom to top; a package imports only those of lower layers.
DOMAIN_LAYERS = [
    {"auth"},  # organisers' accounts and logins
    {"audit", "uploads", "deletions"},  # deletions: tombstones of what was deleted or erased
    {"events", "contacts"},
    {"access"},
    {"calendar"},
    {"mail"},
    {"team"},  # members, roles, joining (uses the outbox)
    {"invitations"},
    {"questions"},  # the organiser's own questions and the guests' answers
    {"seating"},  # table plans (place cards show the menu chosen)
    {"checkin", "goals", "inbox", "gifts"},  # inbox: calendar answers and mail coming back
    {"feedback"},
    {"privacy", "briefings"},  # briefings: what each host knows of their guests
    {"webhooks"},  # tells other systems what happened, from the signals of all the above
]

WEB_MODULE_NAMES = {"views", "forms", "relationship_views", "card_views"}
WEB_PACKAGES = {"rsvp", "cli", "demo", "error_pages", "permissions", "api"}

def component(module: str) -> str:
    """``eventplanner.events.services`` -> ``events``; the app factory is ``(app)``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(app)"


def is_web(module: str) -> bool:
    parts = module.split(".")
    return (len(parts) == 1 or parts[1] in WEB_PACKAGES
            or parts[-1] in WEB_MODULE_NAMES)


def layer_of(name: str) -> int:
    """0 for infrastructure, then 1 and up for the domain layers."""
    if name in INFRASTRUCTURE:
        return 0
    for index, layer in enumerate(DOMAIN_LAYERS, start=1):
        if name in layer:
            return index
    raise LookupError(name)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE)


def imports(graph):
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def test_every_module_has_a_place_in_the_layers(graph):
    unplaced = set()
    for module in graph.modules:
        if not is_web(module):
            try:
                layer_of(component(module))
            except LookupError:
                unplaced.add(module)
    assert not unplaced, f"add these to a layer in {__name__}: {sorted(unplaced)}"


def test_no_domain_module_imports_a_web_module(graph):
    wrong = [f"{importer} imports {imported}" for importer, imported in imports(graph)
             if not is_web(importer) and is_web(imported)]
    assert not wrong, "\n".join(wrong)


def test_domain_packages_import_only_lower_layers(graph):
    wrong = []
    for importer, imported in imports(graph):
        if is_web(importer) or is_web(imported):
            continue
        source, target = component(importer), component(imported)
        if source == target:
            continue
        below = layer_of(target) < layer_of(source)
        if not below and not (layer_of(source) == layer_of(target) == 0):
            wrong.append(f"{importer} imports {imported}: {target} is not below {source}")
    assert not wrong, "\n".join(wrong)
