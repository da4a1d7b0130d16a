// helmrender renders a Helm chart's templates the way `helm template` does,
// for the tests of deploy/helm/. Helm itself is not packaged in Debian; this
// program is built from Debian's golang-go, golang-github-masterminds-sprig-dev
// (the function library Helm uses) and golang-gopkg-yaml.v2-dev, in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helmrender ./tests/deploy/helmrender
//
// What it implements, following helm.sh/helm/v3/pkg/engine and pkg/chartutil:
//   - .Values: the chart's values.yaml, deep-merged with -f files and --set /
//     --set-string overrides (later wins, a null removes a key); numbers read
//     from YAML are float64, as in Helm.
//   - .Release (Name, Namespace, Service, IsInstall, IsUpgrade, Revision),
//     .Chart (the fields of Chart.yaml, capitalised), .Capabilities (KubeVersion,
//     APIVersions.Has, HelmVersion), .Template (Name, BasePath), .Files (Get,
//     GetBytes, Glob, Lines, AsConfig, AsSecrets).
//   - the sprig functions without env/expandenv, plus Helm's include, tpl,
//     required, fail, toYaml, mustToYaml, fromYaml, fromYamlArray, toJson,
//     mustToJson, fromJson, fromJsonArray, toToml and lookup (which returns an
//     empty map, as `helm template` does without a cluster).
//   - missingkey=zero and the "<no value>" removal, templates named
//     <chart>/templates/<file>, files starting with "_" are partials, NOTES.txt
//     is rendered only with --notes, empty manifests are dropped.
//
// Usage: helmrender [--name N] [--namespace NS] [-f values.yaml]... [--set k=v]...
//
//	[--set-string k=v]... [--kube-version v1.29.0] [--notes] CHART_DIR
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

const recursionMax = 1000

// ---------- values ----------

// normalize turns what yaml.v2 decodes into what Helm's sigs.k8s.io/yaml
// produces: map[string]interface{} everywhere and float64 numbers.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = normalize(val)
		}
		return m
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[k] = normalize(val)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, val := range t {
			l[i] = normalize(val)
		}
		return l
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	default:
		return v
	}
}

func readYAMLMap(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := normalize(raw).(map[string]interface{})
	if !ok {
		return nil, errors.New("top level is not a mapping")
	}
	return m, nil
}

// merge deep-merges src over dst (Helm's coalescing of user values over chart
// defaults): maps merge key by key, anything else replaces, nil deletes.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = merge(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// splitUnescaped splits s at sep, honouring backslash escapes.
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			cur.WriteByte(s[i+1])
			i++
			continue
		}
		if c == sep {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(parts, cur.String())
}

// typedValue converts a --set value as Helm's strvals does.
func typedValue(s string, asString bool) interface{} {
	if asString {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if len(s) > 0 && (s[0] != '0' || s == "0") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	}
	return s
}

// parseSet applies "a.b.c=v,d=w" to vals. List indexes are not supported.
func parseSet(vals map[string]interface{}, expr string, asString bool) error {
	for _, assign := range splitTopLevel(expr) {
		eq := strings.IndexByte(assign, '=')
		if eq < 0 {
			return fmt.Errorf("--set %q: key without value", assign)
		}
		keys := splitUnescaped(assign[:eq], '.')
		rawVal := assign[eq+1:]
		var val interface{}
		if strings.HasPrefix(rawVal, "{") && strings.HasSuffix(rawVal, "}") && !asString {
			var list []interface{}
			inner := rawVal[1 : len(rawVal)-1]
			if inner != "" {
				for _, item := range splitUnescaped(inner, ',') {
					list = append(list, typedValue(item, false))
				}
			}
			val = list
		} else {
			val = typedValue(strings.ReplaceAll(rawVal, "\\,", ","), asString)
		}
		cur := vals
		for i, k := range keys {
			if i == len(keys)-1 {
				if val == nil {
					delete(cur, k)
				} else {
					cur[k] = val
				}
				break
			}
			next, ok := cur[k].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				cur[k] = next
			}
			cur = next
		}
	}
	return nil
}

