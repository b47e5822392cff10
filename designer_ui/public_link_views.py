"""The public links page of an app: publish a form as a link anyone may fill in (which fields, thank-you text, source
channel), copy it, print its QR code, withdraw it (with an Undo), and see its submissions arrive (counts and the newest records).

Thin over ``engine.services.web_forms``: its refusals are shown at their controls in the UI language with what was
typed kept. The token exists only in the answer that published the link (the service stores its hash), so the link,
its copy button and its QR code are on that answer only; the QR code is an SVG drawn here by ``segno``.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from flask import flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp, i18n
from designer_ui.i18n import gettext, request_locale
from designer_ui.undo import offer_undo
from designer_ui.views import actor, runtime, user_timezone
from engine.errors import FormflowError
from engine.services import app_admin, web_forms


#: the QR code's module size in the page's SVG (pixels per module); it prints crisp at any size
QR_SCALE = 5


def _local(iso: str, tz: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _errors(exc: FormflowError, locale: str) -> dict[str, str]:
    """{control: message}: a setting's refusal under its name (``fields``, ``source_field``...), the label's under ``label``."""
    out: dict[str, str] = {}
    for item in getattr(exc, "errors", None) or []:
        parts = (item.path or "").strip("/").split("/")
        field = parts[1] if parts[0] == "settings" and len(parts) > 1 else (parts[0] or "_")
        key = f"links.error.{field}"
        out.setdefault(field, gettext(key, locale) if key in i18n.MESSAGES["en"] else item.localized(locale))
    return out or {"_": exc.localized(locale)}


def _typed() -> dict:
    return {"form": request.form.get("form", ""), "label": request.form.get("label", "").strip(),
            "fields": request.form.getlist("fields"), "source_field": request.form.get("source_field", ""),
            "source_value": request.form.get("source_value", "").strip(), "thanks_en": request.form.get("thanks_en", "").strip(),
            "thanks_zh": request.form.get("thanks_zh", "").strip()}


def _settings(typed: dict) -> dict:
    thanks = {loc: text for loc, text in (("en", typed["thanks_en"]), ("zh-CN", typed["thanks_zh"])) if text}
    settings: dict = {"fields": typed["fields"], "source_field": typed["source_field"] or None}
    if typed["source_field"]:
        settings["source_value"] = typed["source_value"]
    if thanks:
        settings["thanks"] = thanks
    return settings


def _page(app_key: str, status=200, *, form_key=None, values=None, errors=None, published=None):
    rt, me = runtime(), actor()
    app = app_admin.get_app(rt, app_key)
    forms = [f for f in app["forms"] if f.get("published_version") and not f.get("archived")]
    form_key = form_key or request.args.get("form") or (forms[0]["key"] if forms else None)
    offer = web_forms.offerable_fields(rt, me, app_key, form_key) if form_key else None
    tz = user_timezone()
    links = web_forms.list_web_forms(rt, me, app_key)
    for link in links:
        link["latest"] = [{**s, "local_at": _local(s["at"], tz)} for s in web_forms.latest_submissions(rt, me, app_key, link["id"])]
        link["revoked_local"] = _local(link["revoked_at"], tz) if link["revoked_at"] else None
    qr = None
    if published:
        code = segno.make(published["full_url"], error="m")
        qr = {"svg": code.svg_inline(scale=QR_SCALE, title=gettext("links.qr", request_locale()), omitsize=False),
              "data_uri": code.svg_data_uri(scale=QR_SCALE * 2)}
    html = render_template("public_links.html", app=app, forms=forms, form_key=form_key, offer=offer, links=links,
                           values=values or {}, errors=errors or {}, published=published, qr=qr, active_nav="apps",
                           form_names={f["key"]: f.get("label") or f["key"] for f in app["forms"]}, tz=tz,
                           flashes=get_flashed_messages(with_categories=True))
    return html, status


@bp.route("/apps/<app_key>/links")
def public_links(app_key):
    return _page(app_key)


@bp.route("/apps/<app_key>/links", methods=["POST"])
def publish_public_link(app_key):
    typed = _typed()
    try:
        made = web_forms.create_web_form(runtime(), actor(), app_key, typed["form"], label=typed["label"] or None,
                                         settings=_settings(typed))
    except FormflowError as exc:
        if exc.status not in (404, 422):
            raise
        return _page(app_key, exc.status, form_key=typed["form"] or None, values=typed, errors=_errors(exc, request_locale()))
    made["full_url"] = request.host_url.rstrip("/") + made["url"]
    return _page(app_key, 201, form_key=typed["form"], published=made)


@bp.route("/apps/<app_key>/links/<int:web_form_id>/revoke", methods=["POST"])
def revoke_public_link(app_key, web_form_id):
    link = web_forms.revoke_web_form(runtime(), actor(), app_key, web_form_id)
    offer_undo(gettext("undo.link_revoked", request_locale(), name=link["label"]),
               url_for("ui.restore_public_link", app_key=app_key, web_form_id=web_form_id))
    return redirect(url_for("ui.public_links", app_key=app_key, form=link["form"]), code=303)


@bp.route("/apps/<app_key>/links/<int:web_form_id>/restore", methods=["POST"])
def restore_public_link(app_key, web_form_id):
    """Undo of a revocation: the same link opens again."""
    link = web_forms.restore_web_form(runtime(), actor(), app_key, web_form_id)
    flash(gettext("undo.undone", request_locale()), "success")
    return redirect(url_for("ui.public_links", app_key=app_key, form=link["form"]), code=303)
