"""Fixed pools the demo-shop generator draws from: places, products, providers, address ranges.

Everything here is safe to publish: e-mail domains are the reserved ``example.*`` names
(RFC 2606), IP addresses come from the documentation ranges (RFC 5737, RFC 3849) and telephone
numbers from the Bundesnetzagentur's "drama numbers", which are never assigned to anyone.
"""

from __future__ import annotations

import ipaddress
import unicodedata

SHOP_HOST = "www.pso.example.org"
SERVICE_EMAIL = "service@pso.example.org"

# Weighted: most private customers use a handful of providers' addresses.
EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("example.org", 30),
    ("example.com", 25),
    ("example.net", 20),
    ("mail.example.org", 10),
    ("post.example.net", 8),
    ("web.example.com", 7),
)

# Bundesnetzagentur, Amtsblatt 7/2021, Mitteilung 148/2021: 1,000 numbers in each of
# five local networks that are permanently unassigned ("Rufnummern für Medienproduktionen").
DRAMA_NUMBER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("030", "23125"),
    ("069", "90009"),
    ("040", "66969"),
    ("0221", "4710"),
    ("089", "99998"),
)

# (city, first postcode, last postcode, country, weight): two thirds of the customers are
# Bavarian, the rest spread over other large German cities and Vienna.
PLACES: tuple[tuple[str, int, int, str, int], ...] = (
    ("München", 80331, 81929, "DE", 30),
    ("Nürnberg", 90402, 90491, "DE", 10),
    ("Augsburg", 86150, 86199, "DE", 6),
    ("Regensburg", 93047, 93059, "DE", 4),
    ("Ingolstadt", 85049, 85057, "DE", 3),
    ("Würzburg", 97070, 97084, "DE", 3),
    ("Erlangen", 91052, 91058, "DE", 2),
    ("Fürth", 90762, 90768, "DE", 2),
    ("Rosenheim", 83022, 83026, "DE", 2),
    ("Landshut", 84028, 84036, "DE", 2),
    ("Bamberg", 96047, 96052, "DE", 1),
    ("Bayreuth", 95444, 95448, "DE", 1),
    ("Passau", 94032, 94036, "DE", 1),
    ("Kempten (Allgäu)", 87435, 87439, "DE", 1),
    ("Freising", 85354, 85356, "DE", 1),
    ("Berlin", 10115, 14199, "DE", 6),
    ("Hamburg", 20095, 22769, "DE", 4),
    ("Köln", 50667, 51149, "DE", 3),
    ("Frankfurt am Main", 60306, 60599, "DE", 3),
    ("Stuttgart", 70173, 70629, "DE", 4),
    ("Leipzig", 4103, 4357, "DE", 2),
    ("Dresden", 1067, 1328, "DE", 1),
    ("Wien", 1010, 1230, "AT", 2),
)

STREETS: tuple[str, ...] = (
    "Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Bergstraße",
    "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Mühlweg", "Birkenweg",
    "Am Sonnenhang", "Ludwigstraße", "Leopoldstraße", "Maximilianstraße", "Schillerstraße",
    "Goethestraße", "Mozartstraße", "Rosenheimer Straße", "Landsberger Straße",
    "Nymphenburger Straße", "Frauentorgraben", "Amalienstraße", "Kastanienallee", "Am Anger",
    "Lerchenweg", "Finkenstraße", "Königsplatz", "Isarweg", "Donaustraße", "Jahnstraße",
)

