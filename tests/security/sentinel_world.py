"""The sentinel world: the built-in CRM with demo data, one user per role, two teams, and distinctive values
("sentinels") stored where some callers must never see them.

Each sentinel is a value planted in exactly one kind of place: a field hidden from a role (customer phone,
opportunity amount and what is derived from it), a record outside a caller's row scope (text owned by one
member), a workflow secret, another user's import file or upload. ``World.sentinels_for(who)`` says which
of them that caller must never receive, from the policy set up here (not from what the server answers), and
``leaks(text, sentinels)`` finds any of them in a response, in every form a value may take (a phone with or
without separators and country code, an amount with thousands separators or as a float).

Everything is made through the services and the real database; nothing is mocked.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from engine.runtime import Actor
from engine.services import credentials, permissions, records as record_service, users

#: the password of every user of the world (long enough for the password rules)
PASSWORD = "sentinel world password 42"
#: demo customers added by ``formflow demo`` (a few are enough: the walk is about where values go, not volume)
DEMO_CUSTOMERS = 20
#: the network the webhook and robot URLs point into: a local receiver (allowed by the SSRF guard only in this world)
HOOK_NETWORK = "127.0.0.1/32"

# -- the planted values ------------------------------------------------------------------------------

#: customer phones (hidden from member, viewer and ops); stored normalized as + and digits
PHONE_ANN = "+86 139 7531 8642"
PHONE_OUT = "+86 136 2468 0975"
PHONE_BOB = "+86 135 8097 4613"
#: the phone of a customer owned by bella (a builder: she sees phones) whose manager is ann: ann is copied on its messages
PHONE_BELLA = "+86 138 1122 9955"

#: opportunity amounts (hidden from members): won (so the customer's won_amount rolls it up), negotiation (70 %), proposal (50 %)
AMOUNT_ANN_WON = Decimal("8264913.57")
AMOUNT_ANN_OPEN = Decimal("7351946.83")
AMOUNT_OUT_OPEN = Decimal("6429175.38")

#: workflow secrets: a key in a webhook URL, a webhook signing secret, a robot access token and its signing secret
SECRET_URL_KEY = "Qz7hookUrlKey9041"
SECRET_SIGNING = "Qz7signingSecret5518"
SECRET_ROBOT_TOKEN = "Qz7robotToken2277"
SECRET_ROBOT_SIGN = "Qz7robotSign6630"

#: text only in another user's import file, and only in an uploaded file of another user
IMPORT_ONLY = "Qz7importOnly3386"
UPLOAD_ONLY = "Qz7uploadOnly7712"


def owned_text(owner: str, form: str) -> str:
    """The text planted in the records of ``form`` owned by ``owner`` (distinct per owner and form)."""
    return f"Qz7{owner}{form.replace('_', '')}Private"


#: who is in which team ("team" scope covers team mates and direct reports)
TEAMS = {"team_a": ["ann", "bob"], "team_b": ["oscar"]}
#: whose manager is who
MANAGERS = {"bella": "ann"}
#: the people of the world and their roles; oscar is the outsider (a member of the other team)
ROLES = {"root": "admin", "bella": "builder", "otto": "ops", "april": "approver", "ann": "member", "bob": "member",
         "oscar": "member", "vic": "viewer"}
#: the row scope each role reads with, per form, as granted below (forms not named: the role's default)
READ_SCOPE = {"member": {"customer": "team"}, "viewer": {}, "ops": {}}
DEFAULT_SCOPE = {"member": "own", "viewer": "all", "ops": "all"}
#: the callers the walk acts as
WALKERS = ("ann", "vic", "otto", "oscar")
#: the name the walk gives a caller who is not signed in
ANONYMOUS = "anonymous"


def _money(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def amount_sentinels(owner: str) -> list[Decimal]:
    """The amounts of ``owner``'s opportunities and every value derived from them: weighted amounts, the
    customer's won amount, the sums and maxima a dashboard over that owner's records computes."""
    if owner == "ann":
        weighted_open = _money(AMOUNT_ANN_OPEN * Decimal("0.70"))
        return [AMOUNT_ANN_WON, AMOUNT_ANN_OPEN, weighted_open, AMOUNT_ANN_WON + AMOUNT_ANN_OPEN, AMOUNT_ANN_WON + weighted_open]
    weighted = _money(AMOUNT_OUT_OPEN * Decimal("0.50"))
    return [AMOUNT_OUT_OPEN, weighted]


# -- finding a sentinel in a response ----------------------------------------------------------------

@dataclass(frozen=True)
class Sentinel:
    name: str
    pattern: re.Pattern

    def found_in(self, text: str) -> str | None:
        m = self.pattern.search(text)
        return None if m is None else text[max(0, m.start() - 80):m.end() + 80]


def text_sentinel(name: str, value: str) -> Sentinel:
    """The exact text (case-sensitive: a probe sends the text in upper case, so an echo of the probe is no match but the
    stored value is)."""
    return Sentinel(name, re.compile(re.escape(value)))


def phone_sentinel(name: str, phone: str) -> Sentinel:
    """The last eight digits in any spelling: separators (space, dash, dot, brackets, JSON/HTML escapes) between them."""
    digits = re.sub(r"\D", "", phone)[-8:]
    sep = r"(?:[\s\-.()/]|\\u00a0|&nbsp;|&#160;)*"
    return Sentinel(name, re.compile(sep.join(digits)))


def amount_sentinel(name: str, amount: Decimal) -> Sentinel:
    """The integer part with or without thousands separators (1,234,567 / 1 234 567 / 1234567), followed by the cents or by a
    shortened float; seven digits are distinctive enough among the demo's amounts."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    groups = [whole[max(0, i - 3):i] for i in range(len(whole), 0, -3)][::-1]
    body = r"[,\s\u00a0'_]?".join(re.escape(g) for g in groups)
    return Sentinel(name, re.compile(rf"(?<![\d.]){body}(?:\.\d*)?(?![\d])"))


