#!/usr/bin/env bash
# Tests of deploy/: the Helm chart (rendered by tests/deploy/helmrender, a Go
# program built here from Debian's golang-go and sprig, since Helm is not
# packaged in Debian), yamllint, the systemd unit, the Prometheus example and
# the Containerfile.
#
#   bash tests/deploy/test_deploy.sh
#
# Installs what it needs with apt-get when a tool is missing (as root on
# Debian 12). Prints "N passed, N failed" and exits non-zero on any failure.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHART="$ROOT/deploy/helm/tocsin"
HERE="$ROOT/tests/deploy"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-deploy-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS  $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $1"; }

# check NAME CMD...: runs CMD, passes when it exits 0, shows its output otherwise.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name"
        printf '%s\n' "$out" | sed 's/^/      /' | tail -n 40
    fi
}

# check_fails NAME PATTERN CMD...: CMD must fail and print PATTERN.
check_fails() {
    local name=$1 pattern=$2; shift 2
    local out
    if out=$("$@" 2>&1); then
        fail "$name (command succeeded)"
    elif grep -q -- "$pattern" <<<"$out"; then
        pass "$name"
    else
        fail "$name (no \"$pattern\" in the error)"
        printf '%s\n' "$out" | sed 's/^/      /' | tail -n 20
    fi
}

# ---------------------------------------------------------------- tools
APT_UPDATED=0
apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "missing $*: install them (apt-get install $*) or run as root on Debian" >&2
        return 1
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# need COMMAND PACKAGE
need() { command -v "$1" >/dev/null || apt_install "$2" || true; }
# need_dir DIR PACKAGE
need_dir() { [ -d "$1" ] || apt_install "$2" || true; }

need go golang-go
need yamllint yamllint
need promtool prometheus
need systemd-analyze systemd
need apt-cache apt
need_dir /usr/share/gocode/src/github.com/Masterminds/sprig golang-github-masterminds-sprig-dev
need_dir /usr/share/gocode/src/gopkg.in/yaml.v2 golang-gopkg-yaml.v2-dev
need_dir /usr/share/gocode/src/github.com/BurntSushi/toml golang-github-burntsushi-toml-dev

# A python3 with the yaml module (Debian's python3-yaml).
PY=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    apt_install python3 python3-yaml || true
    PY=/usr/bin/python3
fi

# ---------------------------------------------------------------- renderer
RENDER="$WORK/helmrender"
# GOPATH mode (no go.mod, no network): the imports resolve in /usr/share/gocode.
check "build the Helm renderer (Go, GOPATH mode, Debian's sprig)" bash -c \
    'cd "$1" && env -u GOFLAGS GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$2" go build -o "$3" .' \
    _ "$HERE/helmrender" "${GOCACHE:-$WORK/gocache}" "$RENDER"

