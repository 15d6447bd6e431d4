# Stand-in for minio/minio where no registry is reachable: the MinIO deploy/local/minio.sh built
# with `go install`, as `minio` on PATH.
ARG BASE
FROM ${BASE}
COPY minio /usr/local/bin/minio
USER 1000:1000