# (sku, name, category slug, unit price in cents, VAT rate in percent)
PRODUCTS: tuple[tuple[str, str, str, int, int], ...] = (
    ("NB-1001", "Lenovo ThinkPad E14 Gen 5, 16 GB, 512 GB SSD", "notebooks", 94900, 19),
    ("NB-1002", "HP ProBook 450 G10, 16 GB, 512 GB SSD", "notebooks", 89900, 19),
    ("NB-1003", "Dell Latitude 5440, 16 GB, 256 GB SSD", "notebooks", 104900, 19),
    ("PC-2001", "Fujitsu Esprimo P7012, i5, 16 GB", "pcs", 76900, 19),
    ("PC-2002", "Lenovo ThinkCentre M70q Tiny", "pcs", 64900, 19),
    ("MO-3001", "Dell P2723DE 27-Zoll-Monitor", "monitore", 32900, 19),
    ("MO-3002", "iiyama ProLite XUB2493HS 24 Zoll", "monitore", 14900, 19),
    ("MO-3003", "LG 34WN780-B UltraWide", "monitore", 41900, 19),
    ("PR-4001", "Brother HL-L2350DW Laserdrucker", "drucker", 12900, 19),
    ("PR-4002", "HP LaserJet Pro MFP 4102fdw", "drucker", 42900, 19),
    ("PR-4003", "HP 305 Tintenpatrone schwarz", "verbrauchsmaterial", 1290, 19),
    ("PR-4004", "Brother TN-2420 Toner", "verbrauchsmaterial", 5490, 19),
    ("NW-5001", "FRITZ!Box 7590 AX", "netzwerk", 24900, 19),
    ("NW-5002", "Netgear GS308 8-Port-Switch", "netzwerk", 2490, 19),
    ("NW-5003", "Cat.6 Patchkabel 5 m, grau", "netzwerk", 590, 19),
    ("NW-5004", "Ubiquiti UniFi U6 Lite Access Point", "netzwerk", 11900, 19),
    ("ST-6001", "Samsung 990 PRO 1 TB NVMe", "speicher", 11900, 19),
    ("ST-6002", "WD Red Plus 4 TB", "speicher", 10900, 19),
    ("ST-6003", "Synology DiskStation DS923+", "speicher", 59900, 19),
    ("ST-6004", "SanDisk Extreme 128 GB microSD", "speicher", 2290, 19),
    ("AC-7001", "Logitech MX Master 3S", "zubehoer", 9990, 19),
    ("AC-7002", "Logitech MX Keys S, deutsches Layout", "zubehoer", 11990, 19),
    ("AC-7003", "Jabra Evolve2 40 Headset", "zubehoer", 8990, 19),
    ("AC-7004", "USB-C-Dockingstation, 12 Anschlüsse", "zubehoer", 13990, 19),
    ("AC-7005", "APC Back-UPS 700 VA", "zubehoer", 10990, 19),
    ("SW-8001", "Microsoft 365 Business Standard, 1 Jahr", "software", 14900, 19),
    ("SW-8002", "G DATA Internet Security, 3 Geräte", "software", 3990, 19),
    ("SW-8003", "Windows 11 Pro, Lizenz", "software", 18900, 19),
    ("BK-9001", "Fachbuch: Netzwerktechnik für Admins", "buecher", 3990, 7),
    ("BK-9002", "Fachbuch: Linux-Server im Mittelstand", "buecher", 4490, 7),
    ("SV-9501", "Einrichtungsservice Notebook", "service", 7900, 19),
    ("SV-9502", "Vor-Ort-Service, je angefangene Stunde", "service", 9500, 19),
)

SEARCH_TERMS: tuple[str, ...] = (
    "thinkpad", "monitor 27 zoll", "toner brother", "fritzbox", "ssd 1tb", "nas synology",
    "headset", "dockingstation usb-c", "drucker wlan", "windows 11 pro", "patchkabel",
    "maus kabellos", "tastatur deutsch", "usv", "microsoft 365", "notebook 16gb",
    "access point", "festplatte 4tb", "hp 305", "ultrawide",
)

CARRIERS: tuple[tuple[str, int], ...] = (("DHL", 50), ("DPD", 20), ("Hermes", 15), ("UPS", 15))

