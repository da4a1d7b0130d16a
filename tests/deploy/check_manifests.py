#!/usr/bin/env python3
"""Checks the manifests rendered from deploy/helm/tocsin for one scenario.

usage: check_manifests.py SCENARIO RENDERED.yaml
SCENARIO: defaults | all-on | ephemeral

Prints one line a check ("ok ..." or "FAIL ...") and exits 1 if any failed.
"""
import sys

import yaml

REFERENCE_FLAGS = ("--config.file=", "--storage.path=", "--web.listen-address=")


class Checker:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")
        return cond


def one(docs, kind, suffix=""):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].endswith(suffix)]
    return found[0] if len(found) == 1 else None


def main():
    scenario, path = sys.argv[1], sys.argv[2]
    c = Checker()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        print(f"FAIL rendered output is not valid YAML: {e}")
        return 1
    c.check(True, "rendered output is valid YAML")
    for d in docs:
        c.check(isinstance(d, dict) and {"apiVersion", "kind", "metadata"} <= d.keys(),
                f"document {d.get('kind')}/{d.get('metadata', {}).get('name')} has apiVersion, kind, metadata")
        c.check(d["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") == "Helm",
                f"{d['kind']} {d['metadata']['name']} carries the common labels")

    kinds = sorted(d["kind"] for d in docs)
    expected = {
        "defaults": ["ConfigMap", "Service", "Service", "ServiceAccount", "StatefulSet"],
        "all-on": ["ConfigMap", "Ingress", "Service", "Service", "ServiceAccount", "StatefulSet"],
        "ephemeral": ["ConfigMap", "Service", "Service", "ServiceAccount", "StatefulSet"],
    }[scenario]
    c.check(kinds == expected, f"kinds {kinds} == {expected}")

    sts = one(docs, "StatefulSet")
    if not c.check(sts is not None, "exactly one StatefulSet"):
        return 1
    spec = sts["spec"]
    pod = spec["template"]["spec"]
    c.check(spec["replicas"] == 1, "one replica")
    c.check(spec["serviceName"].endswith("-headless") and one(docs, "Service", "-headless") is not None,
            "serviceName is the headless Service")
    c.check(spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items(),
            "selector matches the pod labels")
    containers = {ct["name"]: ct for ct in pod["containers"]}
    main_c = containers.get("tocsin")
    if not c.check(main_c is not None, "a container named tocsin"):
        return 1
    args = main_c["args"]
    for flag in REFERENCE_FLAGS:
        c.check(any(a.startswith(flag) for a in args), f"flag {flag} present")
    c.check("--cluster.listen-address=" in args, "clustering disabled with --cluster.listen-address=")
    c.check("--storage.path=/data" in args, "--storage.path=/data")
    c.check("--web.listen-address=:9093" in args, "--web.listen-address=:9093")
    ports = {p["name"]: p["containerPort"] for p in main_c["ports"]}
    c.check(ports.get("http") == 9093, "container port http 9093")

    prefix = "/alerts" if scenario == "ephemeral" else ""
    lp = main_c["livenessProbe"]["httpGet"]
    rp = main_c["readinessProbe"]["httpGet"]
    c.check(lp == {"path": prefix + "/-/healthy", "port": "http"}, f"liveness probe on {prefix}/-/healthy")
    c.check(rp == {"path": prefix + "/-/ready", "port": "http"}, f"readiness probe on {prefix}/-/ready")

    psc, csc = pod["securityContext"], main_c["securityContext"]
    c.check(psc.get("runAsUser") == 65534 and psc.get("runAsNonRoot") is True, "pod runs as 65534, non-root")
    c.check(psc.get("fsGroup") == 65534, "fsGroup 65534 (storage writable)")
    c.check(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    c.check(csc.get("allowPrivilegeEscalation") is False, "no privilege escalation")
    c.check(csc.get("capabilities", {}).get("drop") == ["ALL"], "all capabilities dropped")
    c.check(main_c["resources"].get("limits", {}).get("memory") and main_c["resources"].get("requests"),
            "resources set")
    c.check(pod["automountServiceAccountToken"] is False, "no service account token")

    ann = spec["template"]["metadata"].get("annotations", {})
    c.check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "9093"
            and ann.get("prometheus.io/path") == prefix + "/metrics", "pod scrape annotations")
    svc = one(docs, "Service", "-tocsin") or one(docs, "Service", "tocsin")
    c.check(svc is not None and svc["spec"]["ports"][0]["port"] == 9093
            and svc["spec"]["ports"][0]["targetPort"] == "http", "Service on 9093")
    c.check(svc is not None and svc["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true",
            "Service scrape annotation")

    mounts = {m["name"]: m for m in main_c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    c.check(mounts.get("config", {}).get("mountPath") == "/etc/tocsin", "config mounted in /etc/tocsin")
    c.check(mounts.get("storage", {}).get("mountPath") == "/data", "storage mounted in /data")
    c.check("tmp" in mounts and "emptyDir" in volumes.get("tmp", {}), "writable /tmp emptyDir")
    for name, m in mounts.items():
        c.check(name in volumes or name in [t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])],
                f"mount {name} has a volume")

    cms = [d for d in docs if d["kind"] == "ConfigMap"]
    cm = cms[0] if cms else None
    vct = spec.get("volumeClaimTemplates", [])

    if scenario in ("defaults", "ephemeral"):
        c.check("--config.file=/etc/tocsin/alertmanager.yml" in args, "--config.file=/etc/tocsin/alertmanager.yml")
        c.check(volumes["config"].get("configMap", {}).get("name") == cm["metadata"]["name"],
                "config volume is the ConfigMap")
        amcfg = yaml.safe_load(cm["data"]["alertmanager.yml"])
        c.check(isinstance(amcfg, dict) and amcfg["route"]["receiver"] in [r["name"] for r in amcfg["receivers"]],
                "alertmanager.yml parses and its root receiver exists")
        c.check(len(ann.get("checksum/config", "")) == 64, "checksum/config annotation (sha256)")
        c.check("config-reloader" not in containers, "no reloader sidecar by default")

    if scenario == "defaults":
        c.check(len(vct) == 1 and vct[0]["metadata"]["name"] == "storage", "volumeClaimTemplate storage")
        c.check(vct and vct[0]["spec"]["resources"]["requests"]["storage"] == "1Gi"
                and "storageClassName" not in vct[0]["spec"], "1Gi claim on the default StorageClass")
        c.check("storage" not in volumes, "no emptyDir for storage when persistent")
        c.check(not any(a.startswith("--web.external-url") for a in args), "no external URL by default")

    if scenario == "all-on":
        c.check(volumes["config"].get("secret", {}).get("secretName") == "tocsin-config",
                "config volume is the existingSecret")
        c.check("alertmanager.yml" not in cm["data"] and "team.tmpl" in cm["data"],
                "ConfigMap holds the templates only")
        c.check(mounts.get("templates", {}).get("mountPath") == "/etc/tocsin/templates",
                "templates mounted in /etc/tocsin/templates")
        c.check(len(vct) == 1 and vct[0]["spec"].get("storageClassName") == "fast-ssd"
                and vct[0]["spec"]["resources"]["requests"]["storage"] == "5Gi",
                "claim on StorageClass fast-ssd, 5Gi")
        ing = one(docs, "Ingress")
        c.check(ing["metadata"]["annotations"].get("cert-manager.io/cluster-issuer") == "letsencrypt-prod",
                "cert-manager cluster-issuer annotation")
        c.check(ing["spec"]["tls"] == [{"hosts": ["alerts.example.org"], "secretName": "tocsin-tls"}], "Ingress TLS")
        c.check(ing["spec"].get("ingressClassName") == "nginx", "ingressClassName")
        backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        c.check(backend == {"name": svc["metadata"]["name"], "port": {"number": 9093}}, "Ingress backend is the Service")
        c.check("--web.external-url=https://alerts.example.org/" in args, "external URL from the Ingress host")
        rl = containers.get("config-reloader")
        c.check(rl is not None and any(a.endswith("127.0.0.1:9093/-/reload") for a in rl["args"]),
                "reloader sidecar POSTs /-/reload")
        c.check(rl is not None and rl["securityContext"].get("readOnlyRootFilesystem") is True,
                "reloader sidecar read-only too")
        c.check("checksum/config" not in ann, "no rolling checksum when the reloader is on")

    if scenario == "ephemeral":
        c.check(vct == [], "no volumeClaimTemplates")
        c.check("emptyDir" in volumes.get("storage", {}), "storage is an emptyDir")
        c.check("--web.external-url=https://mon.example.net/alerts/" in args, "external URL through tpl")
        amcfg = yaml.safe_load(cm["data"]["alertmanager.yml"])
        c.check(amcfg["receivers"][0]["webhook_configs"][0]["url"] == "http://hooks.monitoring.svc:8080/alert",
                "config rendered through tpl")

    print(f"{scenario}: {c.passed} checks passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
