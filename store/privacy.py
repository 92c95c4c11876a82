"""Privacy redaction: what of a lead may be stored.

The spec's ``[privacy] personal`` fields are never stored raw. The email field keeps only
its domain, which is all the transform needs (free-mail and target-account membership are
read from a bare domain); every other personal field is dropped, and so is every field the
spec drops (the API accepts and ignores them). Raw personal values are
also scrubbed from any other text stored with the lead (notes, explanation sentences).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from features.derived import email_domain
from features.scrubbing import REDACTED, personal_digests, scrub_contacts
from features.spec import LeadSpec

__all__ = ["REDACTED", "lead_digests", "personal_values", "redact", "scrub"]

# A raw value shorter than this is replaced only where it is a whole stored string: a
# substring search for a two-letter name would mangle unrelated words.
_MIN_SUBSTRING = 4


def redact(
    fields: Mapping[str, Any], spec: LeadSpec, replacements: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The lead's fields as they may be stored: email reduced to its domain, personal data gone.

    ``replacements`` is ``personal_values(fields, spec)``, for a caller that scrubs more
    text of the same lead and has it already.
    """
    email_field = spec.features.email
    # Personal fields are never stored; fields the spec drops are accepted and ignored.
    personal = set(spec.privacy.personal) | set(spec.features.drop)
    kept: dict[str, Any] = {}
    for name, value in fields.items():
        if name == email_field:
            kept[name] = None if value is None else email_domain(str(value))
        elif name not in personal:
            kept[name] = value
    if replacements is None:
        replacements = personal_values(fields, spec)
    # The id is the CRM's key and the creation time a timestamp, not free text: scrubbing
    # would read a time's fractional seconds (07:38:12.345678) as a phone number.
    not_text = {spec.lead.id, spec.lead.created_at}
    return {
        name: value if name in not_text else scrub(value, replacements)
        for name, value in kept.items()
    }


def personal_values(fields: Mapping[str, Any], spec: LeadSpec) -> dict[str, str]:
    """Each raw personal string in the lead, mapped to what may be stored in its place."""
    email_field = spec.features.email
    names = set(spec.privacy.personal) | ({email_field} if email_field else set())
    replacements: dict[str, str] = {}
    for name in names:
        value = fields.get(name)
        if value is None or not str(value).strip():
            continue
        raw = str(value).strip()
        domain = email_domain(raw) if name == email_field else None
        if raw != domain:  # a bare domain sent as the email is not personal
            replacements[raw] = domain or REDACTED
    return replacements


def lead_digests(fields: Mapping[str, Any], spec: LeadSpec, lead_id: str) -> set[str]:
    """Digests of the words of the lead's personal values, to scrub them from sales' notes
    later (see :func:`features.scrubbing.personal_digests`); an email gives its local part."""
    email_field = spec.features.email
    others = [name for name in spec.privacy.personal if name != email_field]
    values = [str(fields[name]) for name in others if fields.get(name) is not None]
    email = fields.get(email_field) if email_field else None
    if isinstance(email, str) and "@" in email:
        values.append(email.rsplit("@", 1)[0])
    return personal_digests(values, lead_id)


def scrub(value: Any, replacements: Mapping[str, str]) -> Any:
    """``value`` (nested dicts, lists, strings) with every raw personal string replaced,
    and any other email or phone number in its text scrubbed (see features.scrubbing)."""
    if isinstance(value, str):
        return scrub_contacts(_scrub_text(value, replacements) if replacements else value)
    if value is None or isinstance(value, int | float):  # most fields: no ABC check needed
        return value
    if isinstance(value, Mapping):
        return {k: scrub(v, replacements) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, replacements) for v in value]
    return value


def _scrub_text(text: str, replacements: Mapping[str, str]) -> str:
    if text.strip() in replacements:
        return replacements[text.strip()]
    # Longest first, so that "jane.doe@acme.com" goes before a name "Jane Doe" inside it.
    # The plain containment test first: most text holds no personal value, and every lead's
    # values differ, so compiling a pattern for each would dominate the scoring path.
    lowered = text.lower()
    for raw in sorted(replacements, key=len, reverse=True):
        if len(raw) >= _MIN_SUBSTRING and raw.lower() in lowered:
            new = replacements[raw].replace("\\", r"\\")  # a literal, not a template
            text = re.sub(re.escape(raw), new, text, flags=re.IGNORECASE)
            lowered = text.lower()
    return text
