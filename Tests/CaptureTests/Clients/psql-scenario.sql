-- Run by psql -f from a directory holding lo-input.bin and copy-input.csv.
DROP TABLE IF EXISTS psql_items;
CREATE TABLE psql_items (id integer PRIMARY KEY, name text);
COPY psql_items FROM STDIN (FORMAT csv);
1,one
2,two
3,"three, with a comma"
\.
COPY psql_items TO STDOUT;
\lo_import lo-input.bin
\lo_export :LASTOID lo-output.bin
\lo_unlink :LASTOID
SELECT * FROM relation_that_does_not_exist;
DO $$ BEGIN RAISE NOTICE 'capture notice %', 42; END $$;
LISTEN capture_channel;
NOTIFY capture_channel, 'capture payload';
\copy psql_items FROM 'copy-input.csv' WITH (FORMAT csv)
\copy psql_items TO STDOUT
SELECT count(*) AS item_count FROM psql_items \; SELECT 'second statement' AS result \; SELECT 1 / 0;
SELECT 'still connected' AS status;
