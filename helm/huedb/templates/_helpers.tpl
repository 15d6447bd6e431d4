{{/* Names, labels and the pieces every role's pod shares. */}}

{{- define "huedb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "huedb.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; "huedb.labels" (dict "root" $ "component" "gateway"). */}}
{{- define "huedb.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: huedb
{{ include "huedb.selectorLabels" . }}
{{- end -}}

{{- define "huedb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "huedb.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "huedb.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "huedb.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "huedb.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The in-cluster DNS suffix of a Service of this release. */}}
{{- define "huedb.svc" -}}
{{- printf "%s.%s.svc" .name .root.Release.Namespace -}}
{{- end -}}

{{- define "huedb.catalogAddr" -}}
{{- printf "%s:50051" (include "huedb.svc" (dict "root" . "name" (printf "%s-catalog" (include "huedb.fullname" .)))) -}}
{{- end -}}

{{/*
Every log instance by its stable name (the headless Service's per-pod records): the gateways pick
one per collection by rendezvous hashing and fail over to the next on UNAVAILABLE, so a restarting
instance costs no request.
*/}}
{{- define "huedb.logAddrs" -}}
{{- $full := include "huedb.fullname" . -}}
{{- $addrs := list -}}
{{- range $i := until (int .Values.log.replicas) -}}
{{- $addrs = append $addrs (printf "%s-log-%d.%s-log.%s.svc:50052" $full $i $full $.Release.Namespace) -}}
{{- end -}}
{{- join "," $addrs -}}
{{- end -}}

{{- define "huedb.postgresSecretName" -}}
{{- if and (not .Values.bundled.enabled) .Values.postgres.existingSecret -}}
{{- .Values.postgres.existingSecret -}}
{{- else -}}
{{- printf "%s-postgres" (include "huedb.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "huedb.postgresPasswordKey" -}}
{{- if and (not .Values.bundled.enabled) .Values.postgres.existingSecret -}}
{{- .Values.postgres.existingSecretPasswordKey -}}
{{- else -}}
password
{{- end -}}
{{- end -}}

{{/*
The catalog's Postgres URL, without the password: node-postgres takes it from PGPASSWORD, which
comes from the Secret, so a password needs no URL-encoding and never sits in a ConfigMap.
*/}}
{{- define "huedb.postgresUrl" -}}
{{- if .Values.bundled.enabled -}}
{{- printf "postgres://huedb@%s-postgres.%s.svc:5432/huedb?sslmode=disable" (include "huedb.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- $p := .Values.postgres -}}
{{- $q := list (printf "sslmode=%s" $p.sslmode) -}}
{{- if $p.caSecret -}}{{- $q = append $q "sslrootcert=/etc/huedb/tls/postgres/ca.crt" -}}{{- end -}}
{{- printf "postgres://%s@%s:%d/%s?%s" (urlquery $p.username) (required "postgres.host is required (or set bundled.enabled=true)" $p.host) (int $p.port) $p.database (join "&" $q) -}}
{{- end -}}
{{- end -}}

{{- define "huedb.adminSecretName" -}}
{{- default (printf "%s-auth" (include "huedb.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "huedb.s3SecretName" -}}
{{- if and (not .Values.bundled.enabled) .Values.s3.existingSecret -}}
{{- .Values.s3.existingSecret -}}
{{- else -}}
{{- printf "%s-s3" (include "huedb.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Whether the roles get S3 keys from a Secret (bundled, given keys, or an existing Secret). */}}
{{- define "huedb.s3HasKeys" -}}
{{- if or .Values.bundled.enabled .Values.s3.existingSecret .Values.s3.accessKeyId -}}true{{- end -}}
{{- end -}}

{{/*
A value kept across upgrades: the one in the live Secret when there is one (lookup), else the
given default. `helm template` sees no cluster and always gets the default.
*/}}
{{- define "huedb.keptSecretValue" -}}
{{- $secret := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $secret (hasKey $secret "data") (hasKey $secret.data .key) -}}
{{- index $secret.data .key | b64dec -}}
{{- else -}}
{{- .default -}}
{{- end -}}
{{- end -}}

{{/* The bundled MinIO's keys: generated once per release, kept across upgrades. */}}
{{- define "huedb.bundledS3Secret" -}}
{{- include "huedb.keptSecretValue" (dict "root" . "name" (printf "%s-s3" (include "huedb.fullname" .)) "key" "secret-access-key" "default" (randAlphaNum 40)) -}}
{{- end -}}

{{/* Pod-level pieces of every HueDB role: (dict "root" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "huedb.podSpecCommon" -}}
serviceAccountName: {{ include "huedb.serviceAccountName" .root }}
automountServiceAccountToken: {{ .root.Values.serviceAccount.automountToken }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
securityContext: {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
{{- with .root.Values.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .values.affinity }}
affinity: {{- toYaml .values.affinity | nindent 2 }}
{{- else if .root.Values.topologySpread.enabled }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels: {{- include "huedb.selectorLabels" . | nindent 14 }}
{{- end }}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ .root.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels: {{- include "huedb.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{- include "huedb.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Pod metadata of every HueDB role; the config checksum rolls the pods when a setting changes. */}}
{{- define "huedb.podMetadata" -}}
labels:
  {{- include "huedb.labels" . | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
  {{- with .root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* Container-level pieces of every HueDB role: image, settings, secrets, drain, mounts. */}}
{{- define "huedb.containerCommon" -}}
image: {{ include "huedb.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
args: [{{ .component }}]
securityContext: {{- toYaml .root.Values.securityContext | nindent 2 }}
resources: {{- toYaml .values.resources | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "huedb.fullname" .root }}-{{ .component }}
env:
  - name: POD_NAME
    valueFrom: { fieldRef: { fieldPath: metadata.name } }
  - name: POD_IP
    valueFrom: { fieldRef: { fieldPath: status.podIP } }
  {{- if .root.Values.extraCaSecret }}
  - name: NODE_EXTRA_CA_CERTS
    value: /etc/huedb/tls/extra/ca.crt
  {{- end }}
  {{- include "huedb.secretEnv" . | nindent 2 }}
  {{- with .env }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
lifecycle:
  # Keep serving while the endpoints controller and kube-proxy take this pod out of its Services;
  # only then does SIGTERM make the service drain and exit.
  preStop:
    exec: { command: [sleep, {{ .root.Values.preStopSeconds | quote }}] }
volumeMounts:
  - { name: tmp, mountPath: /tmp }
  {{- with .mounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- if .root.Values.extraCaSecret }}
  - { name: extra-ca, mountPath: /etc/huedb/tls/extra, readOnly: true }
  {{- end }}
  {{- if .root.Values.grpcTls.enabled }}
  - { name: grpc-tls, mountPath: /etc/huedb/tls/grpc, readOnly: true }
  {{- end }}
  {{- if and (eq .component "catalog") (not .root.Values.bundled.enabled) .root.Values.postgres.caSecret }}
  - { name: postgres-ca, mountPath: /etc/huedb/tls/postgres, readOnly: true }
  {{- end }}
{{- end -}}

{{/* The credentials a role reads, each from its Secret. */}}
{{- define "huedb.secretEnv" -}}
{{- if eq .component "gateway" }}
- name: HUEDB_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "huedb.adminSecretName" .root }}
      key: {{ ternary .root.Values.auth.existingSecretKey "admin-token" (ne .root.Values.auth.existingSecret "") }}
{{- end }}
{{- if eq .component "catalog" }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "huedb.postgresSecretName" .root }}
      key: {{ include "huedb.postgresPasswordKey" .root }}
{{- end }}
{{- if and (has .component (list "query" "compactor")) (include "huedb.s3HasKeys" .root) }}
- name: HUEDB_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "huedb.s3SecretName" .root }}
      key: {{ ternary .root.Values.s3.existingSecretAccessKeyIdKey "access-key-id" (and (not .root.Values.bundled.enabled) (ne .root.Values.s3.existingSecret "")) }}
- name: HUEDB_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "huedb.s3SecretName" .root }}
      key: {{ ternary .root.Values.s3.existingSecretSecretAccessKeyKey "secret-access-key" (and (not .root.Values.bundled.enabled) (ne .root.Values.s3.existingSecret "")) }}
{{- end }}
{{- end -}}

{{/* Volumes behind huedb.containerCommon's mounts. */}}
{{- define "huedb.volumesCommon" -}}
- name: tmp
  emptyDir: {}
{{- if .root.Values.extraCaSecret }}
- name: extra-ca
  secret: { secretName: {{ .root.Values.extraCaSecret }} }
{{- end }}
{{- if .root.Values.grpcTls.enabled }}
- name: grpc-tls
  secret: { secretName: {{ required "grpcTls.secretName is required with grpcTls.enabled" .root.Values.grpcTls.secretName }} }
{{- end }}
{{- if and (eq .component "catalog") (not .root.Values.bundled.enabled) .root.Values.postgres.caSecret }}
- name: postgres-ca
  secret: { secretName: {{ .root.Values.postgres.caSecret }} }
{{- end }}
{{- end -}}

{{/* HTTP probes: startup (slow first start), readiness, liveness on one endpoint. */}}
{{- define "huedb.probes" -}}
startupProbe:
  httpGet: { path: {{ .path }}, port: {{ .port }} }
  periodSeconds: 2
  failureThreshold: 90
readinessProbe:
  httpGet: { path: {{ .path }}, port: {{ .port }} }
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  httpGet: { path: {{ .path }}, port: {{ .port }} }
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
{{- end -}}

{{/* A PodDisruptionBudget of a role. */}}
{{- define "huedb.pdb" -}}
{{- if .values.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "huedb.fullname" .root }}-{{ .component }}
  labels: {{- include "huedb.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  selector:
    matchLabels: {{- include "huedb.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* The Postgres password the chart stores: the given one, or for bundled Postgres a generated one kept across upgrades. */}}
{{- define "huedb.postgresPassword" -}}
{{- if .Values.bundled.enabled -}}
{{- include "huedb.keptSecretValue" (dict "root" . "name" (printf "%s-postgres" (include "huedb.fullname" .)) "key" "password" "default" (randAlphaNum 32)) -}}
{{- else -}}
{{- .Values.postgres.password -}}
{{- end -}}
{{- end -}}

{{/*
Bundled mode: an init container that makes the MinIO bucket (idempotent) before a role that uses
S3 starts, so no role ever sees a missing bucket. External S3: the bucket must exist.
*/}}
{{- define "huedb.bucketInit" -}}
{{- if .root.Values.bundled.enabled }}
initContainers:
  - name: bucket
    image: {{ include "huedb.image" .root }}
    imagePullPolicy: {{ .root.Values.image.pullPolicy }}
    securityContext: {{- toYaml .root.Values.securityContext | nindent 6 }}
    command: [node, --input-type=module, -e]
    args:
      - {{ .root.Files.Get "files/ensure-bucket.mjs" | quote }}
    envFrom:
      - configMapRef:
          name: {{ include "huedb.fullname" .root }}-{{ .component }}
    env:
      {{- include "huedb.secretEnv" . | nindent 6 }}
    resources:
      requests: { cpu: 10m, memory: 64Mi }
      limits: { memory: 256Mi }
{{- end }}
{{- end -}}

{{/* The bundled Kafka's cluster id: a fixed base64url UUID (one single-broker cluster per release). */}}
{{- define "huedb.kafkaClusterId" -}}
huedbBundledKafka0001A
{{- end -}}
