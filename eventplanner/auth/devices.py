"""A login's browser and system in words, from its User-Agent header: "Firefox on Linux".

Only what a person recognises on their profile page; the header is the browser's own
claim, so this is a label, never a security check.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

#: In order: the first that matches names the browser (Edge and Opera also say "Chrome",
#: Chrome also says "Safari").
BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari")]
SYSTEMS = [(r"iPhone|iPad", "iOS"), (r"Android", "Android"), (r"Windows", "Windows"),
           (r"Mac OS X|Macintosh", "macOS"), (r"CrOS", "ChromeOS"), (r"Linux", "Linux")]


def browser_and_system(user_agent: str) -> str:
    browser = next((name for marker, name in BROWSERS if marker in user_agent), None)
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("An unknown browser")
