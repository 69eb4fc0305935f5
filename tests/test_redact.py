"""redact() hides secret values and leaves code that merely mentions secrets alone."""

from __future__ import annotations

import time

import pytest

from archreview.core.redact import MARK, redact, secret_name

SECRET_LINES = [
    ('password = "hunter2!"', 'password = "«redacted»"'),
    ("DB_PASSWORD='s3cr3t-Pa55'", "DB_PASSWORD='«redacted»'"),
    ('SECRET_KEY = "django-insecure-7x!kq#2v@9l"', 'SECRET_KEY = "«redacted»"'),
    ('stripe.api_key = "sk_live_51HxYzAbCdEfGhIjKl"', 'stripe.api_key = "«redacted»"'),
    ('headers = {"apiKey": "a8f5f167f44f4964e6c998dee827110c"}', 'headers = {"apiKey": "«redacted»"}'),
    ('connect(user="app", password="pw-9f8e7d")', 'connect(user="app", password="«redacted»")'),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = «redacted»"),
    ('key = "AKIAIOSFODNN7EXAMPLE"', 'key = "«redacted»"'),
    ("-----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEA", "-----BEGIN RSA PRIVATE KEY-----«redacted»"),
    ('DATABASE_URL = "postgres://shop:Tr0ub4dor@db:5432/shop"', 'DATABASE_URL = "postgres://shop:«redacted»@db:5432/shop"'),
    ('BROKER = "amqp://guest:guest@rabbit//"', 'BROKER = "amqp://guest:«redacted»@rabbit//"'),
    ('h = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.abc"}', 'h = {"Authorization": "Bearer «redacted»"}'),
    ('os.getenv("OPENAI_KEY", "sk-proj-abcdefghijklmnopqrstuvwx")', 'os.getenv("OPENAI_KEY", "«redacted»")'),
    ('clientSecret: "9b1f0c2e77aa"', 'clientSecret: "«redacted»"'),
]

NOT_SECRETS = [
    'password = os.environ["PW"]',
    'token_url = "https://auth.example.com/oauth/token"',
    "SECRET_KEY = get_secret()",
    'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]',
    'password_reset_template = "accounts/reset.html"',
    'api_key = os.getenv("API_KEY")',
    'DATABASE_URL = f"postgres://{user}:{password}@{host}/db"',
    'db = "postgres://localhost:5432/app"',
    'headers = {"Authorization": f"Bearer {token}"}',
    'if password == confirm: raise ValueError("password mismatch")',
    'token = request.headers.get("X-Token")',
    'SECRET_KEY = "DJANGO_SECRET_KEY"',
    'cache_key = "user:profile:42"',
    'print("wrong password for user")',
    "",
]


@pytest.mark.parametrize(("line", "expected"), SECRET_LINES)
def test_secret_values_are_hidden_and_keys_kept(line: str, expected: str) -> None:
    assert redact(line) == expected


@pytest.mark.parametrize("line", NOT_SECRETS)
def test_code_that_only_mentions_secrets_is_unchanged(line: str) -> None:
    assert redact(line) == line


