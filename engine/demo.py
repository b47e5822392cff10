"""Demo data: believable customers, contacts, opportunities, follow-ups and reminders for the CRM template,
plus service categories, service tickets and contracts when the installed template has those forms.

Everything is written through the record service, so serial numbers, rules,
automations and the duplicate check apply exactly as for a user; a private
clock walks through the past year so records, serials and reminders are
spread over time. Faker writes Chinese and English data from one seed, so the
same seed gives the same data.
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from engine.clock import FrozenClock, utc_iso
from engine.dedup import DuplicateRecord
from engine.runtime import Actor, Runtime
from engine.storage.tables import users
from engine.services import forms as form_service, records as record_service, users as user_service
from engine.services.form_lookup import compiled_form
from faker import Faker

#: records written per transaction
BATCH_SIZE = 50
#: how far back the demo history reaches
HISTORY_DAYS = 365
#: attempts at a fresh name/phone when a generated customer is refused as a duplicate
DUPLICATE_RETRIES = 5
#: the demo sales team: (username, display name, manager username)
SALES_TEAM = (
    ("demo_manager_wang", "王经理", None), ("demo_manager_smith", "Alex Smith", None),
    ("demo_sales_li", "李娜", "demo_manager_wang"), ("demo_sales_zhang", "张伟", "demo_manager_wang"),
    ("demo_sales_chen", "陈静", "demo_manager_wang"), ("demo_sales_liu", "刘洋", "demo_manager_wang"),
    ("demo_sales_jones", "Sam Jones", "demo_manager_smith"), ("demo_sales_garcia", "Maria Garcia", "demo_manager_smith"),
)
INDUSTRIES = ["manufacturing", "it", "retail", "finance", "education", "healthcare", "other"]
SOURCES = ["web_form", "social", "email", "phone", "offline_event"]
REGIONS = ["north", "east", "south", "central", "southwest", "northwest", "northeast", "overseas"]
STAGES = ["initial", "needs", "proposal", "negotiation", "won", "lost"]
METHODS = ["call", "visit", "wechat", "email"]
RESULTS = ["interested", "considering", "not_interested", "deal"]
ZH_NOTES = ["客户对产品功能很感兴趣，希望下周安排现场演示。", "已发送报价单，客户需要内部审批。", "电话沟通了采购计划，预算在评估中。",
            "拜访客户总部，与IT负责人讨论了对接方案。", "客户反馈价格偏高，需要准备优惠方案。", "微信跟进，客户表示下月启动项目。"]
EN_NOTES = ["Walked the buyer through the demo; they want a trial next week.", "Sent the quote, waiting for their budget approval.",
            "Call with procurement about the rollout plan and timeline.", "Visited the plant, discussed integration with their ERP.",
            "They asked for a discount on the annual plan.", "Follow-up email with the case studies they asked for."]


@dataclasses.dataclass
class DemoResult:
    customers: int = 0
    contacts: int = 0
    opportunities: int = 0
    follow_ups: int = 0
    reminders: int = 0
    service_tickets: int = 0
    contracts: int = 0
    refused_duplicates: int = 0
    users: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


#: demo users who work from London (English locale); the rest are in Shanghai
LONDON = frozenset({"demo_manager_smith", "demo_sales_jones", "demo_sales_garcia"})


def ensure_sales_team(rt: Runtime) -> dict[str, int]:
    """The demo users (sales people with their managers), made through the users service; created once, reused after."""

    ids: dict[str, int] = {}
    for username, display, manager in SALES_TEAM:
        with rt.db.read() as conn:
            uid = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
        if uid is None:
            uid = user_service.create_user(
                rt, Actor.system(), username, display_name=display, email=f"{username}@demo.formflow.dev",
                roles=["member"], manager_id=ids.get(manager), timezone="Europe/London" if username in LONDON else "Asia/Shanghai",
                locale="en" if username in LONDON else "zh-CN", check=False)["id"]
        ids[username] = uid
    return ids


def generate(rt: Runtime, actor: Actor | None = None, *, customers: int = 1000, seed: int = 2026, app_key: str = "crm",
             progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Add ``customers`` customers with their contacts, opportunities, follow-ups and reminders to the CRM app."""


    actor = actor or Actor.system()
    rng = random.Random(seed)
    fake = Faker(["zh_CN", "en_US"])
    fake.seed_instance(seed)
    team = ensure_sales_team(rt)
    sales = [uid for name, uid in team.items() if name.startswith("demo_sales")]
    result = DemoResult(users=len(team))
    real_now = rt.clock.now()
    start = real_now - timedelta(days=HISTORY_DAYS)
    # customers arrive over the year, in time order, so serials (KH-<date>-0001...) read naturally
    arrivals = sorted(start + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400)) for _ in range(customers))
    clock = FrozenClock(start)
    demo_rt = dataclasses.replace(rt, clock=clock)

    def create(conn, form_key: str, data: dict, owner: int | None, when: datetime) -> dict | None:
        clock.set(min(when, real_now))
        try:
            with conn.begin_nested():
                return record_service.create_record(demo_rt, actor, app_key, form_key, data, owner_id=owner, conn=conn)
        except DuplicateRecord:
            result.refused_duplicates += 1
            return None

    automated = _reminders_automated(rt, app_key)
    made: list[int] = []  # customers created by this run, for the tickets and contracts

    def create_customer(conn, form_key, data, owner, when):
        rec = create(conn, form_key, data, owner, when)
        if rec and form_key == "customer":
            made.append(rec["id"])
        return rec

    done = 0
    while done < customers:
        with rt.db.transaction() as conn:
            for when in arrivals[done:done + BATCH_SIZE]:
                _one_customer(conn, create_customer, fake, rng, sales, when, real_now, result, automated)
        done = min(customers, done + BATCH_SIZE)
        if progress:
            progress(done, customers)
    if made and _has_forms(rt, app_key, SERVICE_FORMS):
        with rt.db.transaction() as conn:  # its own random stream: the customers above stay what they were for a seed
            _service_and_contracts(conn, create, random.Random(seed + 1), sales, made, real_now, result)
    return result


