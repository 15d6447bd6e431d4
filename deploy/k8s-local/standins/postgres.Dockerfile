# Stand-in for the public postgres image where no registry is reachable: Debian's PostgreSQL 15 on
# the local base, initdb/postgres/pg_isready on PATH, user postgres with the public image's uid 999.
# The chart runs it with its own command (templates/bundled.yaml), as it runs the public image.
ARG BASE
FROM ${BASE}
RUN groupadd -g 999 postgres && useradd -u 999 -g 999 -d /var/lib/postgresql -s /bin/bash postgres \
 && apt-get update && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/run/postgresql /var/lib/postgresql/data && chown -R 999:999 /var/run/postgresql /var/lib/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
USER 999:999
