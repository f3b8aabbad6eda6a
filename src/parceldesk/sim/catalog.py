"""What the orders contain: products, prices per currency, buyers and street addresses.

Everything here is invented. E-mail addresses use the RFC 2606 reserved domains and US
phone numbers the fictional 555-01xx block, so a generated file can be shared without
exposing anyone. Prices end the way each market prices (``.99`` in USD, ``.90`` in SGD and
BRL, whole pesos in PHP) so importers meet realistic amounts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["FX", "ITEMS", "Item", "buyer_for", "local_price", "money", "street_for"]


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    price_usd_cents: int
    cost_usd_cents: int


ITEMS: tuple[Item, ...] = (
    Item("PC-IP15-CLR", "Clear MagSafe Phone Case iPhone 15", 1999, 210),
    Item("PC-S24-BLK", "Shockproof Case Galaxy S24 Black", 1799, 190),
    Item("LED-STRIP-5M", "RGB LED Strip Lights 5m with Remote", 2499, 480),
    Item("LED-STRIP-10M", "RGB LED Strip Lights 10m App Control", 3999, 760),
    Item("EB-TWS-PRO", "Wireless Earbuds Pro Noise Cancelling", 4999, 1150),
    Item("EB-TWS-LITE", "Wireless Earbuds Lite", 2299, 520),
    Item("YM-TPE-6MM", "TPE Yoga Mat 6mm Non-Slip", 2899, 640),
    Item("RB-SET-5", "Resistance Bands Set of 5", 1599, 260),
    Item("SW-BAND-M", "Smart Watch Band Silicone M", 999, 90),
    Item("SW-FIT-2", "Fitness Tracker Smart Watch 2", 5999, 1580),
    Item("KB-MECH-68", "68-Key Mechanical Keyboard Hot-Swap", 6999, 2100),
    Item("MS-WL-SIL", "Silent Wireless Mouse", 1499, 280),
    Item("CH-GAN-65W", "65W GaN USB-C Charger", 3499, 720),
    Item("CB-USBC-2M", "Braided USB-C Cable 2m (2-pack)", 1299, 150),
    Item("PB-10K-MAG", "10000mAh Magnetic Power Bank", 3999, 980),
    Item("HR-CLAW-SET", "Matte Hair Claw Clips Set of 6", 1199, 120),
    Item("JW-NKL-GLD", "18K Gold Plated Pendant Necklace", 2699, 310),
    Item("JW-RNG-SET", "Stackable Rings Set", 1499, 140),
    Item("BG-TOTE-CNV", "Canvas Tote Bag with Zipper", 2199, 380),
    Item("KT-ORG-DRW", "Kitchen Drawer Organizer Bamboo", 2599, 540),
    Item("KT-KNF-SHP", "Knife Sharpener 3-Stage", 1899, 310),
    Item("PT-HRN-M", "No-Pull Dog Harness M", 2399, 420),
    Item("PT-TOY-SET", "Cat Toys Assortment 20pcs", 1699, 230),
    Item("CR-MNT-VENT", "Car Vent Phone Mount", 1399, 170),
    Item("CM-RING-LT", '10" Ring Light with Tripod', 3299, 690),
    Item("TY-BLK-CITY", "Building Blocks City Set 1200pcs", 4599, 1320),
    Item("SK-SERUM-VC", "Vitamin C Face Serum 30ml", 1899, 240),
    Item("HM-DIFF-300", "Aroma Diffuser 300ml", 2799, 560),
    Item("DR-PROJ-MINI", "Mini Portable Projector 1080p", 8999, 3100),
    Item("DR-DRONE-4K", "Foldable Drone 4K Camera", 15999, 5600),
)

#: Indicative rates to turn a USD list price into a local price. ASSUMPTION (2026 levels).
FX: dict[str, float] = {"USD": 1.0, "SGD": 1.35, "PHP": 57.0, "BRL": 5.4}


def local_price(usd_cents: int, currency: str) -> int:
    """List price in ``currency`` minor units, rounded to that market's price endings."""
    raw = usd_cents * FX[currency]
    if currency == "USD":
        return usd_cents
    if currency == "PHP":
        whole = max(49, round(raw / 100 / 10.0) * 10 - 1)
        return whole * 100
    whole = max(1, int(raw // 100))
    return whole * 100 + 90


def money(cents: int) -> str:
    """``1999`` -> ``19.99`` (plain decimal, no thousands separator)."""
    return f"{cents // 100}.{cents % 100:02d}"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = {
    "US": _words(
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Susan "
        "Richard Jessica Joseph Sarah Thomas Karen Christopher Emily Daniel Ashley Matthew "
        "Kimberly Anthony Amanda Mark Melissa Steven Stephanie Kevin Nicole Brian Rachel"
    ),
    "SG": _words(
        "Wei-Ling Jun-Jie Hui-Min Zhi-Hao Siew-Lan Kai-Wen Nurul Siti Aisyah Farhan Hafiz "
        "Priya Rajesh Arjun Kavitha Daniel Rachel Marcus Vanessa Ethan Chloe"
    ),
    "PH": _words(
        "Maria Juan Angelica Mark Kristine John Paul Jasmine Christian Michelle Joshua "
        "Princess Jerome Camille Carlo Patricia Rowena Jayson Lovely Rhea Nino Aljon"
    ),
    "BR": _words(
        "Ana Joao Maria Pedro Juliana Lucas Fernanda Gabriel Camila Rafael Beatriz Mateus "
        "Larissa Gustavo Leticia Felipe Mariana Bruno Aline Thiago Patricia Rodrigo"
    ),
}
_LAST = {
    "US": _words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Nguyen"
    ),
    "SG": _words("Tan Lim Lee Ng Ong Wong Goh Chua Chan Koh Teo Ang Yeo Tay Ho Binte Kumar Pillai"),
    "PH": _words(
        "Santos Reyes Cruz Bautista Ocampo Garcia Mendoza Torres Tomas Andrada Castillo "
        "Flores Villanueva Ramos Castro Rivera Aquino Navarro Salazar Mercado Dela-Cruz"
    ),
    "BR": _words(
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
        "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias"
    ),
}
_STREETS = {
    "US": (
        "Maple Ave",
        "Oak St",
        "Main St",
        "Washington Blvd",
        "Sunset Dr",
        "Lincoln Way",
        "Cedar Ln",
        "Park Pl",
        "Elm St",
        "Lakeview Dr",
        "Highland Ave",
        "Pine St",
        "Jefferson St",
        "Ridge Rd",
    ),
    "SG": (
        "Ang Mo Kio Ave 3",
        "Tampines St 11",
        "Jurong West St 52",
        "Bedok North Rd",
        "Yishun Ring Rd",
        "Clementi Ave 2",
        "Punggol Field",
        "Woodlands Dr 14",
    ),
    "PH": (
        "Rizal St",
        "Mabini St",
        "Bonifacio Ave",
        "Katipunan Ave",
        "Aurora Blvd",
        "Shaw Blvd",
        "Quirino Ave",
        "Del Pilar St",
    ),
    "BR": (
        "Rua das Flores",
        "Avenida Paulista",
        "Rua Augusta",
        "Rua XV de Novembro",
        "Avenida Brasil",
        "Rua da Consolacao",
        "Avenida Sete de Setembro",
        "Rua Sao Bento",
    ),
}
_DOMAINS = ("example.com", "example.net", "example.org")


def buyer_for(rng: random.Random, country: str) -> tuple[str, str, str]:
    """(name, email, phone) for a buyer in ``country``."""
    first = rng.choice(_FIRST[country])
    last = rng.choice(_LAST[country])
    name = f"{first} {last}".replace("-", " ") if country != "SG" else f"{last} {first}"
    local = f"{first}.{last}".lower().replace("-", "")
    email = f"{local}{rng.randint(1, 999)}@{rng.choice(_DOMAINS)}"
    if country == "US":
        phone = f"+1 {rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}"
    elif country == "SG":
        phone = f"+65 {rng.choice('89')}{rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}"
    elif country == "PH":
        phone = f"+63 9{rng.randint(10, 99)} {rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}"
    else:
        phone = f"+55 {rng.randint(11, 99)} 9{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
    return name, email, phone


def street_for(rng: random.Random, country: str) -> tuple[str, str]:
    """(line1, line2) in the local style; line2 is empty for most buyers."""
    street = rng.choice(_STREETS[country])
    if country == "SG":
        line1 = f"Blk {rng.randint(100, 999)} {street}"
        line2 = f"#{rng.randint(2, 25):02d}-{rng.randint(1, 400):02d}"
        return line1, line2
    if country == "BR":
        line1 = f"{street}, {rng.randint(10, 3999)}"
        line2 = f"Apto {rng.randint(11, 1204)}" if rng.random() < 0.4 else ""
        return line1, line2
    line1 = f"{rng.randint(1, 9899)} {street}"
    r = rng.random()
    if r < 0.18:
        line2 = f"Apt {rng.randint(1, 40)}{rng.choice('ABCDEF')}"
    elif r < 0.24:
        line2 = f"Unit {rng.randint(1, 300)}"
    else:
        line2 = ""
    return line1, line2