def leaks(text: str, sentinels: list[Sentinel]) -> list[tuple[str, str]]:
    out = []
    for s in sentinels:
        where = s.found_in(text)
        if where is not None:
            out.append((s.name, where))
    return out


def response_text(response) -> str:
    """Every byte a caller receives, as text: headers, body, the XML inside an XLSX (or any zip) file."""
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    data = response.get_data()
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return head + "\n" + "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    return head + "\n" + data.decode("utf-8", "replace")


# -- the world ------------------------------------------------------------------------------------

@dataclass
class Person:
    username: str
    role: str
    id: int
    actor: Actor
    token: str
    api: object  # a test client with the person's API token
    browser: object = None  # a test client signed in through /login (a session cookie)


@dataclass
class World:
    app: object
    rt: object
    people: dict[str, Person]
    #: (form, owner username, record id) of every planted record
    planted: list[tuple[str, str, int]] = field(default_factory=list)
    #: (form, record id) of records the walk also uses: made by automations from planted ones
    extra: list[tuple[str, int]] = field(default_factory=list)
    workflow_keys: list[str] = field(default_factory=list)
    template_keys: list[str] = field(default_factory=list)
    dashboard_keys: list[str] = field(default_factory=list)
    import_jobs: list[tuple[str, int]] = field(default_factory=list)  # (form, job id)
    attachment_ids: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    web_form_ids: list[int] = field(default_factory=list)
    web_form_tokens: list[str] = field(default_factory=list)
    token_ids: list[int] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    receiver: Receiver | None = None

    #: record id -> (form, owner user id) of every record, for the checks on ids (firings, run logs)
    owners: dict[int, tuple[str, int | None]] = field(default_factory=dict)

    def readable(self, who: str, form: str, owner: str | int | None) -> bool:
        """Whether ``who`` may read a record of ``form`` owned by ``owner`` (a username or user id) under the policy of this world."""
        role = ROLES[who]
        scope = READ_SCOPE[role].get(form, DEFAULT_SCOPE[role])
        if scope == "all":
            return True
        names = {p.id: name for name, p in self.people.items()}
        owner = names.get(owner, owner) if isinstance(owner, int) else owner
        if owner == who:
            return True
        if scope == "team":
            return MANAGERS.get(owner) == who or any(who in members and owner in members for members in TEAMS.values())
        return False

    def record_readable(self, who: str, record_id: int) -> bool:
        if record_id not in self.owners:
            self.index_records()
            self.owners.setdefault(record_id, (None, None))  # deleted or never made: no one's to read
        form, owner = self.owners.get(record_id, (None, None))
        return form is not None and self.readable(who, form, owner)

    def index_records(self) -> None:
        admin = self.people["root"].api
        for form in self.forms:
            page = 1
            while True:
                body = admin.get(f"/api/apps/crm/forms/{form}/records?page_size=500&page={page}").get_json()
                self.owners.update({r["id"]: (form, r["owner_id"]) for r in body["items"]})
                if not body.get("has_more") and page * 500 >= (body.get("total") or 0):
                    break
                page += 1

    def sentinels_for(self, who: str) -> list[Sentinel]:
        if who == ANONYMOUS:
            return self.all_sentinels()
        role = ROLES[who]
        out = [text_sentinel("webhook URL key", SECRET_URL_KEY), text_sentinel("webhook signing secret", SECRET_SIGNING),
               text_sentinel("robot token", SECRET_ROBOT_TOKEN), text_sentinel("robot signing secret", SECRET_ROBOT_SIGN),
               ]
        if who != "oscar":  # oscar's own file and upload
            out += [text_sentinel("another user's import file", IMPORT_ONLY), text_sentinel("another user's upload", UPLOAD_ONLY)]
        if role in ("member", "viewer", "ops"):  # customer phone is hidden from all three
            out += [phone_sentinel("ann's customer phone", PHONE_ANN), phone_sentinel("oscar's customer phone", PHONE_OUT),
                    phone_sentinel("bob's customer phone", PHONE_BOB), phone_sentinel("bella's customer phone", PHONE_BELLA)]
        for form, owner, _ in self.planted:
            if not self.readable(who, form, owner):
                s = text_sentinel(f"{owner}'s {form} (out of scope)", owned_text(owner, form))
                if s.name not in {x.name for x in out}:
                    out.append(s)
        if role == "member":  # opportunity amount is hidden from members: every owner's amounts and what derives from them
            for owner in ("ann", "oscar"):
                out += [amount_sentinel(f"{owner}'s opportunity amount or derived value {a}", a) for a in amount_sentinels(owner)]
        return out

    def all_sentinels(self) -> list[Sentinel]:
        """Every planted value: what a caller who is not signed in must never receive."""
        out = {x.name: x for who in ("ann", "oscar", "vic") for x in self.sentinels_for(who)}
        for form, owner, _ in self.planted:
            out.setdefault(f"{owner}'s {form}", text_sentinel(f"{owner}'s {form}", owned_text(owner, form)))
        return list(out.values())

    def secret_sentinels(self) -> list[Sentinel]:
        """The workflow secrets: write-only, never returned to anyone, admins included."""
        return [s for s in self.sentinels_for("vic") if "secret" in s.name or "key" in s.name or "token" in s.name]

    def ids(self, form: str | None = None) -> list[int]:
        return [rid for f, _, rid in self.planted if form is None or f == form]

    def record(self, form: str, owner: str) -> int:
        return next(rid for f, o, rid in self.planted if f == form and o == owner)


