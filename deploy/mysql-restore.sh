#!/usr/bin/env bash
# Restores the in-cluster MySQL from a dump of the mysql-backup CronJob
# (docs/deploy.md "Backup and restore"; the CI cluster step runs it).
#   deploy/mysql-restore.sh               list the backups
#   deploy/mysql-restore.sh FILE          restore /backups/FILE
# It stops the app (writes made during a restore would be lost or mixed),
# loads the dump with a Job that mounts the backup volume (each table is
# dropped and re-created from the dump), then starts the app again with the
# replica count it had. NAMESPACE defaults to inkwell.
set -euo pipefail
ns="${NAMESPACE:-inkwell}"
image="$(kubectl -n "$ns" get statefulset mysql -o jsonpath='{.spec.template.spec.containers[0].image}')"
job="mysql-restore-$(date -u +%Y%m%d%H%M%S)"
pod_spec() { # pod_spec COMMAND: a Job running COMMAND with the backups mounted
  cat <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: $job
  labels: {app.kubernetes.io/name: mysql, app.kubernetes.io/component: backup}
spec:
  backoffLimit: 0
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels: {app.kubernetes.io/name: mysql, app.kubernetes.io/component: backup}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: restore
          image: $image
          command: ["/bin/sh", "-c", "$1"]
          env:
            - name: MYSQL_PWD
              valueFrom: {secretKeyRef: {name: inkwell-secrets, key: MYSQL_ROOT_PASSWORD}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: "1", memory: 256Mi}}
          volumeMounts: [{name: backups, mountPath: /backups, readOnly: true}]
      volumes:
        - name: backups
          persistentVolumeClaim: {claimName: mysql-backups}
YAML
}
run_job() { # run_job COMMAND: run it, print its log, fail if it failed
  pod_spec "$1" | kubectl -n "$ns" apply -f - >/dev/null
  if ! kubectl -n "$ns" wait --for=condition=complete "job/$job" --timeout=600s >/dev/null; then
    kubectl -n "$ns" logs "job/$job" >&2 || true
    echo "mysql-restore: job $job failed" >&2
    exit 1
  fi
  kubectl -n "$ns" logs "job/$job"
}

if (($# == 0)); then
  run_job 'ls -l /backups'
  exit 0
fi
file=$1
[[ "$file" =~ ^inkwell-[0-9TZ]+\.sql\.gz$ ]] || { echo "mysql-restore: $file is not a backup name (inkwell-<time>.sql.gz)" >&2; exit 1; }
replicas="$(kubectl -n "$ns" get deployment inkwell-app -o jsonpath='{.spec.replicas}')"
echo "== stopping the app ($replicas replicas)"
kubectl -n "$ns" scale deployment/inkwell-app --replicas=0
for _ in $(seq 120); do
  [[ -z "$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=app -o name)" ]] && break
  sleep 1
done
echo "== restoring $file"
run_job "set -e; gunzip -c /backups/$file | mysql -h mysql -u root; echo restored $file"
echo "== starting the app again"
kubectl -n "$ns" scale deployment/inkwell-app --replicas="$replicas"
kubectl -n "$ns" rollout status deployment/inkwell-app --timeout=300s
# HAProxy is ready again once it has found and checked a replica (up to the
# cluster DNS cache, 30 s); until then the site refuses connections.
kubectl -n "$ns" wait --for=condition=Ready pod -l app.kubernetes.io/name=haproxy --timeout=120s
echo "restored $file; the site serves again"
