{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "tocsin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart> unless the release name already contains the chart name. */}}
{{- define "tocsin.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Namespace of every resource. */}}
{{- define "tocsin.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* chart label: name-version. */}}
{{- define "tocsin.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the pods; never change them after the first install. */}}
{{- define "tocsin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tocsin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Common labels of every resource. */}}
{{- define "tocsin.labels" -}}
helm.sh/chart: {{ include "tocsin.chart" . }}
{{ include "tocsin.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: alertmanager
app.kubernetes.io/part-of: {{ include "tocsin.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "tocsin.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tocsin.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: repository:tag or repository@digest. */}}
{{- define "tocsin.image" -}}
{{- $repo := required "image.repository is required" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/* Port number of --web.listen-address (":9093" -> 9093). */}}
{{- define "tocsin.containerPort" -}}
{{- $addr := required "args.listenAddress is required" .Values.args.listenAddress | toString }}
{{- $parts := splitList ":" $addr }}
{{- last $parts | default "9093" }}
{{- end }}

{{/* External URL: args.externalUrl, else the first Ingress host, else empty. */}}
{{- define "tocsin.externalUrl" -}}
{{- if .Values.args.externalUrl }}
{{- tpl .Values.args.externalUrl . }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $scheme := ternary "https" "http" (gt (len .Values.ingress.tls) 0) }}
{{- $prefix := .Values.args.routePrefix | default "/" }}
{{- printf "%s://%s%s" $scheme $host $prefix }}
{{- end }}
{{- end }}

{{/* Effective route prefix without trailing slash ("" for the root):
     args.routePrefix, else the path of the external URL. */}}
{{- define "tocsin.routePrefix" -}}
{{- $prefix := .Values.args.routePrefix }}
{{- if not $prefix }}
{{- $url := include "tocsin.externalUrl" . }}
{{- if $url }}
{{- $prefix = (urlParse $url).path }}
{{- end }}
{{- end }}
{{- $prefix | default "/" | trimSuffix "/" }}
{{- end }}

{{/* Name of the ConfigMap holding alertmanager.yml and the templates. */}}
{{- define "tocsin.configMapName" -}}
{{- include "tocsin.fullname" . }}
{{- end }}

{{/* The alertmanager.yml rendered from .Values.config. */}}
{{- define "tocsin.config" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- if and .Values.templates (not (hasKey $config "templates")) }}
{{- $_ := set $config "templates" (list "/etc/tocsin/templates/*.tmpl") }}
{{- end }}
{{- if .Values.tplConfig }}
{{- tpl (toYaml $config) . }}
{{- else }}
{{- toYaml $config }}
{{- end }}
{{- end }}

{{/* Storage volume name. */}}
{{- define "tocsin.storageVolume" -}}
storage
{{- end }}