// splitTopLevel splits at commas that are neither escaped nor inside {...}.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// ---------- built-in objects ----------

// Metadata mirrors helm.sh/helm/v3/pkg/chart.Metadata (.Chart).
type Metadata struct {
	Name         string            `yaml:"name"`
	Home         string            `yaml:"home"`
	Sources      []string          `yaml:"sources"`
	Version      string            `yaml:"version"`
	Description  string            `yaml:"description"`
	Keywords     []string          `yaml:"keywords"`
	Maintainers  []interface{}     `yaml:"maintainers"`
	Icon         string            `yaml:"icon"`
	APIVersion   string            `yaml:"apiVersion"`
	Condition    string            `yaml:"condition"`
	Tags         string            `yaml:"tags"`
	AppVersion   string            `yaml:"appVersion"`
	Deprecated   bool              `yaml:"deprecated"`
	Annotations  map[string]string `yaml:"annotations"`
	KubeVersion  string            `yaml:"kubeVersion"`
	Dependencies []interface{}     `yaml:"dependencies"`
	Type         string            `yaml:"type"`
}

// KubeVersion mirrors chartutil.KubeVersion.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// VersionSet mirrors chartutil.VersionSet.
type VersionSet []string

// Has reports whether an API version (or version/Kind) is available.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities mirrors chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

func defaultAPIVersions() VersionSet {
	groups := map[string][]string{
		"v1":                           {"ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim", "Pod", "Namespace"},
		"apps/v1":                      {"StatefulSet", "Deployment", "DaemonSet", "ReplicaSet"},
		"networking.k8s.io/v1":         {"Ingress", "NetworkPolicy", "IngressClass"},
		"policy/v1":                    {"PodDisruptionBudget"},
		"rbac.authorization.k8s.io/v1": {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"},
		"batch/v1":                     {"Job", "CronJob"},
		"autoscaling/v2":               {"HorizontalPodAutoscaler"},
	}
	var vs VersionSet
	for gv, kinds := range groups {
		vs = append(vs, gv)
		for _, k := range kinds {
			vs = append(vs, gv+"/"+k)
		}
	}
	sort.Strings(vs)
	return vs
}

// Files mirrors engine.files (.Files): the chart's files outside templates/.
type Files map[string][]byte

// GetBytes returns a file's content, or nil.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Get returns a file's content as a string, or "".
func (f Files) Get(name string) string { return string(f[name]) }

// Glob returns the files whose path matches pattern.
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

// Lines splits a file into lines.
func (f Files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (f Files) sortedNames() []string {
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// AsConfig renders the files as the data block of a ConfigMap.
func (f Files) AsConfig() string {
	m := map[string]string{}
	for _, n := range f.sortedNames() {
		m[path.Base(n)] = string(f[n])
	}
	return toYAML(m)
}

// AsSecrets renders the files as the data block of a Secret.
func (f Files) AsSecrets() string {
	m := map[string]string{}
	for _, n := range f.sortedNames() {
		m[path.Base(n)] = base64.StdEncoding.EncodeToString(f[n])
	}
	return toYAML(m)
}

// ---------- functions Helm adds to sprig ----------

// toYAML is Helm's toYaml: JSON first (so struct tags and key order follow
// sigs.k8s.io/yaml), then YAML, trailing newline removed; "" on error.
func toYAML(v interface{}) string {
	s, err := mustToYAML(v)
	if err != nil {
		return ""
	}
	return s
}

func mustToYAML(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return "", err
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

func fromYAML(s string) map[string]interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	m, ok := normalize(raw).(map[string]interface{})
	if !ok {
		if raw == nil {
			return map[string]interface{}{}
		}
		return map[string]interface{}{"Error": "error unmarshaling JSON: cannot unmarshal into a map"}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return []interface{}{err.Error()}
	}
	l, ok := normalize(raw).([]interface{})
	if !ok {
		return []interface{}{"error unmarshaling JSON: cannot unmarshal into an array"}
	}
	return l
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func mustToJSON(v interface{}) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var l []interface{}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return []interface{}{err.Error()}
	}
	return l
}

func toTOML(v interface{}) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return err.Error()
	}
	return b.String()
}

