-- Lineage of every render: which originals were fetched, which runs used them and why each
-- candidate frame was kept or left out. Plain SQL that DuckDB and Snowflake both run as is:
-- JSON documents are stored as VARCHAR text (read them with `col->>'$.a'` or
-- json_extract_string on DuckDB, PARSE_JSON(col):a on Snowflake); TIMESTAMP is Snowflake's
-- TIMESTAMP_NTZ, in UTC. Primary keys document identity (Snowflake does not enforce them; the
-- lineage store writes by delete-then-insert on the key).
CREATE SCHEMA IF NOT EXISTS MARS_LINEAGE;