def sign_in(app, username: str):
    """A test client signed in through the sign-in page (a browser session cookie)."""
    client = app.test_client()
    page = client.get("/login")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 302, (username, response.status_code)
    return client


class Receiver:
    """A real local HTTP server recording what the webhook and robot senders send (path with query, headers, body)."""

    def __init__(self):
        import threading

        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        self.calls: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=Quiet)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        self.calls.append({"path": request.full_path, "headers": dict(request.headers), "body": request.get_data()})
        return Response('{"errcode": 0}', mimetype="application/json")(environ, start_response)

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()


def _sentinel_workflow(host: str) -> dict:
    """A published workflow whose steps hold every kind of secret, notifying a customer's owner on each save."""
    hook = f"http://{host}/hook?key={SECRET_URL_KEY}"
    robot = f"http://{host}/robot/send?access_token={SECRET_ROBOT_TOKEN}"
    return {
        "key": "sentinel_watch", "label": "Tell the owner about a customer", "form": "customer",
        "trigger": {"type": "record_event", "on": ["created", "updated"]},
        "steps": [
            {"id": "tell_owner", "type": "notify", "to": [{"owner": True}], "cc": [{"manager_of": "owner"}],
             "channels": ["inbox", "webhook", "dingtalk"],
             "channel_config": {"webhook": {"url": hook, "secret": SECRET_SIGNING},
                                "dingtalk": {"url": robot, "secret": SECRET_ROBOT_SIGN}},
             "message": {"subject": "Customer {{ record.name }}", "body": "{{ record.name }} phone {{ record.phone }} won {{ record.won_amount }}"}},
            {"id": "hook", "type": "webhook", "url": hook},
        ],
    }


