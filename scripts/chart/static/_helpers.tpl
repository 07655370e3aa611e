{{/*
Hand-written: the naming helpers the generated templates call. helmFullname() in scripts/chart/values.ts mirrors
"imds-emulator.fullname" and the chart tests check that both agree.
*/}}

{{/* Chart name. */}}
{{- define "imds-emulator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of every namespaced object: fullnameOverride, else the release name when it already contains the chart name,
else "<release>-<chart>". At most 52 characters so that suffixes such as "-selfsigned" still fit in 63.
*/}}
{{- define "imds-emulator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Value of the helm.sh/chart label. */}}
{{- define "imds-emulator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
