# Stand-in for apache/kafka where no registry is reachable: a Java 17 runtime from Debian and the
# broker's jars (the ones deploy/local/kafka.sh fetched from Maven Central), laid out as /opt/kafka
# with the two scripts the chart calls (bin/kafka-storage.sh, bin/kafka-server-start.sh).
ARG BASE
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
COPY libs /opt/kafka/libs
COPY kafka-storage.sh kafka-server-start.sh /opt/kafka/bin/
COPY log4j2.properties /opt/kafka/config/
USER 1000:1000
