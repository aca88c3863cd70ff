"""A part's table plan drawn as SVG, on the server: round tables as circles with their
seats around them, long tables as rectangles with seats along both long sides, each name
at its seat (shortened to fit, in full in the seat's ``<title>``), the table's name in the
middle and hosts marked. The tables stand in a grid shaped like A4 landscape, so the
drawing fills a printed page.

Every text goes through ``xml.sax.saxutils`` escaping: a name is text, never markup.
"""

from __future__ import annotations

import math
from html import escape  # &lt; &gt; &amp; &quot; &#x27;: valid in XML text and attributes

from flask_babel import gettext as _
from flask_babel import ngettext

from eventplanner.seating.printing import PartPlan, Person, Seat, TableOnPlan

#: Each table's cell in the grid, in drawing units.
CELL_WIDTH, CELL_HEIGHT = 360, 300
#: A4 landscape's width over its height: the grid's shape.
PAGE_RATIO = 297 / 210
ROUND_TABLE_RADIUS = 62
SEAT_RADIUS = 9
#: Characters of a name drawn at a seat; longer names end in "…".
NAME_LENGTH = {True: 18, False: 14}
LONG_TABLE_WIDTH = 280
SEAT_COLOURS = {"empty": "#ffffff", "guest": "#dbe7f5", "host": "#14532d"}


def shortened(name: str, length: int) -> str:
    return name if len(name) <= length else name[:length - 1].rstrip() + "…"


def grid_columns(tables: int) -> int:
    """Columns of a grid of ``tables`` cells that is closest to A4 landscape's shape."""
    if tables <= 1:
        return 1
    return min(tables, max(1, round(math.sqrt(tables * PAGE_RATIO * CELL_HEIGHT
                                              / CELL_WIDTH))))


def plan_svg(plan: PartPlan, title: str) -> str:
    """The plan as a standalone SVG document (for a page, a download or a print)."""
    columns = grid_columns(len(plan.tables))
    rows = max(1, math.ceil(len(plan.tables) / columns))
    width, height = columns * CELL_WIDTH, rows * CELL_HEIGHT + 40
    people = sum(len(table.people) for table in plan.tables)
    description = _("%(tables)s, %(seated)s seated, %(unseated)s without a seat yet. Hosts' "
                    "seats are filled dark green.",
                    tables=ngettext("%(num)d table", "%(num)d tables", len(plan.tables)),
                    seated=people, unseated=len(plan.unseated))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="table-plan" '
        f'aria-labelledby="plan-title plan-desc" font-family="DejaVu Sans, sans-serif">',
        f'<title id="plan-title">{escape(title)}</title>',
        f'<desc id="plan-desc">{escape(description)}</desc>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        _legend(height),
    ]
    for index, table in enumerate(plan.tables):
        column, row = index % columns, index // columns
        parts.append(_table(table, column * CELL_WIDTH + CELL_WIDTH / 2,
                            row * CELL_HEIGHT + CELL_HEIGHT / 2))
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(height: float) -> str:
    y = height - 20
    return (f'<g class="legend" font-size="13" fill="#222222">'
            f'<circle cx="20" cy="{y}" r="{SEAT_RADIUS}" fill="{SEAT_COLOURS["host"]}" '
            f'stroke="#333333"/><text x="36" y="{y + 5}">{escape(_("Host"))}</text>'
            f'<circle cx="120" cy="{y}" r="{SEAT_RADIUS}" fill="{SEAT_COLOURS["guest"]}" '
            f'stroke="#333333"/><text x="136" y="{y + 5}">{escape(_("Guest"))}</text>'
            f'<circle cx="220" cy="{y}" r="{SEAT_RADIUS}" fill="{SEAT_COLOURS["empty"]}" '
            f'stroke="#333333"/><text x="236" y="{y + 5}">{escape(_("Empty seat"))}</text>'
            f'</g>')


