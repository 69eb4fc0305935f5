"""Hide secret values in any text that leaves the program.

A review report is sent to clients and JSON lands in CI logs: a password found in
the analysed code must not travel with them. ``redact`` replaces the *value* and
keeps the *key* visible (``password = "«redacted»"``) so the reader still sees
what was found and where. It runs on every snippet and every outgoing string, so
it is a handful of precompiled regular expressions with a cheap pre-check.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, TypeVar

from archreview.core.text import map_strings

T = TypeVar("T")

MARK = "«redacted»"

_PRIVATE_KEY = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)(.*?)(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
)
# a key-shaped token anywhere: in a value, an identifier (def AKIA...()), a file or folder name
_AWS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")
VENDOR_TOKEN = re.compile(
    r"\b(?:sk_live_|rk_live_|sk_test_|pk_live_)[0-9A-Za-z]{10,}"  # stripe
    r"|\bsk-(?:proj-|ant-)?[0-9A-Za-z_-]{20,}"  # openai, anthropic
    r"|\bgh[pousr]_[0-9A-Za-z]{20,}"  # github
    r"|\bxox[abposr]-[0-9A-Za-z-]{10,}"  # slack
    r"|\bAIza[0-9A-Za-z_-]{35}"  # google
    r"|\bSG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}"  # sendgrid
)
# scheme://user:password@host -- the password part, unless it is a template placeholder
_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^\s:/@\"']{1,200}:)([^\s@/\"'{}$%<>]{1,200})(@)")  # bounded
_BEARER = re.compile(r"(\b(?:Bearer|Basic|Token)\s+)([A-Za-z0-9._~+/=-]{12,})")
# Every shape a detector flags, the key kept and the value hidden; quotes may be HTML-escaped:
# name = "value" / name: "value" / "name": "value" / name="value" / name: str = "value"
# cfg["NAME"] = "value" / os.getenv("NAME", "value")
_QUOTE = r"""(?:["']|&quot;|&\#34;|&\#39;|&\#x27;)"""
_ASSIGNED = re.compile(
    r"(?<![\w.-])([A-Za-z_][\w.-]{0,100})"  # a whole name, bounded: one try per name, linear in the line
    rf"({_QUOTE}?\]?[ \t]{{0,20}}(?:=|:=|:[ \t]{{0,20}}[\w.\[\], |]{{1,80}}?=|:|,)[ \t]{{0,20}})"
    rf"""([rbuRBU]{{0,2}})({_QUOTE})([^"'\n<]{{1,500}}?)({_QUOTE})"""
)

_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "secret", "token", "apikey", "credentials", "passphrase", "pat"}
)
_KEY_PREFIXES = frozenset(
    {"api", "secret", "access", "private", "signing", "encryption", "master", "auth", "app", "client", "license"}
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Every text a secret rule can match holds one of these words, lower-cased: the words a secret name ends
# with (``_SECRET_WORDS``, ``..._key``), the fixed parts of the token shapes (``VENDOR_TOKEN``, AWS keys,
# private keys, URL credentials) and the Authorization schemes. Both cheap pre-checks use this one list:
# redaction's here and the secret detectors' (``archreview.checklist.detectors.code``), so a word added
# for one cannot be missing from the other.
SECRET_HINTS = ("pass", "pwd", "secret", "token", "key", "cred", "akia", "asia", "private", "bearer", "basic", "://",
                "sk-", "sk_", "rk_live_", "pk_live_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "aiza", "sg.",
                "pat")
SECRET_HINT = re.compile("|".join(re.escape(word) for word in SECRET_HINTS))  # one scan, not 25 substring tests
# The same words as one case-insensitive regex, "pat" as a whole word (not "path"): in ASCII text a match
# needs one of SECRET_HINTS, and a substring test of the lower-cased text is three times cheaper than the
# regex. Non-ASCII text always goes to the regex (re.I folds some non-ASCII letters onto ASCII ones).
_QUICK = re.compile("|".join(r"\bpat\b" if word == "pat" else re.escape(word) for word in SECRET_HINTS), re.I)


@lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """Does this identifier name a secret (``db_password``, ``apiKey``, ``SECRET_KEY``)?

    Only the last word counts, so ``token_url``, ``password_reset_template`` and
    ``PASSWORD_HASHERS`` are not secrets while ``stripe_api_key`` is.
    """
    name = name.rsplit(".", 1)[-1]
    words = [w for w in re.split(r"[_\-]+", _CAMEL.sub("_", name).lower()) if w]
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _KEY_PREFIXES


def _looks_like_value(value: str) -> bool:
    """A literal that could be a secret, not a URL, a path, a sentence or an env-var name."""
    if value.startswith(("http://", "https://", "/", "./", "{", "$", "%(", "<")):
        return False
    if " " in value.strip() or value.isupper() and "_" in value:
        return False
    return value != MARK


def _assigned(match: re.Match[str]) -> str:
    name, sep, prefix, open_q, value, close_q = match.groups()
    if open_q != close_q or not secret_name(name) or not _looks_like_value(value):
        return match.group(0)
    return f"{name}{sep}{prefix}{open_q}{MARK}{close_q}"


def _may_hold_secret(text: str) -> bool:
    """``_QUICK.search(text)``, the cheap way first (redaction runs on every string of every file)."""
    if text.isascii() and SECRET_HINT.search(text.lower()) is None:
        return False
    return _QUICK.search(text) is not None


def redact(text: str) -> str:
    """``text`` with secret values replaced by ``«redacted»``; keys stay visible."""
    if not text or not _may_hold_secret(text):
        return text
    text = _PRIVATE_KEY.sub(lambda m: f"{m.group(1)}{MARK}{m.group(3)}", text)
    text = _AWS_KEY.sub(MARK, text)
    text = VENDOR_TOKEN.sub(MARK, text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{MARK}{m.group(3)}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{MARK}", text)
    return _ASSIGNED.sub(_assigned, text)


def redact_tree(value: object) -> object:
    """``value`` (JSON-shaped: dicts, lists, strings) with every string and key redacted.

    Each distinct string is redacted once: a repository's document repeats the same paths, names
    and keys (Django's: 320,000 strings, 35,000 distinct). When no string changes (the usual case:
    the facts a document is made of were redacted as they were made) ``value`` itself is returned;
    otherwise a copy, with lists for tuples (the same JSON)."""
    strings: set[str] = set()
    if _gathered(value, strings) and all(redact(s) == s for s in strings):
        return value
    return _redacted_copy(value)


_SCALARS = frozenset({int, float, bool, type(None)})


def _gathered(value: object, strings: set[str]) -> bool:
    """Put every string of ``value`` (keys too) in ``strings``; False (and stop) at anything that is not
    exactly a dict, list, tuple, string or JSON scalar, whose copy could read differently."""
    stack: list[Any] = [value]  # JSON-shaped: each item's exact type is checked before use
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, found in item.items():
                if type(key) is str:
                    strings.add(key)
                elif type(key) not in _SCALARS:
                    return False
                found_kind = type(found)
                if found_kind is str:
                    strings.add(found)
                elif found_kind not in _SCALARS:
                    stack.append(found)
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is str:
            strings.add(item)
        elif kind not in _SCALARS:
            return False
    return True


def _redacted_copy(value: object) -> object:
    done: dict[str, str] = {}

    def text(string: str) -> str:
        found = done.get(string)
        if found is None:
            found = done[string] = redact(string)
        return found

    def tree(value: object) -> object:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {text(k) if isinstance(k, str) else k: tree(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [tree(v) for v in value]
        return value

    return tree(value)


def redact_fields(value: T, keep: frozenset[str] = frozenset({"path"})) -> T:
    """A frozen dataclass (and all it holds) with its strings redacted; fields named in ``keep``
    (file paths, which join facts to files) are left as they are."""
    return map_strings(value, _redact_seen, keep)


@lru_cache(maxsize=1 << 16)
def _redacted(text: str) -> str:
    return redact(text)


def _redact_seen(text: str) -> str:
    """``redact``, remembered per distinct string: a worker meets the same names, imports and types in
    file after file (typeorm's facts: 93,000 strings, 12,000 distinct). A string redaction leaves alone
    is handed back as itself (not as the equal one remembered), so ``map_strings`` copies nothing."""
    found = _redacted(text)
    return text if found == text else found
