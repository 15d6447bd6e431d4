# The cluster DNS: the CoreDNS build.sh made with `go install` (static), alone in the image.
FROM scratch
COPY coredns /coredns
ENTRYPOINT ["/coredns"]
