"""How every mail opens and closes: the greeting names the department's contact, and the footer a
person and an address to ask (the lead department's contact and e-mail, else the [email] sender)."""
from __future__ import annotations

from email.utils import parseaddr

from ..config import Department, Workspace
from ..i18n import msg


def greeting(dept: Department | None, lang: str) -> str:
    """"Dear Ms Li," with a contact configured, else a greeting to the team."""
    if dept is not None and dept.contact.strip():
        return msg("notify-greeting", lang, name=dept.contact.strip())
    return msg("notify-greeting-team", lang)


def lead_name(ws: Workspace, lang: str) -> str:
    lead = ws.department(ws.project.lead_department)
    return lead.name(lang) if lead else ws.project.lead_department


def signature(ws: Workspace, lang: str) -> str:
    """"Sent by xlflow. Questions: Anna Weber (Facilities), anna@example.com." — the person and the
    address a reader can answer to, as far as xlflow.toml names them."""
    lead = ws.department(ws.project.lead_department)
    sender_name, sender_addr = parseaddr(ws.email.sender)
    person = (lead.contact.strip() if lead else "") or sender_name.strip()
    address = (lead.email.strip() if lead else "") or sender_addr.strip()
    params = {"lead": lead_name(ws, lang), "person": person, "address": address}
    if person and address:
        return msg("mail-signature-person-address", lang, **params)
    if address:
        return msg("mail-signature-address", lang, lead=params["lead"], address=address)
    if person:
        return msg("mail-signature-person", lang, lead=params["lead"], person=person)
    return msg("notify-signature", lang, lead=params["lead"])