#: notification templates rendering hidden and derived values, on the forms that hold or reference them
PROBE_TEMPLATES = {
    "probe_customer": ("customer", "{{ record.name }} {{ record.phone }}",
                       "{{ record.name }} {{ record.phone }} {{ record.won_amount }} {{ record.remarks }} {{ record.address }}"),
    "probe_follow_up": ("follow_up", "{{ record.customer.name }} {{ record.customer.phone }}",
                        "{{ record.phone }} {{ record.customer.phone }} {{ record.customer.won_amount }} {{ record.content }}"),
    "probe_opportunity": ("opportunity", "{{ record.name }} {{ record.amount }}",
                          "{{ record.amount }} {{ record.weighted_amount }} {{ record.customer.phone }} {{ record.customer.won_amount }}"
                          " {{ record.notes }}"),
    "probe_contract": ("contract", "{{ record.title }} {{ record.customer.phone }}",
                       "{{ record.title }} {{ record.notes }} {{ record.customer.phone }} {{ record.opportunity.amount }}"),
}

#: a dashboard whose charts aggregate and group by the hidden and derived fields
PROBE_DASHBOARD = {
    "key": "probe", "label": "Probe",
    "charts": [
        {"key": "amount_sum", "type": "number", "title": "sum", "form": "opportunity", "aggregate": {"op": "sum", "field": "amount"}},
        {"key": "amount_max", "type": "number", "title": "max", "form": "opportunity", "aggregate": {"op": "max", "field": "amount"}},
        {"key": "weighted_sum", "type": "number", "title": "wsum", "form": "opportunity",
         "aggregate": {"op": "sum", "field": "weighted_amount"}},
        {"key": "weighted_max", "type": "number", "title": "wmax", "form": "opportunity",
         "aggregate": {"op": "max", "field": "weighted_amount"}},
        {"key": "won_max", "type": "number", "title": "won", "form": "customer", "aggregate": {"op": "max", "field": "won_amount"}},
        {"key": "by_amount", "type": "table", "title": "by amount", "form": "opportunity", "group_by": {"field": "amount"}},
        {"key": "by_phone", "type": "table", "title": "by phone", "form": "customer", "group_by": {"field": "phone"}},
        {"key": "by_follow_up_phone", "type": "table", "title": "by phone", "form": "follow_up", "group_by": {"field": "phone"}},
    ],
}


def _ok(response) -> dict:
    assert response.status_code < 300, (response.request.method, response.request.path, response.get_data(as_text=True)[:500])
    return response.get_json(silent=True) or {}


def _create(rt, form: str, data: dict, owner: Person) -> int:
    return record_service.create_record(rt, Actor.system(), "crm", form, data, owner_id=owner.id)["id"]


