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
from functools import lru_cache

# The stations of WikiLeaks' reference IDs, as its index spells them (from ../shared/corpus, the
# Cablegate index's list of origins and the 1970s Cable Viewer pages): embassies, consulates and
# missions. A name that is no station of this table but the beginning of exactly one (a scrape
# or a page header cut it: "RIODEJAN", "USUNNEWY") is taken for that station.
_STATION_NAMES = """
    ABIDJAN ABUDHABI ABUJA ACCRA ADANA ADDISABABA AITTAIPEI ALEXANDRIA ALGIERS ALMATY AMMAN
    AMSTERDAM ANKARA ANTANANARIVO APIA ASHGABAT ASMARA ASTANA ASUNCION ATHENS AUCKLAND BAGHDAD
    BAKU BAMAKO BANDARSERIBEGAWAN BANGKOK BANGUI BANJUL BARCELONA BASRAH BEIJING BEIRUT BELFAST
    BELGRADE BELMOPAN BERLIN BERN BISHKEK BOGOTA BOMBAY BONN BRASILIA BRATISLAVA BRAZZAVILLE
    BRIDGETOWN BRUSSELS BUCHAREST BUDAPEST BUENOSAIRES BUJUMBURA CAIRO CALCUTTA CALGARY CANBERRA
    CAPETOWN CARACAS CASABLANCA CDGENEVA CHENGDU CHENNAI CHIANGMAI CHISINAU CIUDADJUAREZ COLOMBO
    CONAKRY COPENHAGEN COTONOU CURACAO DAKAR DAMASCUS DARESSALAAM DHAHRAN DHAKA DILI DJIBOUTI
    DOHA DUBAI DUBLIN DUSHANBE DUSSELDORF FLORENCE FRANKFURT FREETOWN FUKUOKA GABORONE GENEVA
    GEORGETOWN GUADALAJARA GUANGZHOU GUATEMALA GUAYAQUIL HALIFAX HAMBURG HAMILTON HANOI HARARE
    HAVANA HELSINKI HERMOSILLO HILLAH HOCHIMINHCITY HONGKONG HYDERABAD IRANRPODUBAI ISLAMABAD
    ISTANBUL IZMIR JAKARTA JEDDAH JERUSALEM JOHANNESBURG KABUL KADUNA KAMPALA KARACHI KATHMANDU
    KHARTOUM KIEV KIGALI KINGSTON KINSHASA KIRKUK KOLKATA KOLONIA KOROR KRAKOW KUALALUMPUR KUWAIT
    KYIV LAGOS LAHORE LAPAZ LEIPZIG LIBREVILLE LILONGWE LIMA LISBON LJUBLJANA LOME LONDON LUANDA
    LUSAKA LUXEMBOURG MADRAS MADRID MAJURO MALABO MANAGUA MANAMA MANILA MAPUTO MARSEILLE MASERU
    MATAMOROS MBABANE MELBOURNE MERIDA MEXICO MILAN MINSK MONROVIA MONTERREY MONTEVIDEO MONTREAL
    MOSCOW MOSUL MUMBAI MUNICH MUSCAT NAGOYA NAHA NAIROBI NAPLES NASSAU NDJAMENA NEWDELHI NIAMEY
    NICOSIA NOGALES NOUAKCHOTT NUEVOLAREDO OSAKAKOBE OSLO OTTAWA OUAGADOUGOU PANAMA PARAMARIBO
    PARIS PERTH PESHAWAR PHNOMPENH PODGORICA PONTADELGADA PORTAUPRINCE PORTLOUIS PORTMORESBY
    PORTOFSPAIN PRAGUE PRAIA PRETORIA PRISTINA QUEBEC QUITO RABAT RANGOON RECIFE REYKJAVIK RIGA
    RIODEJANEIRO RIYADH ROME SAIGON SANAA SANJOSE SANSALVADOR SANTIAGO SANTODOMINGO SAOPAULO
    SAPPORO SARAJEVO SECDEF SEOUL SHANGHAI SHENYANG SINGAPORE SKOPJE SOFIA STATE STOCKHOLM
    STPETERSBURG STRASBOURG SURABAYA SUVA SYDNEY TALLINN TASHKENT TBILISI TEGUCIGALPA TEHRAN
    TELAVIV THEHAGUE TIJUANA TIRANA TOKYO TORONTO TRIPOLI TUNIS ULAANBAATAR UNESCOPARISFR UNROME
    UNVIEVIENNA USEUBRUSSELS USNATO USOSCE USUNNEWYORK VALLETTA VANCOUVER VATICAN VIENNA
    VIENTIANE VILNIUS VLADIVOSTOK WARSAW WELLINGTON WINDHOEK YAOUNDE YEKATERINBURG YEREVAN ZAGREB
"""
STATIONS: frozenset[str] = frozenset(_STATION_NAMES.split())

# Stations whose name in cables (banner lines, REF lists) differs from WikiLeaks' spelling in its
# reference IDs: short forms and the mission's own names. Keys are written without spaces,
# upper case.
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
    # The US mission to UNESCO in Paris: its banners say "PARIS FR", WikiLeaks "UNESCOPARISFR".
    "PARISFR": "UNESCOPARISFR",
    "UNESCO": "UNESCOPARISFR",
    "UNESCOPARIS": "UNESCOPARISFR",
    "USUNESCO": "UNESCOPARISFR",
    "USUNESCOPARIS": "UNESCOPARISFR",
    "USUNESCOPARISFR": "UNESCOPARISFR",
    "USMISSIONUNESCO": "UNESCOPARISFR",
    "RIO": "RIODEJANEIRO",
    "PAUP": "PORTAUPRINCE",
    "HCMC": "HOCHIMINHCITY",
    "HOCHIMINH": "HOCHIMINHCITY",
    "HK": "HONGKONG",
    "ADDIS": "ADDISABABA",
    "TAIPEI": "AITTAIPEI",
    "HAGUE": "THEHAGUE",
    "SAINTPETERSBURG": "STPETERSBURG",
}

# Words that stand before a station's name in FM/TO lines but are not part of it.
_POST_PREFIX = re.compile(
    r"^(?:AMEMBASSY|AMEMB|AMCONSUL|AMCONGEN|USMISSION|USLO|USINT|USDEL|USOFFICE)\s+"
)
# The same words glued to the name ("EMBASSYVIENNA", "USMISSIONUSNATO").
_GLUED_PREFIX = re.compile(r"^(?:AM)?(?:EMBASSY|CONSUL(?:ATE)?|CONGEN)|^USMISSION(?=[A-Z]{3})")


@lru_cache(maxsize=4096)
def known_station(key: str) -> str | None:
    """A station key to a station of STATIONS: itself, its alias, the station it is a cut of."""
    key = STATION_ALIASES.get(key, key)
    if key in STATIONS:
        return key
    if len(key) >= 5:
        # Bisection would do; the table is small, and this runs only for unknown names.
        matches = [s for s in STATIONS if s.startswith(key)]
        if len(matches) == 1:
            return matches[0]
    return None


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
    glued = _GLUED_PREFIX.match(key)
    if glued and glued.end() < len(key):
        key = key[glued.end() :]
    return known_station(key) or key


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
