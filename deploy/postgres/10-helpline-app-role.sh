#!/bin/sh
# The application's login role. The official postgres image runs /docker-entrypoint-initdb.d/*
# once, when it initialises an empty data directory; run it by hand (same environment) on a
# server set up another way.
#
# POSTGRES_USER is a superuser and owns the tables: it runs the migrations and nothing else.
# Superusers and table owners are not held by row-level security (SECURITY.md §1), so the
# application signs in as HELPLINE_DB_APP_USER instead: no superuser, no owner, NOBYPASSRLS,
# a member of helpline_app, the role the migrations grant table rights to.
set -eu
: "${HELPLINE_DB_APP_USER:=helpline_web}"
: "${HELPLINE_DB_APP_PASSWORD:?set HELPLINE_DB_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="$HELPLINE_DB_APP_USER" -v app_password="$HELPLINE_DB_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE helpline_app NOLOGIN NOBYPASSRLS'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'helpline_app') \gexec
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE helpline_app;
SQL