def build(app) -> World:
    """The world, ready to walk: CRM, demo data, grants, planted records, workflow, templates, dashboard, an import, an upload,
    inbox messages after the scheduler ran."""
    from engine import demo
    from engine.imports import jobs
    from engine.scheduler import tick
    from engine.services import app_templates, web_forms

    rt = app.extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = [HOOK_NETWORK]
    system = Actor.system()
    people: dict[str, Person] = {}
    for username, role in ROLES.items():
        u = users.create_user(rt, system, username, password=PASSWORD, display_name=username.title(), roles=[role], check=False)
        actor = Actor(u["id"], f"user:{u['id']}", frozenset([role]))
        token = credentials.create_token(rt, actor, "sentinel")["token"]
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        people[username] = Person(username, role, u["id"], actor, token, api)
    root = people["root"].actor
    for key, members in TEAMS.items():
        users.create_team(rt, root, key, key.replace("_", " ").title(), [people[m].id for m in members])
    for report, manager in MANAGERS.items():
        users.update_user(rt, root, people[report].id, {"manager_id": people[manager].id})

    app_templates.install_template(rt, system, "crm")
    demo.generate(rt, customers=DEMO_CUSTOMERS, seed=18)
    permissions.set_grant(rt, root, "crm", "customer", "member", {
        "create": True, "read": "team", "update": "own", "delete": "own", "fields": {"phone": "hidden"}})
    for role in ("viewer", "ops"):
        permissions.set_grant(rt, root, "crm", "customer", role, {
            "create": False, "read": "all", "update": "none", "delete": "none", "fields": {"phone": "hidden"}})
    permissions.set_grant(rt, root, "crm", "opportunity", "member", {
        "create": True, "read": "own", "update": "own", "delete": "own", "fields": {"amount": "hidden"}})

    world = World(app=app, rt=rt, people=people, receiver=Receiver())
    admin = people["root"].api
    wf = _sentinel_workflow(world.receiver.host)
    _ok(admin.post("/api/apps/crm/workflows", json=wf))
    _ok(admin.post(f"/api/apps/crm/workflows/{wf['key']}/publish"))

    # planted records: each owner's text in every form, hidden phones and amounts
    plant = world.planted
    for owner, phone in (("ann", PHONE_ANN), ("bob", PHONE_BOB), ("oscar", PHONE_OUT)):
        p = people[owner]
        text = lambda form: owned_text(owner, form)  # noqa: E731
        cust = _create(rt, "customer", {"name": text("customer"), "phone": phone, "remarks": text("customer"),
                                        "address": text("customer"), "industry": "it", "need": "clear", "owner": p.id}, p)
        plant.append(("customer", owner, cust))
        contact = _create(rt, "contact", {"name": text("contact"), "customer": cust, "notes": text("contact")}, p)
        plant.append(("contact", owner, contact))
        if owner == "ann":
            opps = [("won", AMOUNT_ANN_WON), ("negotiation", AMOUNT_ANN_OPEN)]
        elif owner == "oscar":
            opps = [("proposal", AMOUNT_OUT_OPEN)]
        else:
            opps = [("initial", Decimal("100.00"))]
        opp_ids = []
        for stage, amount in opps:
            data = {"name": text("opportunity"), "customer": cust, "stage": stage, "amount": str(amount), "notes": text("opportunity")}
            if stage == "won":
                data["closed_on"] = "2026-03-01"
            opp_ids.append(_create(rt, "opportunity", data, p))
            plant.append(("opportunity", owner, opp_ids[-1]))
        follow = _create(rt, "follow_up", {"customer": cust, "opportunity": opp_ids[0], "method": "call", "content": text("follow_up"),
                                           "followed_at": "2026-03-08T02:00:00Z", "enable_reminder": True,
                                           "next_follow_up": "2026-03-09T06:00:00Z"}, p)
        plant.append(("follow_up", owner, follow))
        ticket = _create(rt, "service_ticket", {"customer": cust, "contact": contact, "subject": text("service_ticket"),
                                                "description": text("service_ticket"), "priority": "high",
                                                "due_at": "2026-03-09T08:00:00Z"}, p)
        plant.append(("service_ticket", owner, ticket))
        contract = _create(rt, "contract", {"title": text("contract"), "customer": cust, "opportunity": opp_ids[0], "amount": "1000.00",
                                            "signed_on": "2026-01-01", "start_on": "2026-01-01", "end_on": "2026-03-20", "status": "active",
                                            "renewal_owner": p.id, "notes": text("contract")}, p)
        plant.append(("contract", owner, contract))
    # bella's customer: its messages go to bella and, copied, to her manager ann (not planted as out of scope text: a workflow's
    # publisher chooses whom it tells; only the phone ann's role hides is a sentinel)
    world.extra.append(("customer", _create(rt, "customer", {"name": "Bella Trading", "phone": PHONE_BELLA}, people["bella"])))

    # the reminders the follow-ups' automation made (owned by nobody: readable only with "all" scope)
    from engine.services import queries

    follow_ups = set(world.ids("follow_up"))
    listed = queries.list_records(rt, system, "crm", "follow_up_reminder", queries.Query(page_size=500))["items"]
    world.extra += [("follow_up_reminder", r["id"]) for r in listed if r["data"].get("follow_up") in follow_ups]

    for key, (form, subject, body) in PROBE_TEMPLATES.items():
        _ok(admin.post("/api/apps/crm/notification-templates", json={
            "key": key, "form": form, "label": key, "content": {"default": {"subject": subject, "body": body}}}))
    _ok(admin.post("/api/apps/crm/dashboards", json=PROBE_DASHBOARD))
    world.template_keys = [t["key"] for t in _ok(admin.get("/api/apps/crm/notification-templates"))["items"]]
    world.dashboard_keys = [d["key"] for d in _ok(admin.get("/api/apps/crm/dashboards"))["items"]]
    world.workflow_keys = [w["key"] for w in _ok(admin.get("/api/apps/crm/workflows"))["items"]]
    world.forms = [f["key"] for f in _ok(admin.get("/api/apps/crm"))["forms"]]

    # oscar's import (a row naming a text found nowhere else) and upload
    oscar = people["oscar"]
    csv_bytes = f"name,phone,remarks\n{IMPORT_ONLY} Ltd,+86 137 0000 1111,{IMPORT_ONLY}\n".encode()
    job = jobs.create_job(rt, oscar.actor, "crm", "customer", "oscar.csv", csv_bytes)
    jobs.preview(rt, oscar.actor, "crm", "customer", job["id"])
    world.import_jobs.append(("customer", job["id"]))
    up = oscar.api.post("/api/attachments", data={"file": (io.BytesIO(f"{UPLOAD_ONLY}\n".encode()), "oscar.txt")},
                        content_type="multipart/form-data")
    assert up.status_code in (200, 201), up.get_data(as_text=True)
    body = up.get_json()
    items = body.get("items") or body.get("files") or ([body] if "id" in body else [])
    world.attachment_ids = [i["id"] for i in items]
    public = web_forms.create_web_form(rt, root, "crm", "customer")
    world.web_form_ids, world.web_form_tokens = [public["id"]], [public["token"]]
    world.token_ids = [credentials.create_token(rt, people["root"].actor, "spare")["id"]]

    # the scheduler runs: record-event firings, reminders due, messages delivered to the inboxes
    clock = rt.clock
    for at in ("2026-03-09T00:05:00Z", "2026-03-09T06:00:00Z", "2026-03-13T02:00:00Z"):
        clock.set(at)
        tick(rt)
    for who in ("ann", "oscar", "vic", "otto"):
        page = people[who].api.get("/api/inbox?page_size=100").get_json()
        world.message_ids += [m["id"] for m in page.get("items", [])]
    for username in WALKERS:
        people[username].browser = sign_in(app, username)
    people[ANONYMOUS] = Person(ANONYMOUS, ANONYMOUS, 0, Actor(None, "anonymous", frozenset()), "", app.test_client(), app.test_client())
    world.index_records()
    return world