func warnWrap(msg string) string { return "HELM_ERR_START" + msg + "HELM_ERR_END" }

func cleanupErr(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if i := strings.Index(s, "HELM_ERR_START"); i >= 0 {
		if j := strings.Index(s, "HELM_ERR_END"); j > i {
			// keep the template location, show the message without markers
			loc := s[:i]
			if k := strings.Index(loc, "error calling"); k > 0 {
				loc = loc[:k]
			}
			return errors.New(loc + s[i+len("HELM_ERR_START"):j])
		}
	}
	return err
}

// ---------- engine ----------

type engine struct {
	includes map[string]int
}

func (e *engine) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toToml":        toTOML,
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		// late-bound to a template set in bind()
		"include": func(string, interface{}) string { return "not implemented" },
		"tpl":     func(string, interface{}) interface{} { return "not implemented" },
		"required": func(warn string, val interface{}) (interface{}, error) {
			if val == nil {
				return val, errors.New(warnWrap(warn))
			}
			if s, ok := val.(string); ok && s == "" {
				return val, errors.New(warnWrap(warn))
			}
			return val, nil
		},
		"fail": func(msg string) (string, error) { return "", errors.New(warnWrap(msg)) },
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (e *engine) includeFun(t *template.Template) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if e.includes[name] > recursionMax {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		e.includes[name]++
		defer func() { e.includes[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

func (e *engine) tplFun(parent *template.Template) func(string, interface{}) (string, error) {
	return func(text string, vals interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		e.bind(t)
		t, err = t.New(parent.Name()).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// bind re-injects the functions that close over a template set.
func (e *engine) bind(t *template.Template) {
	t.Funcs(template.FuncMap{"include": e.includeFun(t), "tpl": e.tplFun(t)})
}

type chartFile struct {
	name string // <chart>/templates/<path>
	data string
}

func loadChart(dir string) (meta Metadata, values map[string]interface{}, tpls []chartFile, files Files, err error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return
	}
	if err = yaml.Unmarshal(raw, &meta); err != nil {
		err = fmt.Errorf("Chart.yaml: %w", err)
		return
	}
	if meta.Name == "" || meta.Version == "" || meta.APIVersion == "" {
		err = errors.New("Chart.yaml: apiVersion, name and version are required")
		return
	}
	values = map[string]interface{}{}
	if raw, rerr := os.ReadFile(filepath.Join(dir, "values.yaml")); rerr == nil {
		if values, err = readYAMLMap(raw); err != nil {
			err = fmt.Errorf("values.yaml: %w", err)
			return
		}
	}
	files = Files{}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, werr error) error {
		if werr != nil {
			return werr
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" || (strings.HasPrefix(info.Name(), ".") && rel != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		data, rerr := os.ReadFile(p)
		if rerr != nil {
			return rerr
		}
		if strings.HasPrefix(rel, "templates/") {
			tpls = append(tpls, chartFile{name: meta.Name + "/" + rel, data: string(data)})
			return nil
		}
		switch rel {
		case "Chart.yaml", "values.yaml", "Chart.lock", "values.schema.json", ".helmignore":
			return nil
		}
		files[rel] = data
		return nil
	})
	return
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "helmrender: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var (
		name, namespace = "release-name", "default"
		kubeVersion     = "v1.29.0"
		valueFiles      multiFlag
		sets            multiFlag
		setStrings      multiFlag
		notes           bool
		chartDir        string
	)
	args := os.Args[1:]
	next := func(i *int, flag string) string {
		if *i+1 >= len(args) {
			die("%s needs a value", flag)
		}
		*i++
		return args[*i]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		flag, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if eq := strings.IndexByte(a, '='); eq > 0 {
				flag, val, hasVal = a[:eq], a[eq+1:], true
			}
		}
		get := func() string {
			if hasVal {
				return val
			}
			return next(&i, flag)
		}
		switch flag {
		case "--name":
			name = get()
		case "--namespace", "-n":
			namespace = get()
		case "-f", "--values":
			valueFiles = append(valueFiles, get())
		case "--set":
			sets = append(sets, get())
		case "--set-string":
			setStrings = append(setStrings, get())
		case "--kube-version":
			kubeVersion = get()
		case "--notes":
			notes = true
		case "-h", "--help":
			fmt.Println("usage: helmrender [--name N] [--namespace NS] [-f values.yaml]... [--set k=v]... [--set-string k=v]... [--kube-version v1.29.0] [--notes] CHART_DIR")
			return
		default:
			if strings.HasPrefix(a, "-") {
				die("unknown flag %s", a)
			}
			if chartDir != "" {
				die("only one chart directory, got %s and %s", chartDir, a)
			}
			chartDir = a
		}
	}
	if chartDir == "" {
		die("no chart directory given")
	}

	meta, values, tpls, files, err := loadChart(chartDir)
	if err != nil {
		die("%v", err)
	}
	for _, vf := range valueFiles {
		raw, err := os.ReadFile(vf)
		if err != nil {
			die("%v", err)
		}
		user, err := readYAMLMap(raw)
		if err != nil {
			die("%s: %v", vf, err)
		}
		values = merge(values, user)
	}
	for _, s := range sets {
		if err := parseSet(values, s, false); err != nil {
			die("%v", err)
		}
	}
	for _, s := range setStrings {
		if err := parseSet(values, s, true); err != nil {
			die("%v", err)
		}
	}
	values = normalize(values).(map[string]interface{})

	kv := strings.TrimPrefix(kubeVersion, "v")
	parts := strings.SplitN(kv, ".", 3)
	if len(parts) < 2 {
		die("bad --kube-version %q", kubeVersion)
	}
	caps := Capabilities{
		KubeVersion: KubeVersion{Version: "v" + kv, Major: parts[0], Minor: parts[1], GitVersion: "v" + kv},
		APIVersions: defaultAPIVersions(),
		HelmVersion: map[string]string{"Version": "v3.14.0", "GitCommit": "", "GitTreeState": "clean", "GoVersion": "go1.19"},
	}
	release := map[string]interface{}{
		"Name": name, "Namespace": namespace, "Service": "Helm",
		"IsInstall": true, "IsUpgrade": false, "Revision": 1,
	}

	// Parse every template into one set, as Helm does (deepest paths first).
	sort.Slice(tpls, func(i, j int) bool {
		di, dj := strings.Count(tpls[i].name, "/"), strings.Count(tpls[j].name, "/")
		if di != dj {
			return di > dj
		}
		return tpls[i].name < tpls[j].name
	})
	e := &engine{includes: map[string]int{}}
	t := template.New("gotpl").Option("missingkey=zero").Funcs(e.funcMap())
	e.bind(t)
	for _, f := range tpls {
		if _, err := t.New(f.name).Parse(f.data); err != nil {
			die("parse error in %q: %v", f.name, err)
		}
	}

	sort.Slice(tpls, func(i, j int) bool { return tpls[i].name < tpls[j].name })
	var out strings.Builder
	var notesOut string
	for _, f := range tpls {
		base := path.Base(f.name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		isNotes := strings.HasSuffix(f.name, "/templates/NOTES.txt")
		vals := map[string]interface{}{
			"Values":       values,
			"Release":      release,
			"Chart":        meta,
			"Capabilities": caps,
			"Files":        files,
			"Template":     map[string]interface{}{"Name": f.name, "BasePath": meta.Name + "/templates"},
		}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, f.name, vals); err != nil {
			die("%v", cleanupErr(err))
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		if isNotes {
			notesOut = rendered
			continue
		}
		if strings.TrimSpace(rendered) == "" {
			continue
		}
		if !strings.HasSuffix(f.name, ".yaml") && !strings.HasSuffix(f.name, ".yml") && !strings.HasSuffix(f.name, ".json") {
			continue // Helm ignores other files under templates/
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", f.name, strings.TrimSpace(rendered))
	}
	os.Stdout.WriteString(out.String())
	if notes && notesOut != "" {
		fmt.Printf("\nNOTES:\n%s\n", strings.TrimSpace(notesOut))
	}
}
