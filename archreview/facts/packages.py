"""Dependency manifests of the npm, NuGet, Maven/Gradle and Go ecosystems, read as text.

Each reader returns the declared packages (``Requirement`` with its
``ecosystem``, line and section) and what the file says about the code's own
layout (``declares``: the npm package name and workspaces, tsconfig
``baseUrl``/``paths``, a project's references and SDK, Maven coordinates,
Gradle version-catalog aliases, go.mod's module path). Nothing is executed and
no XML entity is expanded (regular expressions over the text, with line
numbers); a malformed file gives what could be read.

Sections: ``main``; ``dev`` (devDependencies, Maven/Gradle test scopes);
``peer``/``optional``; ``managed`` (a version pinned for others to use:
dependencyManagement, Directory.Packages.props, a Gradle platform or a
version catalog entry) and ``indirect`` (go.mod ``// indirect``), which the
repository level does not count as declared; ``parent`` (Maven) and ``sdk``
(an MSBuild project SDK).
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib

from archreview.core.model import Requirement

_CSPROJ = (".csproj", ".fsproj", ".vbproj")
_MSBUILD_PROPS = ("directory.packages.props", "directory.build.props", "directory.build.targets")
_GRADLE = (".gradle", ".gradle.kts")
DEV = "dev"
NOT_DECLARED = frozenset({"managed", "indirect", "parent", "sdk", "catalog"})


def is_manifest(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return (name in ("package.json", "packages.config", "pom.xml", "go.mod", "libs.versions.toml", "project.json")
            or name in _MSBUILD_PROPS or name.endswith(_CSPROJ) or name.endswith(_GRADLE)
            or name.endswith(".versions.toml") or _is_tsconfig(name))


def _is_tsconfig(name: str) -> bool:
    return name.endswith(".json") and name.startswith(("tsconfig", "jsconfig"))


def read(path: str, text: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    """(requirements, declares) of one manifest."""
    name = posixpath.basename(path).lower()
    if name == "package.json":
        return _package_json(text)
    if _is_tsconfig(name):
        return (), _tsconfig(text)
    if name.endswith(_CSPROJ) or name in _MSBUILD_PROPS:
        return _msbuild(text, name)
    if name == "packages.config":
        return tuple(Requirement(m.group(1), n, m.group(2) or "", "main", "nuget")
                     for n, line in enumerate(text.splitlines(), 1)
                     for m in re.finditer(r'<package\s[^>]*?\bid\s*=\s*"([^"]+)"(?:[^>]*?\bversion\s*=\s*"([^"]*)")?', line)), ()
    if name == "pom.xml":
        return _pom(text)
    if name.endswith(_GRADLE):
        return _gradle(text), (("deployable", "gradle application"),) if _GRADLE_APP.search(text) else ()
    if name.endswith(".versions.toml"):
        return _catalog(text)
    if name == "go.mod":
        return _go_mod(text)
    if name == "project.json":  # an Nx project: an application is built and deployed on its own
        data = jsonc(text)
        return (), (("deployable", "nx application"),) if isinstance(data, dict) and data.get("projectType") == "application" else ()
    return (), ()


def _line_of(lines: list[str], needle: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    return start + 1 if start < len(lines) else 1


# --- npm ---------------------------------------------------------------------------------

_NPM_SECTIONS = {"dependencies": "main", "devDependencies": DEV, "peerDependencies": "peer",
                 "optionalDependencies": "optional"}


def _package_json(text: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    try:
        data = json.loads(text)
    except ValueError:
        return (), ()
    if not isinstance(data, dict):
        return (), ()
    lines = text.splitlines()
    out = []
    for key, section in _NPM_SECTIONS.items():
        table = data.get(key)
        if not isinstance(table, dict):
            continue
        start = _line_of(lines, f'"{key}"') - 1
        for name, spec in table.items():
            out.append(Requirement(name, _line_of(lines, f'"{name}"', start), str(spec), section, "npm"))
    declares: list[tuple[str, str]] = []
    if isinstance(data.get("name"), str):
        declares.append(("npm-name", data["name"]))
    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    declares += [("npm-workspace", w) for w in workspaces or () if isinstance(w, str)]
    for key in ("main", "module", "types", "source"):
        if isinstance(data.get(key), str):
            declares.append(("npm-entry", data[key]))
    declares += [("npm-export", f"{k}\t{v}") for k, v in _exports(data.get("exports"))]
    return tuple(out), tuple(declares)


def _exports(value, key: str = ".") -> list[tuple[str, str]]:
    """package.json ``exports`` flattened to (subpath, file), preferring source-like conditions."""
    if isinstance(value, str):
        return [(key, value)]
    if not isinstance(value, dict):
        return []
    if all(k.startswith(".") for k in value):
        return [pair for k, v in value.items() for pair in _exports(v, k)]
    for condition in ("source", "types", "import", "require", "default", "node"):
        if condition in value:
            return _exports(value[condition], key)
    return []


def jsonc(text: str):
    """JSON with comments and trailing commas (tsconfig), or None."""
    out, i, n, quote = [], 0, len(text), False
    while i < n:
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
            out.append(ch)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(ch)
        i += 1
    try:
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))
    except ValueError:
        return None


def _tsconfig(text: str) -> tuple[tuple[str, str], ...]:
    data = jsonc(text)
    if not isinstance(data, dict):
        return ()
    options = data["compilerOptions"] if isinstance(data.get("compilerOptions"), dict) else {}
    out = []
    if isinstance(data.get("extends"), str):
        out.append(("ts-extends", data["extends"]))
    if isinstance(options.get("baseUrl"), str):
        out.append(("ts-baseUrl", options["baseUrl"]))
    for alias, targets in (options.get("paths") or {}).items() if isinstance(options.get("paths"), dict) else ():
        for target in targets if isinstance(targets, list) else ():
            if isinstance(target, str):
                out.append(("ts-path", f"{alias}\t{target}"))
    return tuple(out)


# --- npm lockfiles: the versions a change resolves to -------------------------------------------

NPM_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")


class UnreadableLockfile(ValueError):
    """A lockfile that is not the JSON, YAML or yarn format its name says."""


def is_lockfile(path: str) -> bool:
    return posixpath.basename(path).lower() in NPM_LOCKFILES


def read_lock(path: str, text: str) -> tuple[tuple[str, str], ...]:
    """``("npm-locked", "name\tversion")`` for every package a lockfile resolves (sorted, one per version).

    package-lock.json (lockfileVersion 1 to 3, nested ``node_modules`` too), yarn.lock (classic and Berry)
    and pnpm-lock.yaml (v5 to v9). Raises ``UnreadableLockfile`` for a file that does not parse."""
    name = posixpath.basename(path).lower()
    if name == "yarn.lock":
        found = _yarn_lock(text)
    elif name == "pnpm-lock.yaml":
        found = _pnpm_lock(text)
    else:
        found = _npm_lock(text)
    return tuple(("npm-locked", f"{n}\t{v}") for n, v in sorted(found) if n and v)


def _npm_lock(text: str) -> set[tuple[str, str]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UnreadableLockfile(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UnreadableLockfile("not a JSON object")
    out: set[tuple[str, str]] = set()
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3: keyed by install path
        for where, entry in packages.items():
            if "node_modules/" in where and isinstance(entry, dict) and isinstance(entry.get("version"), str):
                out.add((entry.get("name") or where.rsplit("node_modules/", 1)[1], entry["version"]))
        return out
    stack = [data.get("dependencies")]  # lockfileVersion 1: nested by name
    while stack:
        table = stack.pop()
        for dep, entry in table.items() if isinstance(table, dict) else ():
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                out.add((dep, entry["version"]))
                stack.append(entry.get("dependencies"))
    return out


_YARN_HEADER = re.compile(r'^"?((?:@[^@/"\s]+/)?[^@"\s,]+)@')
_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?')


def _yarn_lock(text: str) -> set[tuple[str, str]]:
    """Classic (``version "1.2.3"``) and Berry (YAML, ``version: 1.2.3``) entries, read line by line."""
    out: set[tuple[str, str]] = set()
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            m = _YARN_HEADER.match(line)
            current = m.group(1) if m and line.rstrip().endswith(":") else ""
            if current == "__metadata":
                current = ""
        elif current:
            m = _YARN_VERSION.match(line)
            if m and line.startswith("  ") and not line.startswith("    "):
                out.add((current, m.group(1)))
                current = ""
    if not out and text.strip() and "yarn lockfile" not in text and "__metadata" not in text:
        raise UnreadableLockfile("no yarn lockfile entry")
    return out


_PNPM_KEY = re.compile(r"^/?((?:@[^/@]+/)?[^/@(]+)[@/]([^/(_@]+)")


def _pnpm_lock(text: str) -> set[tuple[str, str]]:
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise UnreadableLockfile(f"not YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise UnreadableLockfile("not a YAML mapping")
    out: set[tuple[str, str]] = set()
    for table in ("packages", "snapshots"):
        for key in data.get(table) or () if isinstance(data.get(table), dict) else ():
            m = _PNPM_KEY.match(str(key))
            if m:
                out.add((m.group(1), m.group(2)))
    return out


# --- NuGet / MSBuild -----------------------------------------------------------------------

_ATTR = r'\b{}\s*=\s*"([^"]*)"'


def _attr(tag: str, name: str) -> str:
    m = re.search(_ATTR.format(name), tag)
    return m.group(1) if m else ""


def _msbuild(text: str, name: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    out, declares = [], []
    for m in re.finditer(r"<(PackageReference|PackageVersion|GlobalPackageReference|ProjectReference|Sdk|Project)\b([^>]*)>",
                         text):
        tag, attrs = m.group(1), m.group(2)
        number = text.count("\n", 0, m.start()) + 1
        include = _attr(attrs, "Include")
        if tag == "PackageReference" and include:
            version = _attr(attrs, "Version") or _child(text, m.end(), "Version")
            out.append(Requirement(include, number, version, "main", "nuget"))
        elif tag == "GlobalPackageReference" and include:
            out.append(Requirement(include, number, _attr(attrs, "Version"), "main", "nuget"))
        elif tag == "PackageVersion" and include:
            out.append(Requirement(include, number, _attr(attrs, "Version"), "managed", "nuget"))
        elif tag == "ProjectReference" and include:
            declares.append(("project-reference", include.replace("\\", "/")))
        elif tag in ("Sdk", "Project"):
            for sdk in filter(None, (_attr(attrs, "Sdk") if tag == "Project" else _attr(attrs, "Name")).split(";")):
                sdk = sdk.split("/")[0].strip()
                out.append(Requirement(sdk, number, "", "sdk", "nuget"))
                declares.append(("sdk", sdk))
    for key in ("RootNamespace", "AssemblyName", "OutputType", "IsAspireHost"):
        found = re.search(rf"<{key}>\s*([^<]+?)\s*</{key}>", text)
        if found:
            declares.append((key, found.group(1)))
    sdks = {v for k, v in declares if k == "sdk"}
    if name.endswith(_CSPROJ) and (sdks & {"Microsoft.NET.Sdk.Web", "Microsoft.NET.Sdk.Worker"}
                                   or ("OutputType", "Exe") in declares):
        declares.append(("deployable", "dotnet application"))
    return tuple(out), tuple(declares)


def _child(text: str, start: int, tag: str) -> str:
    """``<Version>1.2</Version>`` right inside an element opened at ``start``."""
    m = re.match(rf"\s*<{tag}>\s*([^<]*?)\s*</{tag}>", text[start:start + 200])
    return m.group(1) if m else ""


# --- Maven ---------------------------------------------------------------------------------


def _strip_comments(text: str) -> str:
    """XML comments blanked out, newlines kept so line numbers stay right."""
    return re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)


def _tag(block: str, name: str) -> str:
    m = re.search(rf"<{name}>\s*([^<]*?)\s*</{name}>", block)
    return m.group(1) if m else ""


def _pom(text: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    text = _strip_comments(text)
    # the project's own coordinates: outside parent, dependencies, build and profiles
    own = re.sub(r"<(parent|dependencies|dependencyManagement|build|profiles|reporting|pluginRepositories|repositories)>.*?</\1>",
                 "", text, flags=re.S)
    out, declares = [], []
    parent = re.search(r"<parent>(.*?)</parent>", text, re.S)
    parent_group = _tag(parent.group(1), "groupId") if parent else ""
    group = _tag(own, "groupId") or parent_group
    artifact = _tag(own, "artifactId")
    if group:
        declares.append(("maven-group", group))
    if artifact:
        declares.append(("maven-artifact", f"{group}:{artifact}"))
    declares += [("maven-module", m) for m in re.findall(r"<module>\s*([^<]+?)\s*</module>", text)]
    if re.search(r"<artifactId>\s*spring-boot-maven-plugin\s*</artifactId>", text):
        declares.append(("deployable", "spring boot application"))  # a runnable jar of its own
    if parent:
        number = text.count("\n", 0, parent.start()) + 1
        out.append(Requirement(f"{parent_group}:{_tag(parent.group(1), 'artifactId')}", number,
                               _tag(parent.group(1), "version"), "parent", "maven"))
    managed = [(m.start(), m.end()) for m in re.finditer(r"<dependencyManagement>.*?</dependencyManagement>", text, re.S)]
    plugins = [(m.start(), m.end()) for m in re.finditer(r"<(plugins|pluginManagement)>.*?</\1>", text, re.S)]
    for m in re.finditer(r"<dependency>(.*?)</dependency>", text, re.S):
        if any(a <= m.start() < b for a, b in plugins):
            continue
        body = m.group(1)
        g, a = _tag(body, "groupId"), _tag(body, "artifactId")
        if not a:
            continue
        g = g.replace("${project.groupId}", group).replace("${project.parent.groupId}", parent_group)
        scope = _tag(body, "scope")
        section = ("managed" if any(x <= m.start() < y for x, y in managed)
                   else DEV if scope == "test" else "provided" if scope == "provided" else "main")
        number = text.count("\n", 0, m.start() + body.find("<artifactId>")) + 1
        out.append(Requirement(f"{g}:{a}", number, _tag(body, "version"), section, "maven"))
    return tuple(out), tuple(declares)


# --- Gradle ----------------------------------------------------------------------------------

_CONF = (r"(implementation|api|compileOnly|runtimeOnly|compile|runtime|kapt|ksp|annotationProcessor|developmentOnly"
         r"|testImplementation|testRuntimeOnly|testCompileOnly|testCompile|testFixturesImplementation"
         r"|integrationTestImplementation|androidTestImplementation|debugImplementation|releaseImplementation)")
_COORD = re.compile(_CONF + r"""\s*\(?\s*(platform\s*\(\s*|enforcedPlatform\s*\(\s*)?["']([\w.\-]+):([\w.\-]+)(?::([^"'@]*))?""")
_MAP = re.compile(_CONF + r"""\s*\(?\s*group\s*[:=]\s*["']([\w.\-]+)["']\s*,\s*name\s*[:=]\s*["']([\w.\-]+)["']""")
_LIBS = re.compile(_CONF + r"""\s*\(?\s*(platform\s*\(\s*)?libs\.((?:bundles\.)?[\w.]+)""")


# A build that makes something run on its own: the application plugin (or its `application { mainClass }`
# block), Spring Boot's, Ktor's or an Android application's.
_GRADLE_APP = re.compile(r"""(?m)^\s*(?:id\s*\(?\s*["'](?:application|org\.springframework\.boot|io\.ktor\.plugin|"""
                         r"""com\.android\.application)["']|application\s*\{|apply\s+plugin\s*:\s*["']"""
                         r"""(?:application|org\.springframework\.boot|com\.android\.application)["']|"""
                         r"""alias\s*\(\s*libs\.plugins\.(?:spring\.boot|ktor|android\.application)\b)""")


def _gradle_section(conf: str, platform: str | None) -> str:
    if platform:
        return "managed"
    return DEV if conf.lower().startswith(("test", "androidtest", "integrationtest")) else "main"


def _gradle(text: str) -> tuple[Requirement, ...]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("//", "*", "/*")):
            continue
        for m in _COORD.finditer(line):
            out.append(Requirement(f"{m.group(3)}:{m.group(4)}", number, m.group(5) or "",
                                   _gradle_section(m.group(1), m.group(2)), "maven"))
        for m in _MAP.finditer(line):
            out.append(Requirement(f"{m.group(2)}:{m.group(3)}", number, "", _gradle_section(m.group(1), None), "maven"))
        for m in _LIBS.finditer(line):
            alias = m.group(3).rstrip(".").removesuffix(".get")
            out.append(Requirement("libs." + alias, number, "", _gradle_section(m.group(1), m.group(2)), "maven"))
    return tuple(out)


def catalog_accessor(alias: str) -> str:
    """A version-catalog alias as Gradle's accessor spells it: ``spring-kafka`` / ``spring_kafka`` -> ``spring.kafka``."""
    return re.sub(r"[-_]", ".", alias)


def _catalog(text: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return (), ()
    lines = text.splitlines()
    out, declares = [], []
    libraries = data["libraries"] if isinstance(data.get("libraries"), dict) else {}
    for alias, value in libraries.items():
        coord = ""
        if isinstance(value, str):
            coord = ":".join(value.split(":")[:2])
        elif isinstance(value, dict):
            coord = value.get("module") or (f"{value.get('group')}:{value.get('name')}" if value.get("group") else "")
        if coord:
            out.append(Requirement(coord, _line_of(lines, alias), "", "catalog", "maven"))
            declares.append(("gradle-library", f"{catalog_accessor(alias)}\t{coord}"))
    for alias, members in (data.get("bundles") or {}).items() if isinstance(data.get("bundles"), dict) else ():
        for member in members if isinstance(members, list) else ():
            declares.append(("gradle-bundle", f"{catalog_accessor(alias)}\t{catalog_accessor(str(member))}"))
    return tuple(out), tuple(declares)


# --- Go ---------------------------------------------------------------------------------------


def _go_mod(text: str) -> tuple[tuple[Requirement, ...], tuple[tuple[str, str], ...]]:
    out, declares, block = [], [], False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        indirect = bool(re.search(r"//\s*indirect\b", line))
        code = line.split("//")[0].strip()
        if code.startswith("module "):
            declares.append(("go-module", code.split()[1].strip('"')))
            continue
        if code.startswith("require ("):
            block = True
            continue
        if block and code == ")":
            block = False
            continue
        words = code.split()
        if code.startswith("require ") and len(words) >= 3:
            words = words[1:]
        elif not block or len(words) < 2:
            continue
        out.append(Requirement(words[0].strip('"'), number, words[1], "indirect" if indirect else "main", "go"))
    return tuple(out), tuple(declares)
