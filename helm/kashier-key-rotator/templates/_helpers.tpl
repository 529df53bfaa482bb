{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "kkr.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name. */}}
{{- define "kkr.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kkr.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kkr.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kkr.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kkr.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kkr.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kkr.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The namespaces the inventory's kubernetes-secret dependents write to, with the Secrets and the
Deployments in each, as YAML: {namespace: {secrets: [...], deployments: [...]}}.
*/}}
{{- define "kkr.kubernetesTargets" -}}
{{- $byNs := dict -}}
{{- range $id, $d := .Values.rotator.dependents -}}
{{- if eq (toString $d.type) "kubernetes-secret" -}}
{{- $ns := default $.Release.Namespace $d.namespace -}}
{{- $entry := default (dict "secrets" (list) "deployments" (list) "statefulsets" (list) "daemonsets" (list)) (get $byNs $ns) -}}
{{- $_ := set $entry "secrets" (append $entry.secrets $d.secret | uniq | sortAlpha) -}}
{{- range $w := default (list) $d.restart -}}
{{- /* kubectl's names: deployment/NAME, statefulset/NAME, daemonset/NAME (and short forms); NAME alone is a Deployment. */ -}}
{{- $parts := splitList "/" $w -}}
{{- $kind := "deployments" -}}
{{- $name := $w -}}
{{- if eq (len $parts) 2 -}}
{{- $k := lower (index $parts 0) -}}
{{- $name = index $parts 1 -}}
{{- if has $k (list "deployment" "deployments" "deploy") -}}
{{- $kind = "deployments" -}}
{{- else if has $k (list "statefulset" "statefulsets" "sts") -}}
{{- $kind = "statefulsets" -}}
{{- else if has $k (list "daemonset" "daemonsets" "ds") -}}
{{- $kind = "daemonsets" -}}
{{- else -}}
{{- fail (printf "rotator.dependents.%s.restart: '%s' names no workload kubectl would restart: give deployment/NAME, statefulset/NAME or daemonset/NAME" $id $w) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $entry $kind (append (get $entry $kind) $name | uniq | sortAlpha) -}}
{{- end -}}
{{- $_ := set $byNs $ns $entry -}}
{{- end -}}
{{- end -}}
{{- toYaml $byNs -}}
{{- end -}}

{{/*
Fails the render when a Prometheus Operator object is asked for on a cluster that does not serve its
API, naming what to install: (list $ "PrometheusRule" "metrics.prometheusRule.enabled").
*/}}
{{- define "kkr.requireMonitoringApi" -}}
{{- $ := index . 0 -}}
{{- $kind := index . 1 -}}
{{- $value := index . 2 -}}
{{- if and $.Values.metrics.apiCheck (not ($.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" $kind))) -}}
{{- fail (printf "%s is true, but this cluster has no %s (monitoring.coreos.com/v1): install the Prometheus Operator's CRDs (e.g. the prometheus-operator-crds chart, or kube-prometheus-stack), or set %s=false; with helm template, pass --api-versions monitoring.coreos.com/v1/%s or set metrics.apiCheck=false" $value $kind $value $kind) -}}
{{- end -}}
{{- end -}}
