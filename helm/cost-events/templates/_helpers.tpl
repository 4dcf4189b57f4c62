{{/* The chart's name, at most 63 characters (a label value). */}}
{{- define "cost-events.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the prefix of every object the chart creates. */}}
{{- define "cost-events.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (default .Chart.Name .Values.nameOverride) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* name-version, for the helm.sh/chart label. */}}
{{- define "cost-events.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cost-events.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cost-events.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cost-events.labels" -}}
helm.sh/chart: {{ include "cost-events.chart" . }}
{{ include "cost-events.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cost-events.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cost-events.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest when a digest is given, else repository:tag (default: the appVersion). */}}
{{- define "cost-events.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The ConfigMap holding the price sheet, or nothing when the default prices apply. */}}
{{- define "cost-events.pricingConfigMap" -}}
{{- if .Values.pricing.existingConfigMap }}
{{- .Values.pricing.existingConfigMap }}
{{- else if .Values.pricing.prices }}
{{- printf "%s-pricing" (include "cost-events.fullname" .) }}
{{- end }}
{{- end }}