def test_a_whole_private_key_block_is_hidden() -> None:
    pem = "KEY = '''-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'''"
    out = redact(pem)
    assert "MIIBVQ" not in out and "hkiG9w" not in out
    assert out.startswith("KEY = '''-----BEGIN PRIVATE KEY-----" + MARK + "-----END PRIVATE KEY-----")


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("db_password", True), ("apiKey", True), ("SECRET_KEY", True), ("stripe.api_key", True),
        ("auth_token", True), ("token_url", False), ("cache_key", False), ("PASSWORD_HASHERS", False),
        ("password_field", False), ("key", False), ("monkey", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def _best_of_five(lines: list[str]) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for line in lines:
            redact(line)
        times.append(time.perf_counter() - start)
    return min(times)


def test_ordinary_code_skips_the_secret_patterns() -> None:
    """Redaction runs on every string of every file, so a line with no secret word must not reach the
    patterns. Timed against the same line with a secret word in it (the patterns' path, about 8x
    today), in one process, so a loaded machine slows both sides alike; speed figures live in bench/."""
    ordinary = ["    total = sum(item.price * item.quantity for item in order.items)"] * 5_000
    suspicious = ["    total = sum(item.token * item.quantity for item in order.items)"] * 5_000
    assert _best_of_five(ordinary) * 3 < _best_of_five(suspicious)
    assert redact('    password = "hunter2!"') == '    password = "«redacted»"'


@pytest.mark.parametrize("line", ["password" + "a" * 20_000, "key" * 7_000, "token, " * 3_000, 'api_key: str ' + " " * 20_000])
def test_a_long_hostile_line_is_redacted_in_linear_time(line: str) -> None:
    """Every name is tried once, with bounded quantifiers (a 20 KB line took 0.4 s of CPU before the name anchor)."""
    start = time.process_time()
    redact(line)
    assert time.process_time() - start < 0.2


def test_redact_fields_reaches_every_string_and_shares_what_it_leaves() -> None:
    """The facts a worker sends: strings inside tuples of dataclasses are redacted, paths are kept as
    they are, and a part without a secret is the same object (nothing copied)."""
    from archreview.core.model import FileFacts, Finding, FunctionMetric
    from archreview.core.redact import redact_fields

    secret = 'password = "hunter2hunter2"'
    clean = (FunctionMetric("handler", 1, 3, 2, False, False, False, 1),)
    facts = FileFacts("app/password = \"x\".py", "python", lines=3, functions=clean,
                      findings=(Finding(14, "app/x.py", 2, "a secret in the code", 0.9, secret),))
    out = redact_fields(facts)
    assert out.findings[0].snippet == 'password = "«redacted»"'
    assert out.path == facts.path  # joins facts to files: never rewritten
    assert out.functions is clean and out.findings[0].message is facts.findings[0].message
    assert redact_fields(out) is out  # nothing left to redact: the value itself comes back


def test_the_quick_check_agrees_with_its_regex_on_real_text() -> None:
    """The substring pre-check in front of ``_QUICK`` never says no where the regex says yes: every
    line of archreview's own sources (which name passwords, tokens and keys throughout), and shapes
    at the edges (case, word boundaries, non-ASCII letters re.I folds onto ASCII ones)."""
    from pathlib import Path

    import archreview
    from archreview.core.redact import _QUICK, _may_hold_secret

    lines = [line for p in sorted(Path(archreview.__file__).parent.rglob("*.py"))
             for line in p.read_text(encoding="utf-8").splitlines()]
    lines += ["GHP_x", "Sk-abc", "SG.x", "a PAT b", "spatial", "ŝecret", "\u212aey", "pa\u017f\u017f", "AKIA", "x://y",
              "xOx", "AiZa", "Bearer", "nothing here"]
    verdicts = [(_may_hold_secret(line), _QUICK.search(line) is not None) for line in lines]
    assert all(a == b for a, b in verdicts)
    assert sum(b for _, b in verdicts) > 500 and sum(not b for _, b in verdicts) > 5000  # both sides exercised


def test_redact_tree_copies_only_when_a_string_or_key_changes() -> None:
    """The document's pass: a secret in a value or a key (at any depth, in tuples too) gives a redacted copy
    that encodes as the same JSON with the values hidden; a document without one comes back as itself, and
    anything that is not plain JSON (a str subclass here) is always copied, as before."""
    import json

    from archreview.core.redact import redact_tree

    clean = {"modules": [{"name": "app.db", "imports": ({"line": 1, "ok": True, "mi": None, "x": 1.5},)}], "n": 3}
    assert redact_tree(clean) is clean
    leaked = {"findings": [{"snippet": 'token = "abcdefabcdef12"', "line": 4}],
              "by_key": {'password = "hunter2hunter2"': (1, 2)}, "same": "app/models.py"}
    out = redact_tree(leaked)
    assert json.dumps(out) == json.dumps({"findings": [{"snippet": 'token = "«redacted»"', "line": 4}],
                                          "by_key": {'password = "«redacted»"': [1, 2]}, "same": "app/models.py"})
    assert leaked["findings"][0]["snippet"] == 'token = "abcdefabcdef12"'  # the input is never changed

    class Name(str):
        pass

    odd = {"name": Name('secret = "abcdefabcdef12"')}
    assert redact_tree(odd) == {"name": 'secret = "«redacted»"'}


# A value of every token shape the secret rules know, each alone on its line (no hint word beside it)
TOKEN_SHAPES = [
    "AKIAIOSFODNN7EXAMPLE", "ASIAQWERTYUIOPASDFGH", "-----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEA",
    "sk_live_51HxYzAbCdEfGhIjKl", "sk_test_51HxYzAbCdEfGhIjKl", "rk_live_51HxYzAbCdEfGhIjKl", "pk_live_51HxYzAbCdEfGhIjKl",
    "sk-proj-abcdefghijklmnopqrstuvwx",
    "sk-ant-abcdefghijklmnopqrstuvwx", "sk-abcdefghijklmnopqrstuvwx", "ghp_abcdefghijklmnopqrstuvwx",
    "gho_abcdefghijklmnopqrstuvwx", "ghu_abcdefghijklmnopqrstuvwx", "ghs_abcdefghijklmnopqrstuvwx",
    "ghr_abcdefghijklmnopqrstuvwx", "xoxb-1234567890-abcdef", "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "SG.abcdefghijklmnop.qrstuvwxyzabcdefgh", "postgres://shop:Tr0ub4dor@db:5432/shop",
]


def test_redaction_and_the_secret_detectors_share_one_hint_list() -> None:
    """The cheap pre-check in front of redaction and the one in front of the secret detectors are one list
    (``SECRET_HINTS``): the detectors keep none of their own, and every token shape passes it, is hidden
    by ``redact`` and is flagged by the detector, with nothing but the token on the line to hint at it."""
    import archreview.checklist.detectors.code as code
    from archreview.analysis.perfile import analyse_file
    from archreview.core.redact import SECRET_HINT, SECRET_HINTS

    assert code.SECRET_HINT is SECRET_HINT
    assert not [name for name, value in vars(code).items() if isinstance(value, tuple) and "xox" in value]
    for token in TOKEN_SHAPES:
        line = f"export const v = '{token}';"
        assert any(word in line.lower() for word in SECRET_HINTS) and SECRET_HINT.search(line.lower()), token
        assert MARK in redact(line), token
    source = "".join(f"export const v{i} = '{token}';\n" for i, token in enumerate(TOKEN_SHAPES))
    facts = analyse_file("src/config.ts", "typescript", source.encode())
    assert sorted(f.line for f in facts.findings if f.rule == "secret.code.js") == list(range(1, len(TOKEN_SHAPES) + 1))
