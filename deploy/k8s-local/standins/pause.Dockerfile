# The sandbox image containerd runs in every pod (registry.k8s.io/pause cannot be pulled here): a
# static re-implementation of pause (../pause.c).
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
