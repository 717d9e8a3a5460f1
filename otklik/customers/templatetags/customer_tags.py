"""`{% customer_who customer %}`: the "who is this customer" panel (D3) beside an answer or a case."""

from django import template

from otklik.customers.models import Customer
from otklik.customers.segments import segment_label
from otklik.customers.selectors import customer_summary

register = template.Library()


@register.inclusion_tag("customers/_who.html")
def customer_who(customer: Customer | None) -> dict:
    """Segment, tenure, purchases, revenue and its share, earlier answers and cases, and a link to the card."""
    return {"who": customer_summary(customer) if customer is not None else None}


@register.filter
def segment_name(code: str) -> str:
    return segment_label(code) if code else ""