#: forms of template 1.1 the demo fills when they are installed
SERVICE_FORMS = ("service_category", "service_ticket", "contract")
#: demo service categories: (name, kind)
SERVICE_CATEGORIES = (("安装 / Installation", "installation"), ("维修 / Repair", "repair"),
                      ("投诉 / Complaint", "complaint"), ("咨询 / Consultation", "consultation"))
TICKET_SUBJECTS = ("设备安装调试", "系统无法登录", "发票开具咨询", "售后响应慢", "Printer driver setup", "Data export fails",
                   "Licence renewal question", "现场维修申请")


def _has_forms(rt: Runtime, app_key: str, keys: tuple[str, ...]) -> bool:

    have = {f["key"] for f in form_service.get_app(rt, app_key)["forms"] if f.get("published_version")}
    return set(keys) <= have


def _service_and_contracts(conn, create, rng: random.Random, sales: list[int], customers: list[int], now: datetime,
                           result: DemoResult) -> None:
    """Categories with a handler each, then tickets over the last 60 days (old ones resolved) and a contract for about
    a quarter of the customers (signed over the past year, active for a year, so some come up for renewal)."""
    start = now - timedelta(days=HISTORY_DAYS)
    categories = [c["id"] for name, kind in SERVICE_CATEGORIES
                  if (c := create(conn, "service_category", {"name": name, "kind": kind, "handler": rng.choice(sales)}, None, start))]
    for _ in range(max(1, len(customers) // 4)):
        opened = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 60))
        data = {"customer": rng.choice(customers), "subject": rng.choice(TICKET_SUBJECTS),
                "priority": rng.choices(["low", "normal", "high", "urgent"], weights=[20, 50, 20, 10])[0],
                "category": rng.choice(categories) if categories else None}
        if opened < now - timedelta(days=3) and rng.random() < 0.8:
            data.update(status=rng.choice(["resolved", "closed"]), resolution="已处理 / handled on site")
        result.service_tickets += create(conn, "service_ticket", data, rng.choice(sales), opened) is not None
    for cid in rng.sample(customers, max(1, len(customers) // 4)):
        signed = start + timedelta(days=rng.randrange(0, HISTORY_DAYS))
        begins = signed.date() + timedelta(days=rng.randrange(0, 15))
        ends = begins + timedelta(days=365)
        data = {"title": rng.choice(["年度服务合同", "软件许可合同", "Annual support", "Subscription"]), "customer": cid,
                "amount": f"{rng.choice([3, 6, 12, 24, 48]) * 10000}.00", "signed_on": signed.date().isoformat(),
                "start_on": begins.isoformat(), "end_on": ends.isoformat(), "status": "active" if ends > now.date() else "expired"}
        result.contracts += create(conn, "contract", data, rng.choice(sales), signed) is not None


def _one_customer(conn, create, fake, rng: random.Random, sales: list[int], when: datetime, now: datetime, result: DemoResult,
                  automated: bool) -> None:
    zh = rng.random() < 0.7
    loc = fake["zh_CN"] if zh else fake["en_US"]
    owner = rng.choice(sales)
    industry = rng.choices(INDUSTRIES, weights=[25, 20, 15, 10, 10, 10, 10])[0]
    customer = None
    for _ in range(DUPLICATE_RETRIES):
        data = {"name": _company_name(loc, rng, zh), "industry": industry, "source": rng.choice(SOURCES),
                "level": rng.choices(["key", "main", "ordinary"], weights=[10, 30, 60])[0],
                "need": rng.choices(["clear", "vague", "none"], weights=[30, 45, 25])[0], "owner": owner,
                "phone": _mobile(rng), "email": loc.company_email(),
                "region": rng.choice(REGIONS[:-1]) if zh else rng.choice(["overseas", "east", "south"]),
                "address": loc.address().replace("\n", ", ")}
        customer = create(conn, "customer", data, owner, when)
        if customer:
            break
    if customer is None:
        return
    result.customers += 1
    cid = customer["id"]
    for i in range(rng.choices([1, 2, 3], weights=[65, 28, 7])[0]):
        contact = create(conn, "contact", {"name": loc.name(), "title": loc.job()[:100], "customer": cid, "phone": _mobile(rng),
                                           "email": loc.email(), "is_primary": i == 0}, owner, when + timedelta(minutes=5 + i))
        result.contacts += contact is not None
    opportunities = []
    for _ in range(rng.choices([0, 1, 2, 3], weights=[35, 45, 15, 5])[0]):
        opened = when + timedelta(days=rng.randrange(0, 60))
        if opened >= now:
            break
        stage = rng.choices(STAGES, weights=[15, 15, 15, 10, 30, 15])[0]
        closed = opened + timedelta(days=rng.randrange(7, 120))
        data = {"name": f"{loc.catch_phrase() if not zh else rng.choice(['ERP', 'CRM', 'MES', '数据平台', '云服务', '培训'])}"[:60]
                        + (" 项目" if zh else " deal"),
                "customer": cid, "stage": stage, "amount": f"{rng.choice([2, 5, 8, 12, 20, 35, 50, 80, 120]) * 1000 + rng.randrange(0, 999)}.00",
                "expected_close": closed.date().isoformat(), "owner": owner}
        if stage == "won" and closed < now:
            data["closed_on"] = closed.date().isoformat()
        opp = create(conn, "opportunity", data, owner, opened)
        if opp:
            result.opportunities += 1
            opportunities.append(opp["id"])
    at = when + timedelta(hours=rng.randrange(2, 72))
    for _ in range(rng.choices([1, 2, 3, 4, 5], weights=[30, 35, 20, 10, 5])[0]):
        if at >= now:
            break
        method = rng.choice(METHODS)
        remind = rng.random() < 0.35
        next_time = at + timedelta(days=rng.randrange(1, 21), hours=rng.randrange(0, 8))
        data = {"customer": cid, "method": method, "followed_at": utc_iso(at), "owner": owner,
                "content": rng.choice(ZH_NOTES if zh else EN_NOTES), "result": rng.choice(RESULTS), "enable_reminder": remind}
        if opportunities and rng.random() < 0.6:
            data["opportunity"] = rng.choice(opportunities)
        if remind:
            data["next_follow_up"] = utc_iso(next_time)
        follow_up = create(conn, "follow_up", data, owner, at)
        if follow_up:
            result.follow_ups += 1
            if remind:
                result.reminders += _ensure_reminder(conn, create, automated, follow_up, cid, owner, next_time, now, zh, at)
        at = at + timedelta(days=rng.randrange(3, 45))


def _ensure_reminder(conn, create, automated: bool, follow_up: dict, customer_id: int, owner: int, remind_at: datetime,
                     now: datetime, zh: bool, at: datetime) -> int:
    """The follow-up's reminder: the template's automation creates it; without one, the demo does (never both)."""
    if automated:
        return 1
    content = "按计划回访客户" if zh else "Follow up with the customer as planned"
    reminder = create(conn, "follow_up_reminder", {"customer": customer_id, "owner": owner, "remind_at": utc_iso(remind_at),
                                                   "content": content, "status": "done" if remind_at < now else "pending",
                                                   "follow_up": follow_up["id"]}, owner, at)
    return 1 if reminder else 0


def _reminders_automated(rt: Runtime, app_key: str) -> bool:
    """Whether the published follow-up form creates its reminder by itself (the template's automation)."""

    with rt.db.read() as conn:
        definition = compiled_form(rt, conn, app_key, "follow_up").definition
    return any((a.get("action") or {}).get("type") == "create_record" and (a.get("action") or {}).get("form") == "follow_up_reminder"
               and a.get("enabled") is not False for a in definition.get("automations") or [])


#: what Chinese demo companies do (Faker's zh_CN company names alone repeat after a few hundred)
ZH_TRADES = ("科技", "信息", "电子", "机械", "贸易", "医药", "教育", "实业", "物流", "食品", "环保", "建材", "软件", "咨询")


def _company_name(loc, rng: random.Random, zh: bool) -> str:
    if zh:
        return f"{loc.city_name()}{loc.company_prefix()}{rng.choice(ZH_TRADES)}{rng.choice(['有限公司', '股份有限公司', '集团有限公司'])}"
    return loc.company()


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice([3, 5, 7, 8, 9])}{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"
