{{/*
Hand-written: whether to render the `helm test` pod (templates/tests/self-check.yaml). With test.enabled it refuses,
at install, values that could only give a failing test: no role, or a namespace the webhook never sees.
*/}}
{{- define "imds-emulator.selfCheck" -}}
{{- if .Values.test.enabled }}
{{- if not .Values.test.roleArn }}
{{- fail (printf "test.enabled needs test.roleArn: an IAM role whose trust policy allows system:serviceaccount:%s:%s to assume it with web identity" .Values.test.namespace .Values.test.serviceAccountName) }}
{{- end }}
{{- $excluded := concat (list .Release.Namespace "kube-system") .Values.webhook.excludedNamespaces }}
{{- if has .Values.test.namespace $excluded }}
{{- fail (printf "test.namespace %q is never sent to the webhook (it excludes %s): choose a namespace where your workloads run" .Values.test.namespace (join ", " $excluded)) }}
{{- end -}}
true
{{- end }}
{{- end }}
