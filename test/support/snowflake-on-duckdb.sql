-- Test only: the Snowflake functions and types that @polyglot-sql/sdk leaves as they are when it
-- transpiles our Snowflake rendering to DuckDB, given here Snowflake's documented semantics so
-- the transpiled statements run on DuckDB. Each names the page it follows.

-- TIMESTAMP_NTZ is a wall-clock time without a zone: DuckDB's plain TIMESTAMP.
-- https://docs.snowflake.com/en/sql-reference/data-types-datetime#timestamp-ltz-timestamp-ntz-timestamp-tz
CREATE TYPE TIMESTAMPNTZ AS TIMESTAMP;

-- GET_PATH(variant, 'a.b[0]'): the element at that path, or NULL where there is none.
-- https://docs.snowflake.com/en/sql-reference/functions/get_path
CREATE MACRO GET_PATH(v, p) AS json_extract(v, '$.' || p);

-- TO_VARCHAR of a VARIANT: a string element is returned as the string itself, any other element
-- as its JSON text (a number as its digits, an array or object as JSON).
-- https://docs.snowflake.com/en/sql-reference/functions/to_char
CREATE MACRO TO_VARCHAR(v) AS CASE WHEN json_type(v) = 'VARCHAR' THEN v ->> '$' ELSE CAST(v AS VARCHAR) END;

-- TRY_TO_NUMBER(text): NUMBER(38, 0) by default (the fraction rounded), NULL where the text is
-- not a number.
-- https://docs.snowflake.com/en/sql-reference/functions/try_to_decimal
CREATE MACRO TRY_TO_NUMBER(s) AS TRY_CAST(s AS DECIMAL(38, 0));

-- TRY_TO_TIMESTAMP_NTZ(text): a zone or offset given in the text is ignored (the wall-clock time
-- is kept), NULL where the text is not a timestamp.
-- https://docs.snowflake.com/en/sql-reference/functions/to_timestamp
CREATE MACRO TRY_TO_TIMESTAMP_NTZ(s) AS
  TRY_CAST(regexp_replace(s, '([0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)(Z|[+-][0-9]{2}(:?[0-9]{2})?)$', '\1') AS TIMESTAMP);

-- ARRAY_SIZE(variant), which the transpiler writes ARRAY_LENGTH: the number of elements of an
-- array, NULL for anything that is not an array.
-- https://docs.snowflake.com/en/sql-reference/functions/array_size
CREATE MACRO ARRAY_LENGTH(v) AS CASE WHEN json_type(v) = 'ARRAY' THEN json_array_length(v) END;

-- FLATTEN(input => array): one row per element with the columns SEQ, KEY, PATH, INDEX, VALUE and
-- THIS; KEY is NULL for array elements, and a NULL or empty input gives no row (OUTER => FALSE).
-- Only arrays: they are all our models flatten.
-- https://docs.snowflake.com/en/sql-reference/functions/flatten
CREATE MACRO FLATTEN(input) AS TABLE
  SELECT
    1 AS seq,
    CAST(NULL AS VARCHAR) AS key,
    '[' || (u.i - 1) || ']' AS path,
    u.i - 1 AS index,
    u.v AS value,
    input AS this
  FROM unnest(CASE WHEN json_type(input) = 'ARRAY' THEN json_extract(input, '$[*]') END) WITH ORDINALITY AS u(v, i);
