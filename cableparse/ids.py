"""Cable identifiers in every form people write them.

Three forms matter:
- the record id, ``STATION-SERIAL`` with the serial padded to six digits: ``BAKU-000433``;
- the canonical reference ID of WikiLeaks' index: two-digit year, station as WikiLeaks spells it,
  serial without leading zeros: ``09BAKU433``;
- what people type or cables cite: ``09baku433``, ``09BAKU000433``, ``BAKU 433``, ``05RIO123``,
  ``2008 SECSTATE 74879``.
"""

from __future__ import annotations

import re
import unicodedata

# Stations whose name in cables (banner lines, REF lists) differs from WikiLeaks' spelling in its
# reference IDs. Keys are written without spaces, upper case.
STATION_ALIASES: dict[str, str] = {
    "SECSTATE": "STATE",
    "SECSTATEWASHDC": "STATE",
    "STATEWASHDC": "STATE",
    "DEPTSTATE": "STATE",
    "USUN": "USUNNEWYORK",
    "USUNNY": "USUNNEWYORK",
    "USUNROME": "UNROME",
    "USEU": "USEUBRUSSELS",
    "UNVIE": "UNVIEVIENNA",
    "USMISSIONUNVIE": "UNVIEVIENNA",
    "USMISSIONUSNATO": "USNATO",
    "USMISSIONUSOSCE": "USOSCE",
    "USMISSIONGENEVA": "GENEVA",
    "USMISSIONUNESCO": "UNESCOPARIS",
    "RIO": "RIODEJANEIRO",
    "HCMC": "HOCHIMINHCITY",
    "HOCHIMINH": "HOCHIMINHCITY",
    "AITTAIPEI": "AITTAIPEI",
    "TAIPEI": "AITTAIPEI",
}

# Words that stand before a station's name in FM/TO lines but are not part of it.
_POST_PREFIX = re.compile(
    r"^(?:AMEMBASSY|AMEMB|AMCONSUL|AMCONGEN|USMISSION|USLO|USINT|USDEL|USOFFICE)\s+"
)

_YEAR = r"(?P<year>(?:19|20)\d\d|\d\d)"
_STATION = r"(?P<station>[A-Z][A-Z .'-]*?[A-Z])"
_SERIAL = r"(?P<serial>\d{1,7})"

# "09BAKU433", "09 BAKU 433", "2008 SECSTATE 74879", "09BAKU000433", "08 USUN NEW YORK 258"
_WITH_YEAR = re.compile(rf"^{_YEAR}\s*{_STATION}\s*-?\s*{_SERIAL}$")
# "BAKU-000433", "BAKU 433", "USUN NEW YORK 258"
_WITHOUT_YEAR = re.compile(rf"^{_STATION}\s*-?\s*{_SERIAL}$")


def fold(text: str) -> str:
    """Upper case, accents and punctuation removed, whitespace collapsed: for comparing forms."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^A-Za-z0-9 -]", " ", text).upper().split())


def station_key(station: str) -> str:
    """A station as written in a cable to WikiLeaks' spelling: 'USUN NEW YORK' -> 'USUNNEWYORK'."""
    name = fold(station).replace("-", " ")
    name = _POST_PREFIX.sub("", name)
    key = name.replace(" ", "")
    return STATION_ALIASES.get(key, key)


def two_digit_year(year: str | int) -> str:
    return f"{int(year) % 100:02d}"


def record_id(origin: str, serial: int) -> str:
    """The record id: 'BAKU-000433'. The station keeps its banner spelling, spaces removed."""
    return f"{fold(origin).replace(' ', '').replace('-', '')}-{serial:06d}"


def reference_id(origin: str, serial: int, year: str | int) -> str:
    """The canonical WikiLeaks reference ID: '09BAKU433'."""
    return f"{two_digit_year(year)}{station_key(origin)}{serial}"


def canonical_id(text: str, year: str | int | None = None) -> str | None:
    """Any written form of a cable reference to its canonical reference ID, or None.

    A form without a year ('BAKU 433') needs `year` (e.g. the citing cable's year).

    >>> canonical_id("05RIO123")
    '05RIODEJANEIRO123'
    >>> canonical_id("09 baku 000433")
    '09BAKU433'
    >>> canonical_id("SECSTATE 74879", year=2008)
    '08STATE74879'
    """
    form = fold(text)
    match = _WITH_YEAR.match(form)
    if match and match["year"]:
        return reference_id(match["station"], int(match["serial"]), match["year"])
    match = _WITHOUT_YEAR.match(form)
    if match and year is not None:
        return reference_id(match["station"], int(match["serial"]), year)
    return None


def split_id(text: str) -> tuple[str | None, str, int] | None:
    """A typed id to (two-digit year or None, station key, serial), for looking records up."""
    form = fold(text)
    match = _WITH_YEAR.match(form)
    if match:
        return two_digit_year(match["year"]), station_key(match["station"]), int(match["serial"])
    match = _WITHOUT_YEAR.match(form)
    if match:
        return None, station_key(match["station"]), int(match["serial"])
    return None


def slug(text: str, limit: int = 80) -> str:
    """A readable [a-z0-9-] slug of a headline, for article ids."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "untitled"