if [ -x "$RENDER" ]; then
    # The renderer itself against a golden output: include, tpl, required,
    # toYaml, fromYaml, toJson, lookup, .Files, .Capabilities, missing keys, sprig.
    check "renderer matches Helm on the fixture chart" bash -c \
        'diff -u "$3" <("$1" --name rel --namespace ns1 --set greeting=hi "$2")' \
        _ "$RENDER" "$HERE/fixtures/renderer" "$HERE/fixtures/renderer.expected.txt"

    # scenario NAME RENDER-ARGS...: render, then check the manifests.
    scenario() {
        local name=$1; shift
        local out="$WORK/$name.yaml"
        if "$RENDER" "$@" "$CHART" >"$out" 2>"$WORK/$name.err"; then
            pass "render chart: $name"
            check "manifests: $name" "$PY" "$HERE/check_manifests.py" "$name" "$out"
            check "yamllint rendered manifests: $name" yamllint -d relaxed "$out"
        else
            fail "render chart: $name"
            sed 's/^/      /' "$WORK/$name.err"
        fi
    }
    scenario defaults
    scenario all-on --name mon --namespace monitoring -f "$HERE/values-all-on.yaml"
    scenario ephemeral --name mon --namespace monitoring -f "$HERE/values-ephemeral.yaml"

    check "NOTES.txt renders" bash -c '"$1" --notes "$2" | grep -q "port-forward svc/release-name-tocsin 9093:9093"' _ "$RENDER" "$CHART"
    check "--set overrides values (persistence off, ingress on)" bash -c \
        '"$1" --set persistence.enabled=false,ingress.enabled=true --set-string image.tag=1.2.3 "$2" >"$3" &&
         grep -q "kind: Ingress" "$3" && ! grep -q volumeClaimTemplates "$3" && grep -q "image: \"tocsin/tocsin:1.2.3\"" "$3"' \
        _ "$RENDER" "$CHART" "$WORK/set.yaml"
    check "fullnameOverride and namespaceOverride" bash -c \
        '"$1" --set fullnameOverride=am,namespaceOverride=obs "$2" | grep -q "^  name: am$" &&
         "$1" --set fullnameOverride=am,namespaceOverride=obs "$2" | grep -q "^  namespace: obs$"' _ "$RENDER" "$CHART"
    check "checksum/config changes with the config" bash -c \
        'a=$("$1" "$2" | grep checksum/config); b=$("$1" --set config.global.resolve_timeout=1m "$2" | grep checksum/config);
         [ -n "$a" ] && [ "$a" != "$b" ]' _ "$RENDER" "$CHART"
    check_fails "required: empty image.repository is refused" "image.repository is required" \
        "$RENDER" --set image.repository= "$CHART"
    check_fails "fail: persistence without size is refused" "persistence.size is required" \
        "$RENDER" --set persistence.size= "$CHART"
    check_fails "fail: ingress without hosts is refused" "ingress.hosts must list at least one host" \
        "$RENDER" --set ingress.enabled=true --set ingress.hosts=null "$CHART"
    check "values.yaml: every key is documented" "$PY" - "$CHART/values.yaml" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = []
for i, line in enumerate(lines):
    m = re.match(r"^(\s*)(- )?([A-Za-z][\w.-]*):", line)
    if not m:
        continue
    j = i - 1  # a key needs a comment on the line above (or a "# --" item comment)
    prev = lines[j].strip() if j >= 0 else ""
    if not prev.startswith("#") and not (m.group(2) is None and prev.startswith("- #")):
        bad.append(f"{i + 1}: {line.strip()}")
if bad:
    print("undocumented keys:\n" + "\n".join(bad))
    sys.exit(1)
EOF
fi

# ---------------------------------------------------------------- yamllint
check "yamllint deploy/ and tests/deploy/ (strict, deploy/.yamllint)" \
    yamllint --strict -c "$ROOT/deploy/.yamllint" "$ROOT/deploy" "$HERE"

# ---------------------------------------------------------------- systemd
UNIT="$ROOT/deploy/systemd/tocsin.service"
# verify needs ExecStart's binary to exist: check a copy whose binary path is
# replaced by /bin/true, so the test needs no installed tocsin.
mkdir -p "$WORK/unit"
sed 's#/usr/local/bin/tocsin#/bin/true#g' "$UNIT" >"$WORK/unit/tocsin.service"
check "systemd-analyze verify tocsin.service" bash -c \
    'out=$(systemd-analyze verify "$1" 2>&1); rc=$?; printf "%s" "$out"; [ $rc = 0 ] && [ -z "$out" ]' _ "$WORK/unit/tocsin.service"
check "systemd-analyze security: exposure <= 2.0" \
    systemd-analyze security --offline=true --threshold=20 --no-pager "$WORK/unit/tocsin.service"
check "unit: DynamicUser, StateDirectory, reference flags, SIGHUP reload" "$PY" - "$UNIT" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read().replace("\\\n", " ")
want = ["DynamicUser=yes", "StateDirectory=tocsin", "ExecReload=/bin/kill -HUP $MAINPID",
        "--config.file=/etc/tocsin/alertmanager.yml", "--storage.path=/var/lib/tocsin",
        "--web.listen-address=:9093", "--cluster.listen-address=", "ProtectSystem=strict",
        "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes", "PrivateDevices=yes",
        "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "CapabilityBoundingSet=\n",
        "ExecStart=/usr/local/bin/tocsin "]