def _table(table: TableOnPlan, cx: float, cy: float) -> str:
    label = _("Table %(name)s", name=table.name)
    body = ['<g class="dinner-table">',
            f"<title>{escape(label)}</title>"]
    if table.is_round:
        body.append(f'<circle cx="{cx}" cy="{cy}" r="{ROUND_TABLE_RADIUS}" fill="#f4efe6" '
                    f'stroke="#5b4a2f" stroke-width="2"/>')
        body += _round_seats(table.places, cx, cy)
    else:
        body.append(f'<rect x="{cx - LONG_TABLE_WIDTH / 2}" y="{cy - 22}" '
                    f'width="{LONG_TABLE_WIDTH}" height="44" rx="4" fill="#f4efe6" '
                    f'stroke="#5b4a2f" stroke-width="2"/>')
        body += _long_seats(table.places, cx, cy)
    body.append(f'<text x="{cx}" y="{cy + 6}" text-anchor="middle" font-size="17" '
                f'font-weight="bold" fill="#3b2f1c">{escape(shortened(table.name, 12))}</text>')
    body.append("</g>")
    return "".join(body)


def _round_seats(places: list[Seat], cx: float, cy: float) -> list[str]:
    """Seats around the circle, the first at the top, clockwise; names outwards."""
    drawn = []
    for index, seat in enumerate(places):
        angle = -math.pi / 2 + 2 * math.pi * index / len(places)
        cos, sin = math.cos(angle), math.sin(angle)
        seat_x, seat_y = cx + cos * (ROUND_TABLE_RADIUS + 14), cy + sin * (ROUND_TABLE_RADIUS + 14)
        text_x, text_y = cx + cos * (ROUND_TABLE_RADIUS + 28), cy + sin * (ROUND_TABLE_RADIUS + 28)
        anchor = "start" if cos > 0.35 else "end" if cos < -0.35 else "middle"
        text_y += 4 + (6 if sin > 0.35 and anchor == "middle" else 0)
        drawn.append(_seat(seat, seat_x, seat_y, text_x, text_y, anchor, "", NAME_LENGTH[True]))
    return drawn


def _long_seats(places: list[Seat], cx: float, cy: float) -> list[str]:
    """Half the seats along the top side, the rest along the bottom, left to right; names
    slanted away from the table."""
    per_side = math.ceil(len(places) / 2)
    spacing = LONG_TABLE_WIDTH / per_side
    drawn = []
    for index, seat in enumerate(places):
        top = index < per_side
        x = cx - LONG_TABLE_WIDTH / 2 + spacing * ((index if top else index - per_side) + 0.5)
        seat_y = cy - 34 if top else cy + 34
        text_y = seat_y - 14 if top else seat_y + 18
        turn = f' transform="rotate({-40 if top else 40} {x:.1f} {text_y:.1f})"'
        drawn.append(_seat(seat, x, seat_y, x, text_y, "start", turn, NAME_LENGTH[False]))
    return drawn


def _seat(seat: Seat, seat_x: float, seat_y: float, text_x: float, text_y: float,
          anchor: str, turn: str, length: int) -> str:
    person = seat.person
    kind = "empty" if person is None else "host" if person.is_host else "guest"
    circle = (f'<circle cx="{seat_x:.1f}" cy="{seat_y:.1f}" r="{SEAT_RADIUS}" '
              f'fill="{SEAT_COLOURS[kind]}" stroke="#333333"/>')
    if person is None:
        return f'<g class="seat empty"><title>{escape(_("Empty seat"))}</title>{circle}</g>'
    weight = ' font-weight="bold"' if person.is_host else ""
    return (f'<g class="seat {kind}"><title>{escape(_seat_title(seat, person))}</title>{circle}'
            f'<text x="{text_x:.1f}" y="{text_y:.1f}" text-anchor="{anchor}" font-size="12" '
            f'fill="#111111"{weight}{turn}>{escape(shortened(person.name, length))}</text></g>')


def _seat_title(seat: Seat, person: Person) -> str:
    words = [_("Seat %(number)d: %(name)s", number=seat.number, name=person.name)]
    if person.company:
        words.append(person.company)
    if person.is_host:
        words.append(_("host"))
    if person.menu_mark:
        words.append(person.menu_mark)
    return ", ".join(words)
