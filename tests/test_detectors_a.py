"""Checklist detectors for items 1-10 on tables of small snippets.

Each case is (source, expected (item, line) pairs for items 1-10). An empty
expectation is a correct look-alike that must stay quiet.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from archreview.checklist.items import declared_rules, load_checklist
from archreview.checklist.detectors import file_findings


def found(source: str, path: str = "app/service.py", items: range = range(1, 11)) -> set[tuple[int, int]]:
    text = textwrap.dedent(source).lstrip("\n")
    return {(f.item, f.line) for f in file_findings(path, ast.parse(text), text) if f.item in items}


def one(item: int):
    return range(item, item + 1)


TIMEOUTS = [
    ("import requests\nrequests.get(url)\n", {(1, 2)}),
    ("import requests\nrequests.post(url, json=body, timeout=5)\n", set()),
    ("import requests\nrequests.post(url, timeout=None)\n", {(1, 2)}),
    ("import requests as r\nr.put(url, data=x)\n", {(1, 2)}),
    ("import requests\nrequests.get(url, **opts)\n", set()),
    ("import requests\ns = requests.Session()\ns.get(url)\n", {(1, 3)}),
    ("import requests\ns = requests.Session()\ns.get(url, timeout=3)\n", set()),
    ("import httpx\nhttpx.get(url)\n", set()),  # httpx defaults to 5 s
    ("import httpx\nc = httpx.Client(timeout=None)\nhttpx.get(url, timeout=None)\n", {(1, 3)}),
    ("import httpx\nwith httpx.Client(timeout=10) as c:\n    c.post(url)\n", set()),
    ("from urllib.request import urlopen\nurlopen(url)\n", {(1, 2)}),
    ("from urllib.request import urlopen\nurlopen(url, None, 10)\n", set()),
    ("import urllib3\np = urllib3.PoolManager()\np.request('GET', url)\n", {(1, 3)}),
    ("import smtplib\nsmtplib.SMTP('mail', 25)\n", {(1, 2)}),
    ("import smtplib\nsmtplib.SMTP('mail', 25, timeout=10)\n", set()),
    (
        """
        import requests
        class Client:
            def __init__(self):
                self.http = requests.Session()
            def fetch(self, url):
                return self.http.get(url)
        """,
        {(1, 6)},
    ),
]


@pytest.mark.parametrize(("source", "expected"), TIMEOUTS)
def test_timeouts(source: str, expected: set) -> None:
    assert found(source, items=one(1)) == expected


RETRIES = [
    (
        """
        from tenacity import retry
        import requests
        @retry
        def charge(card):
            return requests.post(URL, json={"card": card}, timeout=5)
        """,
        {(2, 5)},
    ),
    (
        """
        from tenacity import retry
        import requests
        @retry
        def charge(card, key):
            return requests.post(URL, json={"card": card}, headers={"Idempotency-Key": key}, timeout=5)
        """,
        set(),
    ),
    (
        """
        import backoff, requests
        @backoff.on_exception(backoff.expo, Exception)
        def status(ref):
            return requests.get(URL + ref, timeout=5)
        """,
        set(),
    ),
    (
        """
        import time
        def notify(user):
            for attempt in range(3):
                try:
                    send_email(user.email)
                    return
                except OSError:
                    time.sleep(attempt)
        """,
        {(2, 5)},
    ),
    (
        """
        def notify_all(users):
            for user in users:
                try:
                    send_email(user.email)
                except OSError:
                    log.warning("failed")
        """,
        set(),  # a loop over items, not a retry
    ),
    (
        """
        import requests
        from celery import shared_task
        @shared_task(autoretry_for=(Exception,))
        def sync(order_id):
            requests.put(URL, json={"id": order_id}, timeout=5)
        """,
        set(),  # PUT is idempotent
    ),
    (
        """
        from celery import shared_task
        @shared_task(bind=True)
        def pay(self, order_id):
            try:
                gateway.capture_payment(order_id)
            except IOError as exc:
                raise self.retry(exc=exc)
        """,
        {(2, 5)},
    ),
    (
        """
        from urllib3.util.retry import Retry
        r = Retry(total=3, allowed_methods=["GET", "POST"])
        """,
        {(2, 2)},
    ),
]


@pytest.mark.parametrize(("source", "expected"), RETRIES)
def test_retries(source: str, expected: set) -> None:
    assert found(source, items=one(2)) == expected


SWALLOWED = [
    ("try:\n    send()\nexcept Exception:\n    pass\n", {(3, 3)}),
    ("try:\n    send()\nexcept Exception as exc:\n    errors.append(exc)\n", set()),  # the error is kept
    ("def f():\n    try:\n        send()\n    except Exception:\n        return None\n", {(3, 4)}),
    ("def f():\n    try:\n        send()\n    except Exception:\n        log.exception('x')\n        raise\n", set()),
    ("def f():\n    try:\n        send()\n    except Exception:\n        logger.debug('x')\n", {(3, 4)}),
    ("def f():\n    try:\n        send()\n    except Exception as e:\n        logger.error('failed: %s', e)\n", set()),
    ("def f(d):\n    try:\n        return d['k']\n    except KeyError:\n        return None\n", set()),
    ("def f():\n    try:\n        post()\n    except requests.ConnectionError:\n        pass\n", {(3, 4)}),
    ("try:\n    import ujson as json\nexcept Exception:\n    pass\n", set()),
    ("class C:\n    def __del__(self):\n        try:\n            self.close()\n        except Exception:\n            pass\n", set()),
    ("import contextlib\nwith contextlib.suppress(Exception):\n    charge()\n", {(3, 2)}),
    ("import contextlib\nwith contextlib.suppress(FileNotFoundError):\n    os.remove(p)\n", set()),
    ("for x in xs:\n    try:\n        handle(x)\n    except Exception:\n        continue\n", {(3, 4)}),
]


@pytest.mark.parametrize(("source", "expected"), SWALLOWED)
def test_swallowed_errors(source: str, expected: set) -> None:
    assert found(source, items=one(3)) == expected


DUAL_WRITES = [
    ("def f(o):\n    db.session.commit()\n    publish('paid', o.id)\n", {(4, 3)}),
    ("def f(o):\n    producer.send('t', o)\n    session.commit()\n", {(4, 2)}),
    ("def f(o):\n    session.add(Outbox(topic='t', payload=o))\n    session.commit()\n", set()),
    ("def f(o):\n    session.commit()\n    return requests.get(URL, timeout=3)\n", set()),  # a read
    (
        "from django.db import transaction\ndef f(o):\n    o.save()\n    transaction.on_commit(lambda: send_mail('s', 'b', 'a', [o.email]))\n",
        set(),
    ),
    ("from django.core.mail import send_mail\ndef f(o):\n    o.save()\n    send_mail('s', 'b', 'a', [o.email])\n", {(4, 4)}),
    (
        "def f(o):\n    try:\n        charge_card(o)\n    except Exception:\n        session.rollback()\n        raise\n    session.commit()\n",
        set(),  # compensated
    ),
    ("def f(o):\n    publish('x', o)\n", set()),  # no database write in sight
    ("def f(o):\n    db.session.commit()\n    create_payment(order=o)\n", set()),  # a local row, not the provider
    ("import stripe\ndef f(o):\n    db.session.commit()\n    stripe.PaymentIntent.create(amount=1)\n", {(4, 4)}),
    ("def f(o):\n    db.session.commit()\n    return SendConfirmationEmail()\n", set()),  # building a value
    ("def sync_task(n):\n    Item.objects.filter(n=n).update(done=True)\n    sync_task.delay(n + 1)\n", set()),  # reschedules itself
]


@pytest.mark.parametrize(("source", "expected"), DUAL_WRITES)
def test_dual_writes(source: str, expected: set) -> None:
    assert found(source, items=one(4)) == expected


RACES = [
    ("def f(i, n):\n    a = Account.query.get(i)\n    a.balance -= n\n    db.session.commit()\n", {(5, 3)}),
    ("def f(i, n):\n    a = Account.query.filter_by(id=i).with_for_update().one()\n    a.balance -= n\n    db.session.commit()\n", set()),
    ("def f(i, n):\n    a = Account.objects.select_for_update().get(pk=i)\n    a.balance -= n\n    a.save()\n", set()),
    ("def f(i, n):\n    Account.objects.filter(pk=i).update(balance=F('balance') - n)\n", set()),
    ("def f(i, n):\n    a = Account.objects.get(pk=i)\n    a.balance = a.balance + n\n    a.save()\n", {(5, 3)}),
    ("def f(i, n):\n    a = Account.objects.get(pk=i)\n    a.name = n\n    a.save()\n", set()),  # no arithmetic on the old value
    ("async def f(s, i):\n    it = await s.get(Item, i)\n    it.qty += 1\n    await s.commit()\n", {(5, 3)}),
    ("def f(items):\n    total = Totals()\n    total.count += 1\n", set()),  # not loaded from the database
]


@pytest.mark.parametrize(("source", "expected"), RACES)
def test_read_modify_write(source: str, expected: set) -> None:
    assert found(source, items=one(5)) == expected


STATE = [
    ("CACHE = {}\ndef get(k):\n    CACHE[k] = load(k)\n", {(6, 1)}),
    ("SEEN = set()\ndef mark(k):\n    SEEN.add(k)\n", {(6, 1)}),
    ("UNITS = ('kg', 'm')\ndef f():\n    return UNITS\n", set()),
    ("DEFAULTS = {'a': 1}\ndef f():\n    return dict(DEFAULTS)\n", set()),  # read only
    ("counter = 0\ndef hit():\n    global counter\n    counter += 1\n", {(6, 1)}),
    ("REGISTRY = {}\ndef register(cls):\n    REGISTRY[cls.__name__] = cls\n    return cls\n", set()),
    ("import threading\n_lock = threading.Lock()\nC = {}\ndef put(k, v):\n    with _lock:\n        C[k] = v\n", set()),
    ("items = []\ndef f():\n    items = []\n    items.append(1)\n", set()),  # a local of the same name
    ("from collections import defaultdict\nHITS = defaultdict(int)\ndef f(ip):\n    HITS[ip] += 1\n", {(6, 2)}),
]


@pytest.mark.parametrize(("source", "expected"), STATE)
def test_module_state(source: str, expected: set) -> None:
    assert found(source, items=one(6)) == expected


BLOCKING = [
    ("import time\nasync def f():\n    time.sleep(1)\n", {(7, 3)}),
    ("import asyncio\nasync def f():\n    await asyncio.sleep(1)\n", set()),
    ("import requests\nasync def f():\n    return requests.get(u, timeout=2)\n", {(7, 3)}),
    ("import httpx\nasync def f(c):\n    return await c.get(u)\n", set()),
    ("import subprocess\nasync def f():\n    subprocess.run(['ls'])\n", {(7, 3)}),
    ("import time\ndef f():\n    time.sleep(1)\n", set()),  # not async
    ("import asyncio, time\nasync def f():\n    await asyncio.to_thread(time.sleep, 1)\n", set()),
    ("async def f(session):\n    return session.query(User).all()\n", {(7, 2)}),
    ("async def f(session):\n    return (await session.execute(q)).all()\n", set()),
    ("import time\nasync def f():\n    def work():\n        time.sleep(1)\n    return work\n", set()),  # nested sync def
]


@pytest.mark.parametrize(("source", "expected"), BLOCKING)
def test_blocking_in_async(source: str, expected: set) -> None:
    assert found(source, items=one(7)) == expected


CASCADES = [
    ("children = relationship('Child', cascade='all, delete-orphan')\n", {(8, 1)}),
    ("children = relationship('Child', cascade='save-update, merge')\n", set()),
    ("parent_id = Column(ForeignKey('p.id', ondelete='CASCADE'))\n", {(8, 1)}),
    ("parent_id = Column(ForeignKey('p.id', ondelete='SET NULL'))\n", set()),
    ("from django.db import models\nclass A(models.Model):\n    o = models.ForeignKey(O, on_delete=models.CASCADE)\n", {(8, 3)}),
    ("from django.db import models\nclass A(models.Model):\n    o = models.ForeignKey(O, on_delete=models.PROTECT)\n", set()),
    ("from alembic import op\ndef upgrade():\n    op.drop_column('t', 'c')\ndef downgrade():\n    op.drop_column('t', 'd')\n", {(8, 3)}),
    ("from alembic import op\ndef upgrade():\n    op.alter_column('t', 'c', nullable=False)\n", {(8, 3)}),
    ("from alembic import op\ndef upgrade():\n    op.alter_column('t', 'c', nullable=False, server_default='0')\n", set()),
    ("from django.db import migrations\nops = [migrations.RemoveField(model_name='a', name='b')]\n", {(8, 2)}),
    ("def upgrade(cur):\n    cur.execute('DROP TABLE audit')\n", {(8, 2)}),
    ("def wipe(cur):\n    cur.execute('DROP TABLE audit')\n", set()),  # application code, not a migration
    ("def rows(cur):\n    cur.execute('SELECT * FROM audit WHERE id = %s', (1,))\n", set()),
]


@pytest.mark.parametrize(("source", "expected"), CASCADES)
def test_cascades_and_migrations(source: str, expected: set) -> None:
    assert found(source, items=one(8)) == expected


COMMITS = [
    ("def f():\n    a()\n    db.session.commit()\n    b()\n    db.session.commit()\n", {(9, 5)}),
    ("def f():\n    with db.session.begin():\n        a()\n        b()\n", set()),
    ("def f(x):\n    if x:\n        db.session.commit()\n    else:\n        db.session.commit()\n", set()),
    ("def f(x):\n    if x:\n        db.session.commit()\n        return 1\n    db.session.commit()\n", set()),
    (
        "from django.db import transaction\ndef f(o):\n    o.save()\n    Line.objects.create(order=o)\n",
        {(9, 4)},
    ),
    (
        "from django.db import transaction\n@transaction.atomic\ndef f(o):\n    o.save()\n    Line.objects.create(order=o)\n",
        set(),
    ),
    (
        "from django.db import transaction\ndef f(o):\n    with transaction.atomic():\n        o.save()\n        Line.objects.create(order=o)\n",
        set(),
    ),
    ("from django.db import transaction\ndef f(o):\n    o.save()\n    o.save()\n", set()),  # one object, saved twice
    ("from django.db import transaction\ndef f(o):\n    o.save()\n    Line.objects.create(order=o)\n    transaction.on_commit(go)\n", set()),
]


@pytest.mark.parametrize(("source", "expected"), COMMITS)
def test_multiple_commits(source: str, expected: set) -> None:
    assert found(source, items=one(9)) == expected


UNIQUE = [
    (
        "class U(db.Model):\n    email = db.Column(db.String)\n"
        "def f(e):\n    if not U.query.filter_by(email=e).first():\n        db.session.add(U(email=e))\n",
        {(10, 4)},
    ),
    (
        "class U(db.Model):\n    email = db.Column(db.String, unique=True)\n"
        "def f(e):\n    if not U.query.filter_by(email=e).first():\n        db.session.add(U(email=e))\n",
        set(),
    ),
    ("def f(e):\n    if U.objects.filter(email=e).exists():\n        return\n    U.objects.create(email=e)\n", {(10, 2)}),
    (
        "def f(e):\n    if not U.query.filter_by(email=e).first():\n        try:\n            db.session.add(U(email=e))\n"
        "            db.session.commit()\n        except IntegrityError:\n            db.session.rollback()\n",
        set(),
    ),
    ("def f(e):\n    if not U.query.filter_by(email=e).first():\n        log.info('new')\n", set()),  # no insert
    (  # the result of an awaited query held in a name, tested later
        "async def f(session, a, u):\n    existing = await session.execute(select(W).where(W.account_id == a, W.url == u))\n"
        "    if existing.scalar_one_or_none() is None:\n        session.add(W(account_id=a, url=u))\n",
        {(10, 3)},
    ),
]


@pytest.mark.parametrize(("source", "expected"), UNIQUE)
def test_check_then_insert(source: str, expected: set) -> None:
    assert found(source, items=one(10)) == expected


def test_confidence_is_lower_when_the_model_is_elsewhere() -> None:
    text = "def f(e):\n    if not U.query.filter_by(email=e).first():\n        db.session.add(U(email=e))\n"
    [finding] = [f for f in file_findings("a.py", ast.parse(text), text) if f.item == 10]
    assert finding.confidence < 0.8 and "not in this file" in finding.message


def test_test_files_are_not_production() -> None:
    source = "import requests, time\nasync def f():\n    time.sleep(1)\n    requests.get(u)\n"
    assert found(source, path="tests/test_api.py") == set()
    assert found(source, path="app/api.py") == {(1, 4), (7, 3), (7, 4)}


def test_findings_carry_message_snippet_rule_and_confidence() -> None:
    text = "import requests\ndef pay():\n    return requests.post(URL, json={})\n"
    [f] = file_findings("pay.py", ast.parse(text), text)
    assert (f.rule, f.snippet) == ("timeout.missing", "return requests.post(URL, json={})")
    assert "requests.post" in f.message and 0 < f.confidence <= 1


def test_every_registered_rule_is_listed_under_its_item() -> None:
    checklist = load_checklist()
    for rule_id, item in declared_rules().items():
        assert rule_id in checklist.item(item).detectors
