# PostgreSQL 15 from Debian's packages, for machines that reach no image registry (the compose
# smoke test): the part of the official postgres image's interface that deploy/docker-compose.yml
# uses — POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB on the first start of an empty data
# directory, PGDATA at /var/lib/postgresql/data, pg_isready for the health check.
ARG BASE_IMAGE=reflexio-base:debian12
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
