"""Item 14 in deployment files: a secret left at its well-known default.

Compose files, Kubernetes manifests, ``.env`` files, Dockerfiles and INI files carry
settings as text. ``SECRET_KEY: change_me`` or ``ENV DJANGO_SECRET_KEY=insecure`` ships
a secret everyone who has read the repository knows; a deployment that forgets to
override it runs with it. Values that defer to the environment (``${SECRET_KEY}``),
templates (``.env.example``) and files of tests are not read.
"""

from __future__ import annotations

import re

from archreview.checklist.rules import make
from archreview.core.model import Finding
from archreview.core.redact import secret_name

_DEPLOYMENT = re.compile(r"(^|/)(docker-compose[^/]*\.ya?ml|compose[^/]*\.ya?ml|[^/]*\.ya?ml|\.env(\.[a-z]+)?|"
                         r"[^/]*\.env|Dockerfile[^/]*|[^/]*\.ini|[^/]*\.cfg)$", re.I)
_TEMPLATES = re.compile(r"(\.example|\.sample|\.template|\.dist|\.tpl|\.j2)($|\.)|(^|/)(tests?|docs?|examples?)/", re.I)
_LINE = re.compile(r"""^\s*(?:-\s*)?(?:ENV\s+|export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::|=|\s)\s*"""
                   r"""["']?([^"'\s#]*)["']?\s*(?:#.*)?$""")
_DEFAULTS = re.compile(r"^(change[-_.]?me|change[-_.]?this|changeit|replace[-_.]?me|secret|password|passw0rd|admin|"
                       r"default|insecure[-_\w]*|not[-_]?a[-_]?secret|please[-_]?change[-_\w]*|your[-_][-_\w]+|"
                       r"x{3,}|[-_\w]*change[-_]?me[-_\w]*|django-insecure[-_\w]*|supersecret|s3cr3t)$", re.I)


def is_deployment_file(path: str) -> bool:
    return bool(_DEPLOYMENT.search(path)) and not _TEMPLATES.search(path)


def config_findings(path: str, text: str) -> tuple[Finding, ...]:
    """Secrets left at a well-known default in one deployment or configuration file."""
    if not is_deployment_file(path) or len(text) > 500_000:
        return ()
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        m = _LINE.match(line)
        if not m or not secret_name(m.group(1)):
            continue
        value = m.group(2)
        if value and _DEFAULTS.match(value):
            out.append(make("secret.default", path, number, snippet=line.strip()[:200], name=m.group(1),
                            value=repr(value)))
    return tuple(out)
