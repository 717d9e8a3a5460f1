"""A hash per table of what an import stored for one organization, to compare two versions of the import.

    .venv/bin/python bench/stored_hash.py postgres://…/db_old postgres://…/db_new [--org bench-import]

Import the same file with each version into its own fresh database, then compare: every
stored order, line, invitation, customer and product, without surrogate ids, timestamps
of the writing itself (created_at, updated_at) and the raw digest (ADR 0041: it hashes the
importing modules' source, so any change to them changes it). Keys to other rows are
written as those rows' external ids (a line's order and product, an invitation's customer).
"""

import argparse

import psycopg

QUERIES = {
    "orders": """
        SELECT p.external_id, p.amount, p.currency, p.purchased_at, p.employee_name, c.external_id, p.employee_id,
               l.name, pr.external_id, p.status, p.digest
        FROM customers_purchase p
        LEFT JOIN customers_customer c ON c.id = p.customer_id
        LEFT JOIN accounts_location l ON l.id = p.location_id
        JOIN customers_product pr ON pr.id = p.product_id
        WHERE p.organization_id = %(org)s""",
    "lines": """
        SELECT p.external_id, x.line_no, x.quantity, x.unit_price, x.amount, pr.external_id
        FROM customers_purchaseline x JOIN customers_purchase p ON p.id = x.purchase_id
        JOIN customers_product pr ON pr.id = x.product_id
        WHERE p.organization_id = %(org)s""",
    "invitations": """
        SELECT s.origin, s.mode, s.status, s.reason, s.due_at, s.send_at, s.channel, s.recipient, s.sent_at,
               c.external_id, s.decided_by_id, s.invitation_id, p.external_id, s.survey_id
        FROM outreach_scheduledinvitation s JOIN customers_customer c ON c.id = s.customer_id
        LEFT JOIN customers_purchase p ON p.id = s.purchase_id
        WHERE s.organization_id = %(org)s""",
    "customers": """
        SELECT external_id, name, email, phone, telegram_chat_id, language, consent_email, consent_sms,
               consent_telegram, email_invalid_at, phone_invalid_at, telegram_invalid_at, segment, rfm_recency,
               rfm_frequency, rfm_monetary, customer_since, erased_at
        FROM customers_customer WHERE organization_id = %(org)s""",
    "products": """
        SELECT external_id, name, evaluation_delay_days, evaluation_mode, is_active, survey_id
        FROM customers_product WHERE organization_id = %(org)s""",
}


def hashes(url: str, org: str) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the rows' text in a fixed order) per kind of stored row."""
    found = {}
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        (org_id,) = conn.execute("SELECT id FROM accounts_organization WHERE slug = %s", [org]).fetchone()
        for name, query in QUERIES.items():
            sql = f"SELECT count(*), md5(COALESCE(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM ({query}) r"
            found[name] = conn.execute(sql, {"org": org_id}).fetchone()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--org", default="bench-import")
    args = parser.parse_args()
    results = [hashes(url, args.org) for url in args.urls]
    for name in QUERIES:
        values = [result[name] for result in results]
        same = "same" if len(set(values)) == 1 else "DIFFERENT"
        print(f"{name:<12} {same:<10} " + "  ".join(f"{rows} {digest}" for rows, digest in values))


if __name__ == "__main__":
    main()
