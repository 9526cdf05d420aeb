"""The seeded customers of the shop test schemas and every personal value each one has there.

Three people (German names, example.org addresses, IPs from 192.0.2.0/24); in each system
Jürgen has an account with orders, messages and sessions, Anna another account, and Karl
ordered once as a guest or signed out. ``Person.values`` lists, per system, the values of that
person a complete access answer must show (as the answer shows them: dates in ISO form, IP
addresses as text); no value of one person is another's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Person:
    """``values`` per system; ``account``: the systems where the person has a customer row
    (a guest of WooCommerce or Magento has none: only their traces in orders and reviews)."""

    key: str
    email: str
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    account: tuple[str, ...] = ("prestashop", "woocommerce", "shopware", "magento")


def ip4(text: str) -> int:
    """An IPv4 address as the integer PrestaShop stores."""
    a, b, c, d = (int(part) for part in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def sid(number: int) -> bytes:
    """A Shopware id (BINARY(16))."""
    return number.to_bytes(16, "big")


T1 = datetime(2024, 5, 2, 14, 30)
T2 = datetime(2025, 2, 11, 9, 15)
T3 = datetime(2023, 11, 20, 18, 0)
HASH_1 = "$2y$10$Jw9cQm1vZk0aTQe8pB2xUe6lY3r5"
HASH_2 = "$2y$10$Ann4pQ7vZk0aTQe8pB2xUe6lY3r5"
UA_1 = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
UA_2 = "Mozilla/5.0 (Macintosh) Safari/605.1"
UA_3 = "Mozilla/5.0 (Windows NT 10.0) Edge/119.0"

JUERGEN = ("Jürgen", "Weiß", "juergen.weiss@example.org", "192.0.2.10", "+49 30 1234567",
           "Lindenstraße 4", "10115", "Berlin")
ANNA = ("Anna", "Schäfer", "anna.schaefer@example.org", "192.0.2.11", "+49 89 7654321",
        "Gartenweg 9", "80331", "München")
KARL = ("Karl", "Becker", "karl.becker@example.org", "192.0.2.12", "+49 40 5550123",
        "Hafenstraße 17", "20457", "Hamburg")


def _prestashop() -> dict[str, list[dict[str, Any]]]:
    def customer(number: int, who: tuple[str, ...], born: date | None, secret: str,
                 guest: int = 0, note: str | None = None) -> dict[str, Any]:
        return {"id_customer": number, "id_gender": 1, "id_lang": 1, "firstname": who[0],
                "lastname": who[1], "email": who[2], "passwd": secret, "birthday": born,
                "newsletter": 1, "ip_registration_newsletter": who[3],
                "newsletter_date_add": T1, "secure_key": secret[-32:].ljust(32, "0")[:32],
                "note": note, "active": 1, "is_guest": guest, "date_add": T1, "date_upd": T1}

    def address(number: int, owner: int, who: tuple[str, ...], mobile: str | None = None,
                street: str | None = None) -> dict[str, Any]:
        return {"id_address": number, "id_country": 1, "id_customer": owner, "alias": "Home",
                "lastname": who[1], "firstname": who[0], "address1": street or who[5],
                "postcode": who[6], "city": who[7], "phone": who[4], "phone_mobile": mobile,
                "date_add": T1, "date_upd": T1}

    def order(number: int, owner: int, addr: int, state: int, gift: str | None,
              when: datetime) -> dict[str, Any]:
        return {"id_order": number, "reference": f"REF{number:06d}", "id_carrier": 1,
                "id_lang": 1, "id_customer": owner, "id_cart": number, "id_currency": 1,
                "id_address_delivery": addr, "id_address_invoice": addr,
                "current_state": state, "secure_key": "0" * 32, "payment": "Vorkasse",
                "gift": int(bool(gift)), "gift_message": gift,
                "total_paid": Decimal("49.900000"), "total_paid_tax_incl": Decimal("49.900000"),
                "total_paid_tax_excl": Decimal("41.930000"), "invoice_number": number,
                "invoice_date": when, "delivery_date": when, "valid": 1, "date_add": when,
                "date_upd": when}

    return {
        "ps_customer": [
            customer(1, JUERGEN, date(1975, 4, 12), HASH_1, note="Stammkunde seit 2019"),
            customer(2, ANNA, date(1982, 9, 30), HASH_2),
            customer(3, KARL, None, HASH_2[::-1], guest=1),
        ],
        "ps_address": [
            address(11, 1, JUERGEN), address(12, 1, JUERGEN, "+49 170 5550101", "Ahornweg 2"),
            address(21, 2, ANNA), address(31, 3, KARL),
        ],
        "ps_guest": [{"id_guest": 101, "id_customer": 1, "accept_language": "de"},
                     {"id_guest": 102, "id_customer": 2, "accept_language": "de"},
                     {"id_guest": 103, "id_customer": 3, "accept_language": "de"}],
        "ps_connections": [
            {"id_connections": 1, "id_guest": 101, "id_page": 1, "ip_address": ip4(JUERGEN[3]),
             "date_add": T1, "http_referer": "https://www.example.org/suche?q=weiss"},
            {"id_connections": 2, "id_guest": 102, "id_page": 1, "ip_address": ip4(ANNA[3]),
             "date_add": T2},
            {"id_connections": 3, "id_guest": 103, "id_page": 1, "ip_address": ip4(KARL[3]),
             "date_add": T3},
        ],
        "ps_orders": [order(1001, 1, 11, 5, "Alles Gute zum Geburtstag, Jürgen!", T1),
                      order(1002, 2, 21, 4, None, T2), order(1003, 3, 31, 5, None, T3)],
        "ps_customer_thread": [
            {"id_customer_thread": 1, "id_lang": 1, "id_contact": 1, "id_customer": 1,
             "id_order": 1001, "status": "open", "email": JUERGEN[2], "token": "tok1",
             "date_add": T1, "date_upd": T1},
            # Sent signed out: no customer id, only the e-mail address.
            {"id_customer_thread": 2, "id_lang": 1, "id_contact": 1, "id_customer": None,
             "status": "closed", "email": JUERGEN[2], "token": "tok2", "date_add": T2,
             "date_upd": T2},
            {"id_customer_thread": 3, "id_lang": 1, "id_contact": 1, "id_customer": 2,
             "status": "closed", "email": ANNA[2], "token": "tok3", "date_add": T2,
             "date_upd": T2},
        ],
        "ps_customer_message": [
            {"id_customer_message": 1, "id_customer_thread": 1, "id_employee": 0,
             "message": "Wo bleibt meine Lieferung nach Berlin?", "ip_address": JUERGEN[3],
             "user_agent": UA_1, "date_add": T1, "date_upd": T1},
            {"id_customer_message": 2, "id_customer_thread": 2, "id_employee": 0,
             "message": "Bitte rufen Sie mich zurück, Jürgen Weiß", "ip_address": JUERGEN[3],
             "user_agent": UA_1, "date_add": T2, "date_upd": T2},
            {"id_customer_message": 3, "id_customer_thread": 3, "id_employee": 0,
             "message": "Rechnung bitte per Post, Anna Schäfer", "ip_address": ANNA[3],
             "user_agent": UA_2, "date_add": T2, "date_upd": T2},
        ],
        "ps_country_lang": [{"id_country": 1, "id_lang": 1, "name": "Deutschland"},
                            {"id_country": 1, "id_lang": 2, "name": "Germany"}],
        "ps_order_state_lang": [
            {"id_order_state": 4, "id_lang": 1, "name": "Versandt", "template": "shipped"},
            {"id_order_state": 4, "id_lang": 2, "name": "Shipped", "template": "shipped"},
            {"id_order_state": 5, "id_lang": 1, "name": "Zugestellt", "template": ""},
            {"id_order_state": 5, "id_lang": 2, "name": "Delivered", "template": ""}],
        "ps_gender_lang": [{"id_gender": 1, "id_lang": 1, "name": "Herr"},
                           {"id_gender": 1, "id_lang": 2, "name": "Mr."}],
        "ps_configuration": [{"id_configuration": 1, "name": "PS_SHOP_EMAIL",
                              "value": "shop@example.org", "date_add": T1, "date_upd": T1}],
        "ps_carrier": [{"id_carrier": 1, "id_reference": 1, "name": "DHL Paket",
                        "url": "https://www.dhl.de/de/privatkunden/pakete-empfangen/"
                               "verfolgen.html?piececode=@", "active": 1}],
        "ps_product_lang": [{"id_product": 1, "id_lang": 1, "name": "Kaffeebecher",
                             "description": "Steingut, 300 ml"}],
    }


def _woocommerce() -> dict[str, list[dict[str, Any]]]:
    def user(number: int, who: tuple[str, ...], secret: str) -> dict[str, Any]:
        return {"ID": number, "user_login": who[2].split("@")[0], "user_pass": secret,
                "user_nicename": who[2].split("@")[0].replace(".", "-"), "user_email": who[2],
                "user_registered": T1, "display_name": f"{who[0]} {who[1]}"}

    meta_rows = []
    for number, (owner, who) in enumerate(((1, JUERGEN), (2, ANNA)), start=1):
        for key, value in (("first_name", who[0]), ("last_name", who[1]),
                           ("billing_phone", who[4]), ("billing_address_1", who[5]),
                           ("billing_postcode", who[6]), ("billing_city", who[7]),
                           ("session_tokens", f"a:1:{{s:64:\"{'f' * 60}{number:04d}\";}}"),
                           ("wp_capabilities", 'a:1:{s:8:"customer";b:1;}')):
            meta_rows.append({"user_id": owner, "meta_key": key, "meta_value": value})

    def hpos(number: int, owner: int | None, who: tuple[str, ...], ua: str,
             when: datetime, note: str | None = None) -> dict[str, Any]:
        return {"id": number, "status": "wc-completed", "currency": "EUR", "type": "shop_order",
                "tax_amount": Decimal("7.97"), "total_amount": Decimal("49.90"),
                "customer_id": owner or 0, "billing_email": who[2], "date_created_gmt": when,
                "date_updated_gmt": when, "parent_order_id": 0, "payment_method": "bacs",
                "payment_method_title": "Überweisung", "transaction_id": "",
                "ip_address": who[3], "user_agent": ua, "customer_note": note}

    def address(order: int, kind: str, who: tuple[str, ...]) -> dict[str, Any]:
        return {"order_id": order, "address_type": kind, "first_name": who[0],
                "last_name": who[1], "address_1": who[5], "city": who[7], "postcode": who[6],
                "country": "DE", "email": who[2] if kind == "billing" else None,
                "phone": who[4]}

    return {
        "wp_users": [user(1, JUERGEN, HASH_1), user(2, ANNA, HASH_2)],
        "wp_usermeta": meta_rows,
        "wp_posts": [
            # An order of 2019, before HPOS: a post with its data in post meta.
            {"ID": 500, "post_author": 1, "post_date": T3, "post_date_gmt": T3,
             "post_content": "", "post_title": "Order &ndash; November 20, 2023",
             "post_excerpt": "Bitte beim Nachbarn abgeben", "post_status": "wc-completed",
             "post_modified": T3, "post_type": "shop_order"},
            {"ID": 600, "post_author": 0, "post_date": T3, "post_date_gmt": T3,
             "post_content": "Steingut, 300 ml", "post_title": "Kaffeebecher",
             "post_excerpt": "", "post_status": "publish", "post_modified": T3,
             "post_type": "product"},
        ],
        "wp_postmeta": [
            {"post_id": 500, "meta_key": "_customer_user", "meta_value": "1"},
            {"post_id": 500, "meta_key": "_billing_email", "meta_value": JUERGEN[2]},
            {"post_id": 500, "meta_key": "_billing_address_1", "meta_value": "Ulmenallee 8"},
            {"post_id": 500, "meta_key": "_customer_ip_address", "meta_value": JUERGEN[3]},
            {"post_id": 600, "meta_key": "_price", "meta_value": "12.90"},
        ],
        "wp_comments": [
            {"comment_post_ID": 600, "comment_author": "Jürgen W.",
             "comment_author_email": JUERGEN[2], "comment_author_IP": JUERGEN[3],
             "comment_date": T2, "comment_date_gmt": T2,
             "comment_content": "Schöner Becher, hält warm.", "comment_agent": UA_1,
             "comment_type": "review", "user_id": 1},
            # A review written signed out: found by the e-mail address only.
            {"comment_post_ID": 600, "comment_author": "Karl",
             "comment_author_email": KARL[2], "comment_author_IP": KARL[3],
             "comment_date": T3, "comment_date_gmt": T3,
             "comment_content": "Kam schnell nach Hamburg.", "comment_agent": UA_3,
             "comment_type": "review", "user_id": 0},
        ],
        "wp_wc_orders": [hpos(700, 1, JUERGEN, UA_1, T1, "Bitte klingeln bei Weiß"),
                         hpos(701, 2, ANNA, UA_2, T2), hpos(702, None, KARL, UA_3, T3)],
        "wp_wc_order_addresses": [address(700, "billing", JUERGEN),
                                  address(700, "shipping", JUERGEN),
                                  address(701, "billing", ANNA), address(702, "billing", KARL)],
        "wp_wc_orders_meta": [
            {"order_id": 700, "meta_key": "_billing_vat_id", "meta_value": "DE123456789"},
            {"order_id": 702, "meta_key": "_billing_vat_id", "meta_value": "DE987654321"}],
        "wp_wc_customer_lookup": [
            {"customer_id": 1, "user_id": 1, "username": "juergen.weiss",
             "first_name": JUERGEN[0], "last_name": JUERGEN[1], "email": JUERGEN[2],
             "country": "DE", "postcode": JUERGEN[6], "city": JUERGEN[7], "state": ""},
            {"customer_id": 2, "user_id": 2, "username": "anna.schaefer", "first_name": ANNA[0],
             "last_name": ANNA[1], "email": ANNA[2], "country": "DE", "postcode": ANNA[6],
             "city": ANNA[7], "state": ""},
            {"customer_id": 3, "user_id": None, "username": "", "first_name": KARL[0],
             "last_name": KARL[1], "email": KARL[2], "country": "DE", "postcode": KARL[6],
             "city": KARL[7], "state": ""}],
        "wp_woocommerce_sessions": [
            {"session_key": "1", "session_expiry": 1767225600,
             "session_value": 'a:1:{s:8:"customer";s:25:"juergen.weiss@example.org";}'}],
        "wp_options": [{"option_name": "admin_email", "option_value": "shop@example.org"},
                       {"option_name": "timezone_string", "option_value": "Europe/Berlin"}],
        "wp_terms": [{"name": "Becher", "slug": "becher"}],
    }


def _shopware() -> dict[str, list[dict[str, Any]]]:
    live = sid(999)

    def customer(number: int, who: tuple[str, ...], born: date | None, secret: str | None,
                 guest: int = 0) -> dict[str, Any]:
        return {"id": sid(number), "auto_increment": number, "customer_group_id": sid(900),
                "sales_channel_id": sid(901), "language_id": sid(902),
                "default_billing_address_id": sid(number * 10),
                "default_shipping_address_id": sid(number * 10),
                "customer_number": f"SW{10000 + number}", "salutation_id": sid(903),
                "first_name": who[0], "last_name": who[1], "password": secret,
                "email": who[2], "active": 1, "guest": guest, "birthday": born,
                "remote_address": who[3], "created_at": T1}

    def address(number: int, owner: int, who: tuple[str, ...]) -> dict[str, Any]:
        return {"id": sid(number), "customer_id": sid(owner), "country_id": sid(904),
                "first_name": who[0], "last_name": who[1], "street": who[5],
                "zipcode": who[6], "city": who[7], "phone_number": who[4], "created_at": T1}

    def order(number: int, when: datetime, comment: str | None = None) -> dict[str, Any]:
        return {"id": sid(number), "version_id": live, "state_id": sid(905),
                "auto_increment": number, "order_number": f"{10000 + number}",
                "currency_id": sid(906), "currency_factor": 1.0, "sales_channel_id": sid(901),
                "billing_address_id": sid(number * 10), "billing_address_version_id": live,
                "order_date": when, "amount_total": 49.9, "amount_net": 41.93,
                "customer_comment": comment, "created_at": when}

    def order_customer(number: int, owner: int, who: tuple[str, ...]) -> dict[str, Any]:
        return {"id": sid(number + 50), "version_id": live, "customer_id": sid(owner),
                "order_id": sid(number), "order_version_id": live, "email": who[2],
                "salutation_id": sid(903), "first_name": who[0], "last_name": who[1],
                "customer_number": f"SW{10000 + owner}", "remote_address": who[3],
                "created_at": T1}

    def order_address(number: int, who: tuple[str, ...], street: str | None = None,
                      ) -> dict[str, Any]:
        return {"id": sid(number * 10), "version_id": live, "country_id": sid(904),
                "order_id": sid(number), "order_version_id": live, "salutation_id": sid(903),
                "first_name": who[0], "last_name": who[1], "street": street or who[5],
                "zipcode": who[6], "city": who[7], "phone_number": who[4], "created_at": T1}

    return {
        "customer": [customer(1, JUERGEN, date(1975, 4, 12), HASH_1),
                     customer(2, ANNA, date(1982, 9, 30), HASH_2),
                     customer(3, KARL, None, None, guest=1)],
        "customer_address": [address(10, 1, JUERGEN), address(20, 2, ANNA),
                             address(30, 3, KARL)],
        "order": [order(101, T1, "Bitte klingeln bei Weiß"), order(102, T2), order(103, T3)],
        "order_customer": [order_customer(101, 1, JUERGEN), order_customer(102, 2, ANNA),
                           order_customer(103, 3, KARL)],
        "order_address": [order_address(101, JUERGEN, "Ulmenallee 8"),
                          order_address(102, ANNA), order_address(103, KARL)],
        "newsletter_recipient": [
            {"id": sid(801), "email": JUERGEN[2], "first_name": JUERGEN[0],
             "last_name": JUERGEN[1], "status": "optIn", "hash": "h" * 32,
             "confirmed_at": T1, "created_at": T1}],
        "country_translation": [{"country_id": sid(904), "language_id": sid(902),
                                 "name": "Deutschland", "created_at": T1}],
        "system_config": [{"id": sid(700), "configuration_key": "core.basicInformation.email",
                           "configuration_value": '{"_value": "shop@example.org"}',
                           "created_at": T1}],
        "product_translation": [{"product_id": sid(600), "product_version_id": live,
                                 "language_id": sid(902), "name": "Kaffeebecher",
                                 "created_at": T1}],
    }


def _magento() -> dict[str, list[dict[str, Any]]]:
    def customer(number: int, who: tuple[str, ...], born: date | None,
                 secret: str) -> dict[str, Any]:
        return {"entity_id": number, "website_id": 1, "email": who[2], "group_id": 1,
                "store_id": 1, "created_at": T1, "updated_at": T1, "created_in": "Default",
                "firstname": who[0], "lastname": who[1], "dob": born, "password_hash": secret,
                "default_billing": number * 10, "default_shipping": number * 10, "gender": 1}

    def address(number: int, owner: int, who: tuple[str, ...]) -> dict[str, Any]:
        return {"entity_id": number, "parent_id": owner, "created_at": T1, "updated_at": T1,
                "city": who[7], "country_id": "DE", "firstname": who[0], "lastname": who[1],
                "postcode": who[6], "street": who[5], "telephone": who[4]}

    def order(number: int, owner: int | None, who: tuple[str, ...], when: datetime,
              note: str | None = None) -> dict[str, Any]:
        return {"entity_id": number, "state": "complete", "status": "complete",
                "protect_code": "p" * 12, "store_id": 1, "customer_id": owner,
                "base_grand_total": Decimal("49.90"), "grand_total": Decimal("49.90"),
                "tax_amount": Decimal("7.97"), "customer_is_guest": int(owner is None),
                "billing_address_id": number * 10, "customer_group_id": 1,
                "increment_id": f"0000{number}", "base_currency_code": "EUR",
                "customer_email": who[2], "customer_firstname": who[0],
                "customer_lastname": who[1], "order_currency_code": "EUR",
                "remote_ip": who[3], "customer_note": note, "created_at": when,
                "updated_at": when}

    def order_address(number: int, order_id: int, owner: int | None, who: tuple[str, ...],
                      kind: str) -> dict[str, Any]:
        return {"entity_id": number, "parent_id": order_id, "customer_id": owner,
                "postcode": who[6], "lastname": who[1], "street": who[5], "city": who[7],
                "email": who[2], "telephone": who[4], "country_id": "DE",
                "firstname": who[0], "address_type": kind}

    return {
        "customer_entity": [customer(1, JUERGEN, date(1975, 4, 12), HASH_1),
                            customer(2, ANNA, date(1982, 9, 30), HASH_2)],
        "customer_address_entity": [address(10, 1, JUERGEN), address(20, 2, ANNA)],
        "sales_order": [order(101, 1, JUERGEN, T1, "Bitte klingeln bei Weiß"),
                        order(102, 2, ANNA, T2), order(103, None, KARL, T3)],
        "sales_order_address": [order_address(1010, 101, 1, JUERGEN, "billing"),
                                order_address(1011, 101, 1, JUERGEN, "shipping"),
                                order_address(1020, 102, 2, ANNA, "billing"),
                                order_address(1030, 103, None, KARL, "billing")],
        "sales_order_status_history": [
            {"parent_id": 101, "is_customer_notified": 1,
             "comment": "Kunde Jürgen Weiß bittet um Rückruf", "status": "complete",
             "created_at": T1, "entity_name": "order"}],
        "sales_order_status": [{"status": "complete", "label": "Complete"}],
        "customer_log": [{"customer_id": 1, "last_login_at": T2},
                         {"customer_id": 2, "last_login_at": T2}],
        "core_config_data": [{"path": "trans_email/ident_general/email",
                              "value": "shop@example.org"}],
        "catalog_product_entity_varchar": [{"attribute_id": 73, "entity_id": 1,
                                            "value": "Kaffeebecher"}],
    }


ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "prestashop": _prestashop(), "woocommerce": _woocommerce(), "shopware": _shopware(),
    "magento": _magento(),
}

_BASE_J = (*JUERGEN[:3], JUERGEN[4], JUERGEN[5], JUERGEN[6])
PEOPLE: dict[str, Person] = {
    "juergen": Person("juergen", JUERGEN[2], {
        "prestashop": (*_BASE_J, JUERGEN[3], "1975-04-12", "Stammkunde seit 2019",
                       "Ahornweg 2", "+49 170 5550101", "Alles Gute zum Geburtstag, Jürgen!",
                       "Wo bleibt meine Lieferung nach Berlin?",
                       "Bitte rufen Sie mich zurück, Jürgen Weiß", UA_1,
                       "https://www.example.org/suche?q=weiss"),
        "woocommerce": (*_BASE_J, JUERGEN[3], UA_1, "Bitte klingeln bei Weiß", "Jürgen W.",
                        "Schöner Becher, hält warm.", "DE123456789", "Ulmenallee 8",
                        "Bitte beim Nachbarn abgeben"),
        "shopware": (*_BASE_J, JUERGEN[3], "1975-04-12", "SW10001", "Ulmenallee 8",
                     "Bitte klingeln bei Weiß"),
        "magento": (*_BASE_J, JUERGEN[3], "1975-04-12", "Bitte klingeln bei Weiß",
                    "Kunde Jürgen Weiß bittet um Rückruf"),
    }),
    "anna": Person("anna", ANNA[2], {
        system: (*ANNA[:3], ANNA[4], ANNA[5], ANNA[6]) for system in ROWS}),
    "karl": Person("karl", KARL[2], {
        system: (*KARL[:3], KARL[4], KARL[5], KARL[6]) for system in ROWS},
        account=("prestashop", "shopware")),
}
