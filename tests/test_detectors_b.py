"""Items 11-19 on tables of snippets: each case names the lines that must be flagged; all others stay quiet.

A case is (path, source, item, flagged): ``flagged`` lists substrings; the lines
holding them are exactly the lines that get a finding for ``item``. An empty list
is a correct look-alike that must stay quiet.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from archreview.checklist.detectors import load, scale, security
from archreview.facts.index import FileContext

DETECTORS = (*load.DETECTORS, *security.DETECTORS, *scale.DETECTORS)


def findings(path: str, source: str):
    source = textwrap.dedent(source)
    ctx = FileContext(path, ast.parse(source), source)
    return source, [f for detector in DETECTORS for f in detector(ctx)]


def lines_with(source: str, needles: list[str]) -> set[int]:
    out = set()
    for needle in needles:
        hits = [n for n, line in enumerate(source.splitlines(), 1) if needle in line]
        assert len(hits) == 1, f"{needle!r} must name exactly one line"
        out.add(hits[0])
    return out


CASES = [
    # --- 11: N+1 -------------------------------------------------------------------
    ("app/report.py", """
        def report():
            for o in Order.query.filter_by(status="paid").all():
                print(o.customer.name)
        """, 11, ["o.customer.name"]),
    ("app/report.py", """
        def report():
            orders = Order.query.options(joinedload(Order.customer)).all()
            return [o.customer.name for o in orders]
        """, 11, []),
    ("app/report.py", """
        def report(session):
            for order in session.query(Order).all():
                lines = session.query(Line).filter(Line.order_id == order.id).all()
        """, 11, ["session.query(Line)"]),
    ("app/report.py", """
        def report(session):
            orders = session.query(Order).all()
            lines = session.query(Line).filter(Line.order_id.in_([o.id for o in orders])).all()
            return orders, lines
        """, 11, []),
    ("shop/views.py", """
        def dashboard(request):
            return [(o.pk, o.items.count()) for o in Order.objects.filter(paid=True)[:50]]
        """, 11, ["o.items.count()"]),
    ("shop/views.py", """
        def dashboard(request):
            qs = Order.objects.filter(paid=True).prefetch_related("items")[:50]
            return [(o.pk, o.items.count()) for o in qs]
        """, 11, []),
    ("shop/views.py", """
        def prices(request, skus):
            return {sku: Product.objects.get(sku=sku).price for sku in skus}
        """, 11, ["Product.objects.get"]),
    ("shop/views.py", """
        def totals():
            for o in Order.objects.all().values("id", "customer__name"):
                print(o["id"], o.get("customer__name"))
            for o in Order.objects.all():
                print(o.created.isoformat(), o.customer_id)
        """, 11, []),
    # --- 12: unbounded results ------------------------------------------------------
    ("app/api.py", """
        @app.route("/orders")
        def orders():
            return jsonify([o.to_dict() for o in Order.query.all()])
        """, 12, ["Order.query.all()"]),
    ("app/api.py", """
        @router.get("/items")
        def items(db: Session = Depends(get_db)):
            rows = db.query(Item).filter(Item.active).all()
            return rows
        """, 12, ["db.query(Item)"]),
    ("app/api.py", """
        @router.get("/items")
        def items(skip: int = 0, db: Session = Depends(get_db)):
            return db.query(Item).offset(skip).limit(100).all()
        @app.route("/orders")
        def orders():
            return jsonify([o.to_dict() for o in Order.query.order_by(Order.id)[:50]])
        @app.route("/page")
        def page():
            return jsonify(Order.query.paginate(page=1, per_page=20).items)
        def not_a_handler():
            return Order.query.all()
        """, 12, []),
    ("shop/views.py", """
        def export(request):
            rows = Order.objects.all()
            data = OrderSerializer(rows, many=True).data
            return Response(data)
        """, 12, ["Order.objects.all()"]),
    # held11, tuned after looking (Pontoon base/views.py get_sibling_entities): the base query is returned only
    # through slices of it; the same base returned whole is still found
    ("pontoon/base/views.py", """
        def get_sibling_entities(request):
            entities = Entity.objects.filter(resource=entity.resource, obsolete=False).order_by("order")
            succeeding_entities = entities.filter(order__gt=entity.order)[:2]
            preceding_entities = entities.filter(order__lt=entity.order).order_by("-order")[:2]
            return JsonResponse({"succeeding": to_json(succeeding_entities), "preceding": to_json(preceding_entities)})
        def get_entities(request):
            entities = Entity.objects.filter(resource=resource).order_by("order")
            first = entities[:2]
            return JsonResponse({"first": to_json(first), "all": to_json(entities)})
        """, 12, ["Entity.objects.filter(resource=resource)"]),
    ("app/api.py", """
        @app.route("/catalogue")
        def catalogue():
            page = Paginator(Listing.objects.filter(active=True), 20).get_page(request.GET.get("page"))
            return jsonify([x.id for x in page])
        @app.route("/status")
        def status():
            rows = db.session.execute(text("SELECT id FROM orders WHERE status = :s LIMIT 200"), {"s": 1}).all()
            return jsonify([r.id for r in rows])
        @app.route("/revenue")
        def revenue():
            sql = "SELECT month, sum(amount) FROM invoices GROUP BY 1"
            return jsonify([dict(r) for r in db.session.execute(text(sql)).all()])
        @app.route("/close", methods=["POST"])
        def close():
            stale = Invoice.query.filter(Invoice.status == "open").all()
            return jsonify({"closed": len(stale)})
        @app.route("/cart", methods=["POST"])
        def cart():
            items = Product.query.filter(Product.id.in_(request.json["ids"])).all()
            return jsonify([p.id for p in items])
        """, 12, []),
    # --- 13: lock shapes and long transactions -----------------------------------------
    ("shop/stock.py", """
        def restock():
            with transaction.atomic():
                rows = list(Stock.objects.select_for_update().filter(warehouse="main"))
                Stock.objects.select_for_update().filter(status="stale").update(status="gone")
                one = Stock.objects.select_for_update().get(pk=3)
                key = list(Stock.objects.select_for_update().filter(pk__in=[1, 2]))
                lazy = Stock.objects.select_for_update().filter(warehouse="main")
                top = Stock.objects.select_for_update().filter(warehouse="main").first()
        """, 13, ['warehouse="main"))', 'status="stale"']),
    ("shop/lock_objects.py", """
        def stock_qs_select_for_update():
            return Stock.objects.order_by("pk").select_for_update(of=("self",))
        """, 13, []),
    ("app/sweep.py", """
        def sweep():
            stale = Order.query.filter(Order.status == "pending").with_for_update().all()
            rows = session.execute(select(Order).where(Order.status == "new").with_for_update()).scalars().all()
            one = session.execute(select(Order).where(Order.id == 4).with_for_update()).scalar_one()
        """, 13, ["with_for_update().all()", 'Order.status == "new"']),
    ("app/pay.py", """
        def pay(order_id):
            order = db.session.query(Order).filter(Order.id == order_id).with_for_update().one()
            requests.post(URL, json={}, timeout=5)
            db.session.commit()
        """, 13, ["requests.post"]),
    ("app/pay.py", """
        def pay(order_id):
            with transaction.atomic():
                order = Order.objects.get(pk=order_id)
                transaction.on_commit(lambda: requests.post(URL, json={}, timeout=5))
            resp = requests.post(URL, json={}, timeout=5)
            db.session.commit()
        """, 13, []),
    ("app/pay.py", """
        def sweep(session):
            with session.begin():
                session.execute(update(Job).values(state="x"))
                time.sleep(5)
        """, 13, ["time.sleep"]),
    ("shop/services.py", """
        from django.db import transaction
        def run_payouts(minimum):
            with transaction.atomic():
                sellers = Seller.objects.select_for_update().filter(balance__gte=minimum)
                for seller in sellers:
                    seller.balance = 0
                    seller.save()
        """, 13, ["select_for_update()"]),
    # --- 14: secrets and unsafe settings ---------------------------------------------
    ("app/config.py", """
        SECRET_KEY = "k8#Jd93!mQz7@pL2"
        AWS = "AKIAIOSFODNN7EXAMPLE"
        DSN = "postgres://app:Hunter2Pw@db/app"
        OPENAI = os.getenv("OPENAI_API_KEY", "sk-proj-abcdefghijklmnop1234")
        """, 14, ["SECRET_KEY", "AKIA", "Hunter2Pw", "sk-proj"]),
    ("app/config.py", """
        SECRET_KEY = os.environ["SECRET_KEY"]
        API_KEY = os.getenv("API_KEY")
        TOKEN_URL = "https://auth.example.com/oauth/token"
        PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        password = "changeme-your-password"
        DSN = "postgres://localhost/app"
        DSN2 = f"postgres://{user}:{password}@db/app"
        """, 14, ["changeme-your-password"]),  # not a real credential, but a secret default left in settings
    ("project/settings/production.py", """
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        CORS_ALLOW_ALL_ORIGINS = True
        """, 14, ["DEBUG", "ALLOWED_HOSTS", "CORS_ALLOW_ALL"]),
    ("project/settings/dev.py", """
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        """, 14, []),
    ("project/settings/production.py", """
        DEBUG = os.environ.get("DEBUG") == "1"
        ALLOWED_HOSTS = ["shop.example.com"]
        """, 14, []),
    ("app/client.py", """
        r = requests.get(url, verify=False, timeout=5)
        ok = requests.get(url, verify=True, timeout=5)
        app.run(debug=True)
        app.add_middleware(CORSMiddleware, allow_origins=["*"])
        app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example.com"])
        """, 14, ["verify=False", "debug=True", 'allow_origins=["*"]']),
    ("tests/test_login.py", """
        PASSWORD = "k8#Jd93!mQz7@pL2"
        """, 14, []),
    # --- 15: injection ---------------------------------------------------------------
    ("app/db.py", """
        def find(cur, name, ids, table):
            cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
            cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
            cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
            cur.execute("SELECT * FROM users WHERE name = '{}'".format(name))
            sql = f"DELETE FROM {table} WHERE id = 1"
            cur.execute(sql)
        """, 15, ["'{name}'", "% name", "+ name", ".format(name)", "cur.execute(sql)"]),
    ("app/db.py", """
        def find(cur, name, ids):
            cur.execute("SELECT * FROM users WHERE name = %s", (name,))
            marks = ",".join("?" * len(ids))
            cur.execute(f"SELECT * FROM users WHERE id IN ({marks})", ids)
            cur.execute(f"SELECT * FROM {USERS_TABLE} WHERE name = :n", {"n": name})
            session.execute(text("SELECT 1"))
            logger.info("select from %s" % name)
        """, 15, []),
    ("app/ops.py", """
        def run(path, expr, blob, doc):
            subprocess.run(f"gzip {path}", shell=True)
            os.system("rm -rf " + path)
            eval(expr)
            pickle.loads(blob)
            yaml.load(doc)
            yaml.load(doc, Loader=yaml.Loader)
        """, 15, ["gzip", "os.system", "eval(", "pickle", "yaml.load(doc)", "yaml.Loader"]),
    ("app/ops.py", """
        def run(path, expr, doc):
            subprocess.run(["gzip", path])
            subprocess.run("df -h", shell=True)
            ast.literal_eval(expr)
            yaml.safe_load(doc)
            yaml.load(doc, Loader=yaml.SafeLoader)
            json.loads(doc)
            eval("1 + 1")
        """, 15, []),
    # --- 16: ownership ----------------------------------------------------------------
    ("app/views.py", """
        @bp.route("/invoices/<int:invoice_id>")
        @login_required
        def invoice(invoice_id):
            return jsonify(Invoice.query.get_or_404(invoice_id).to_dict())
        """, 16, ["Invoice.query.get_or_404"]),
    ("app/views.py", """
        @bp.route("/invoices/<int:invoice_id>")
        @login_required
        def invoice(invoice_id):
            inv = Invoice.query.get_or_404(invoice_id)
            if inv.user_id != current_user.id:
                abort(403)
            return jsonify(inv.to_dict())
        @bp.route("/products/<int:product_id>")
        def product(product_id):
            return jsonify(Product.query.get_or_404(product_id).to_dict())
        @bp.route("/admin/invoices/<int:invoice_id>")
        @login_required
        @admin_required
        def admin_invoice(invoice_id):
            return jsonify(Invoice.query.get_or_404(invoice_id).to_dict())
        """, 16, []),
    ("shop/views.py", """
        @login_required
        def shipment(request, pk):
            s = get_object_or_404(Shipment, pk=pk)
            return JsonResponse({"t": s.tracking})
        @login_required
        def my_shipment(request, pk):
            s = get_object_or_404(Shipment, pk=pk, owner=request.user)
            return JsonResponse({"t": s.tracking})
        @login_required
        def my_shipment2(request, pk):
            s = request.user.shipments.get(pk=pk)
            return JsonResponse({"t": s.tracking})
        """, 16, ["get_object_or_404(Shipment, pk=pk)"]),
    # --- 17: in-process state -----------------------------------------------------------
    ("app/views.py", """
        SESSIONS = {}
        COLOURS = {"red": "#f00"}
        cache = Cache(config={"CACHE_TYPE": "SimpleCache"})
        @app.route("/upload", methods=["POST"])
        def upload():
            f = request.files["doc"]
            f.save(os.path.join(UPLOAD_DIR, f.filename))
            SESSIONS[request.cookies["sid"]] = 1
            return COLOURS["red"]
        """, 17, ["SESSIONS = {}", "SimpleCache", "f.save("]),
    ("app/views.py", """
        @lru_cache(maxsize=256)
        def profile(user_id):
            return User.query.get(user_id)
        @lru_cache(maxsize=1)
        def settings():
            return load_settings()
        scheduler = BackgroundScheduler()
        scheduler.start()
        """, 17, ["@lru_cache(maxsize=256)", "BackgroundScheduler()"]),
    ("app/worker/scheduler.py", """
        scheduler = BackgroundScheduler()
        scheduler.start()
        """, 17, []),
    ("app/views.py", """
        @app.route("/upload", methods=["POST"])
        def upload():
            f = request.files["doc"]
            s3.upload_fileobj(f, BUCKET, f.filename)
            with tempfile.NamedTemporaryFile() as tmp:
                f.save(tmp.name)
        """, 17, []),
    # --- 18: paid fan-out -----------------------------------------------------------------
    ("app/jobs.py", """
        import stripe
        from openai import OpenAI
        client = OpenAI()
        sns = boto3.client("sns")
        def run(users, docs):
            for u in User.query.all():
                sns.publish(PhoneNumber=u.phone, Message="hi")
            for d in docs:
                client.embeddings.create(input=d.text, model="m")
            for c in Customer.objects.filter(active=True):
                stripe.Charge.create(amount=1, customer=c.sid)
            for u in User.query.all():
                requests.post(HOOK, json={"id": u.id}, timeout=5)
        """, 18, ["sns.publish", "input=d.text", "stripe.Charge", "requests.post"]),
    ("app/jobs.py", """
        from openai import OpenAI
        client = OpenAI()
        def run(docs, urls):
            client.embeddings.create(input=[d.text for d in docs], model="m")
            for d in docs[:MAX_DOCS]:
                client.embeddings.create(input=d.text, model="m")
            for channel in ("sms", "email"):
                client.chat.completions.create(model="m", messages=[])
            for d in docs:
                if d.id in summary_cache:
                    continue
                client.chat.completions.create(model="m", messages=[])
            for url in urls:
                requests.get(url, timeout=5)
        """, 18, []),
    ("app/geo.py", """
        import requests
        def geocode(address):
            return requests.get(GEO_URL, params={"address": address}, timeout=5).json()
        def fill(conn):
            rows = conn.execute("SELECT id, address FROM stores WHERE lat IS NULL").fetchall()
            for store_id, address in rows:
                geocode(address)  # per row
            capped = conn.execute("SELECT id, address FROM stores LIMIT ?", (250,)).fetchall()
            for store_id, address in capped:
                geocode(address)
        """, 18, ["geocode(address)  # per row"]),
    # --- 19: observability ---------------------------------------------------------------
    ("app/views.py", """
        @app.route("/checkout", methods=["POST"])
        def checkout():
            print("checkout", request.json)
            return "ok"
        @shared_task
        def send_invoice(order_id):
            print("sent", order_id)
        """, 19, ['print("checkout"', 'print("sent"']),
    ("app/views.py", """
        @app.route("/checkout", methods=["POST"])
        def checkout():
            logger.info("checkout %s", request.json)
            print("checkout")
        @app.route("/about")
        def about():
            print("about page")
        @app.route("/reviews", methods=["POST"])
        def post_review():
            print("review")  # writes, so it is a path someone will need to debug
        @scheduler.scheduled_job("cron", hour=6)
        def nightly_dunning():
            print("dunning")
        def charge_helper():
            print("helper")
        """, 19, ['print("review")', 'print("dunning")']),
]


@pytest.mark.parametrize(("path", "source", "item", "flagged"), CASES,
                         ids=[f"item{c[2]}-{'hit' if c[3] else 'quiet'}-{i}" for i, c in enumerate(CASES)])
def test_detector_flags_exactly_the_planted_lines(path: str, source: str, item: int, flagged: list[str]) -> None:
    source, found = findings(path, source)
    assert {f.line for f in found if f.item == item} == lines_with(source, flagged)


def test_findings_carry_a_rule_a_redacted_snippet_and_an_honest_confidence() -> None:
    _, found = findings("app/config.py", 'DB_PASSWORD = "k8#Jd93!mQz7@pL2"\n')
    [f] = found
    assert (f.item, f.line, f.rule) == (14, 1, "secret.literal")
    assert f.snippet == 'DB_PASSWORD = "«redacted»"' and "k8#Jd93" not in f.message
    assert 0 < f.confidence < 1


def test_messages_name_the_code_they_are_about() -> None:
    _, found = findings("app/api.py", textwrap.dedent("""
        @app.route("/orders")
        def list_orders():
            return jsonify([o.to_dict() for o in Order.query.all()])
        """))
    [f] = found
    assert "list_orders()" in f.message and "no limit" in f.message


PONTOON_ADMIN = '''
from django.shortcuts import render
from pontoon.base.models import Project


def admin(request):
    projects = Project.objects.prefetch_related("latest_translation__user").order_by("name")
    enabled_projects = projects.filter(disabled=False)
    disabled_projects = projects.filter(disabled=True)
    project_stats = projects.stats_data_as_dict()
    return render(request, "admin.html", {"enabled": enabled_projects, "disabled": disabled_projects,
                                          "stats": project_stats})
'''


def test_which_query_is_reported_on_a_line_does_not_depend_on_the_hash_seed() -> None:
    # Pontoon's admin view (mozilla/pontoon eb86835, held11): the filtered and the unfiltered query both reach the
    # line of `projects`; the names were followed in a set's order, so the finding's message and confidence
    # changed with PYTHONHASHSEED (0.10 under seeds 0-1, 0.17 under 2-5).
    import json
    import os
    import subprocess
    import sys

    code = ("import json, sys\nfrom archreview.checklist.detectors import load\nfrom archreview.facts.index import FileContext\n"
            "import ast\nsrc = sys.stdin.read()\nctx = FileContext('pontoon/administration/views.py', ast.parse(src), src)\n"
            "print(json.dumps([(f.line, f.message, f.confidence) for f in load.unbounded_results(ctx)]))")
    runs = {seed: subprocess.run([sys.executable, "-c", code], input=PONTOON_ADMIN, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONHASHSEED": str(seed)}, timeout=60)
            for seed in range(6)}
    outputs = {seed: json.loads(run.stdout) for seed, run in runs.items() if run.returncode == 0}
    assert len(outputs) == 6, [r.stderr for r in runs.values()]
    assert outputs[0] and all(found == outputs[0] for found in outputs.values()), outputs