# Payment methods offered by the shop and the provider that handles each (None: the shop itself).
PAYMENT_PROVIDERS: dict[str, str | None] = {
    "invoice": None,
    "instalment": None,
    "direct_debit": None,
    "prepayment": None,
    "paypal": "PayPal",
    "credit_card": "Stripe",
    "klarna": "Klarna",
}
PAYMENT_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("paypal", 30), ("invoice", 22), ("credit_card", 15), ("direct_debit", 10),
    ("klarna", 10), ("prepayment", 7), ("instalment", 6),
)

CREDIT_BUREAU = "SCHUFA Holding AG"
# Payment on account needs a credit check (the shop delivers before it is paid).
CREDIT_CHECKED_METHODS = frozenset({"invoice", "instalment"})
# The automated decision (register: automated_decisions.credit_check). Thresholds are the
# SCHUFA score as a probability of payment in percent; the first band the score reaches wins.
CREDIT_BANDS: tuple[tuple[float, str, tuple[str, ...]], ...] = (
    (97.5, "approved",
     ("invoice", "instalment", "direct_debit", "paypal", "credit_card", "klarna", "prepayment")),
    (90.0, "limited", ("invoice", "paypal", "credit_card", "klarna", "prepayment")),
    (0.0, "declined", ("paypal", "credit_card", "klarna", "prepayment")),
)

COLLECTION_AGENCY = "Isartal Inkasso GmbH"

NEWSLETTER_POLICY_VERSIONS: tuple[tuple[int, str], ...] = (
    (2011, "2011-06"), (2018, "2018-05"), (2021, "2021-03"), (2024, "2024-05"),
)

BROWSER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
)
# Crawlers are fictitious so that no real host name appears in the logs.
BOT_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (compatible; ExampleSearchBot/2.1; +https://search.example.com/bot.html)",
    "Mozilla/5.0 (compatible; PreisvergleichBot/1.4; +https://preise.example.net/bot)",
    "Mozilla/5.0 (compatible; SeoAuditCrawler/7.0; +https://seo.example.org/crawler)",
    "curl/8.5.0",
    "python-requests/2.32.3",
)

# IPv4 documentation ranges, split by use so that no address means two things by accident.
_NET_A = ipaddress.ip_network("192.0.2.0/24")
_NET_B = ipaddress.ip_network("198.51.100.0/24")
_NET_C = ipaddress.ip_network("203.0.113.0/24")
CUSTOMER_IPV4: tuple[str, ...] = tuple(str(h) for net in (_NET_A, _NET_B) for h in net.hosts())
SHARED_NAT_IPS: tuple[str, ...] = tuple(f"203.0.113.{n}" for n in range(1, 100))
ANONYMOUS_IPV4: tuple[str, ...] = tuple(f"203.0.113.{n}" for n in range(100, 200))
BOT_IPS: tuple[str, ...] = tuple(f"203.0.113.{n}" for n in range(200, 255))
RESERVED_NETWORKS = (_NET_A, _NET_B, _NET_C, ipaddress.ip_network("2001:db8::/32"))


def customer_ipv6(index: int, host: int) -> str:
    """A customer's own IPv6 address: one /64 of 2001:db8::/32 per customer index."""
    return str(ipaddress.IPv6Address(
        (0x20010DB8 << 96) | ((index & 0xFFFFFFFF) << 64) | (host & 0xFFFFFFFFFFFF)
    ))


def anonymous_ipv6(n: int) -> str:
    """An address for anonymous visitors, from 2001:db8:ffff:ffff::/64 (no customer gets it)."""
    return str(ipaddress.IPv6Address((0x20010DB8FFFFFFFF << 64) | (n & 0xFFFFFFFF)))


def is_reserved_ip(text: str) -> bool:
    """True if *text* is an address from the documentation ranges."""
    address = ipaddress.ip_address(text)
    return any(address in net for net in RESERVED_NETWORKS)


def ascii_slug(text: str, separator: str = ".") -> str:
    """A lower-case ASCII form of a name for e-mail local parts (Weiß -> weiss, Jürgen -> juergen)."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return separator.join(cleaned.split())
