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
{{- $entry := default (dict "secrets" (list) "deployments" (list)) (get $byNs $ns) -}}
{{- $_ := set $entry "secrets" (append $entry.secrets $d.secret | uniq | sortAlpha) -}}
{{- $_ := set $entry "deployments" (concat $entry.deployments (default (list) $d.restart) | uniq | sortAlpha) -}}
{{- $_ := set $byNs $ns $entry -}}
{{- end -}}
{{- end -}}
{{- toYaml $byNs -}}
{{- end -}}