missing = [w for w in want if w not in text]
if missing:
    print("missing:", missing)
    sys.exit(1)
EOF

# ---------------------------------------------------------------- prometheus
PROM="$ROOT/deploy/prometheus"
check "promtool check config prometheus.yml" promtool check config "$PROM/prometheus.yml"
check "promtool check rules" promtool check rules "$PROM/rules/tocsin.rules.yml"
check "promtool test rules" promtool test rules "$PROM/rules/tocsin.rules.test.yml"
check "prometheus.yml sends alerts to 127.0.0.1:9093" "$PY" - "$PROM/prometheus.yml" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
targets = [t for am in c["alerting"]["alertmanagers"] for sc in am["static_configs"] for t in sc["targets"]]
assert targets == ["127.0.0.1:9093"], targets
rules = yaml.safe_load(open(sys.argv[1].rsplit("/", 1)[0] + "/" + c["rule_files"][0]))
names = [r["alert"] for g in rules["groups"] for r in g["rules"]]
assert "TocsinE2EAlwaysFiring" in names, names
e2e = [r for g in rules["groups"] for r in g["rules"] if r["alert"] == "TocsinE2EAlwaysFiring"][0]
assert e2e["expr"].strip() == "vector(1)" and "for" not in e2e, e2e
EOF
# The community chart snippet: rebuild the prometheus.yml the chart would
# produce from server.alertmanagers and serverFiles, and check it.
mkdir -p "$WORK/chartprom"
check "prometheus chart values: alertmanager disabled, alertmanagers -> tocsin" "$PY" - \
    "$PROM/prometheus-chart-values.yaml" "$WORK/chartprom" <<'EOF'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
out = sys.argv[2]
assert v["alertmanager"]["enabled"] is False
ams = v["server"]["alertmanagers"]
assert any("tocsin" in t and t.endswith(":9093") for am in ams for sc in am["static_configs"] for t in sc["targets"]), ams
yaml.safe_dump(v["serverFiles"]["alerting_rules.yml"], open(out + "/alerting_rules.yml", "w"))
yaml.safe_dump({"alerting": {"alertmanagers": ams}, "rule_files": ["alerting_rules.yml"]},
               open(out + "/prometheus.yml", "w"))
EOF
check "promtool check config on the chart snippet" promtool check config "$WORK/chartprom/prometheus.yml"

# ---------------------------------------------------------------- container
CF="$ROOT/deploy/container/Containerfile"
check "Containerfile: multi-stage Debian 12, non-root, port, volume, entrypoint" "$PY" - "$CF" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
lines = [l for l in text.replace("\\\n", " ").splitlines() if l.strip() and not l.lstrip().startswith("#")]
froms = [l.split()[1] for l in lines if l.startswith("FROM ")]
assert froms == ["debian:12", "debian:12-slim"], froms
assert any(l.startswith("USER 65534") for l in lines)
assert "EXPOSE 9093" in lines
assert any(l.startswith("VOLUME") and "/data" in l for l in lines)
ep = [l for l in lines if l.startswith("ENTRYPOINT")]
assert ep and "tocsin" in ep[-1] and "--storage.path=/data" in ep[-1], ep
assert "cmake --install" in text and "--from=builder" in text
# hadolint-style rules: apt lists removed, no recommends, -y, no latest tag, no sudo
for l in lines:
    if "apt-get install" in l:
        assert "--no-install-recommends" in l and "-y" in l and "rm -rf /var/lib/apt/lists" in l, l
assert not re.search(r"FROM \S+:latest", text) and "sudo " not in text
EOF
check "Containerfile: every apt package exists in Debian 12" bash -c '
    pkgs=$(sed -e ":a;/\\\\$/N;s/\\\\\n//;ta" "$1" | grep "apt-get install" |
           sed -e "s/.*--no-install-recommends//" -e "s/&&.*//" | tr " " "\n" | grep -v "^$")
    [ -n "$pkgs" ] || exit 1
    for p in $pkgs; do apt-cache show "$p" >/dev/null 2>&1 || { echo "unknown package $p"; exit 1; }; done' _ "$CF"

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
