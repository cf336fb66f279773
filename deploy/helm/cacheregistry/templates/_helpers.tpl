{{- define "cacheregistry.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cacheregistry.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "cacheregistry.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cacheregistry.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Environment shared by the server and the migration job. */}}
{{- define "cacheregistry.env" -}}
- name: CacheRegistry__Database__Provider
  value: {{ .Values.database.provider | quote }}
- name: CacheRegistry__Database__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret | default (include "cacheregistry.fullname" .) }}
      key: connection-string
- name: CacheRegistry__Storage__Provider
  value: {{ .Values.storage.provider | quote }}
- name: CacheRegistry__Storage__S3__Bucket
  value: {{ .Values.storage.s3.bucket | quote }}
- name: CacheRegistry__Storage__S3__Region
  value: {{ .Values.storage.s3.region | quote }}
- name: CacheRegistry__Storage__S3__ServiceUrl
  value: {{ .Values.storage.s3.serviceUrl | quote }}
- name: CacheRegistry__Storage__S3__ForcePathStyle
  value: {{ .Values.storage.s3.forcePathStyle | quote }}
- name: CacheRegistry__Storage__S3__KeyPrefix
  value: {{ .Values.storage.s3.keyPrefix | quote }}
{{- if .Values.storage.s3.existingSecret }}
- name: CacheRegistry__Storage__S3__AccessKey
  valueFrom:
    secretKeyRef:
      name: {{ .Values.storage.s3.existingSecret }}
      key: access-key
- name: CacheRegistry__Storage__S3__SecretKey
  valueFrom:
    secretKeyRef:
      name: {{ .Values.storage.s3.existingSecret }}
      key: secret-key
{{- end }}
{{- end -}}
