-- Stress of SQLite: a recursive CTE of 10^5 rows into a table, an index, a self-join of 10^6
-- rows, a GROUP BY, a window function, JSON, and a sort of 6 MB that spills to a temporary file
-- (in /tmp: /box is read-only here). Prints OK.
CREATE TABLE t(i INTEGER PRIMARY KEY, k INTEGER, s TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO t SELECT i, (i * 7919) % 1000, printf('row%06d', i) FROM n;
CREATE INDEX t_k ON t(k);
CREATE TEMP TABLE checks(ok);
INSERT INTO checks SELECT count(*) = 100000 AND sum(i) = 5000050000 FROM t;
INSERT INTO checks
  SELECT count(*) = 1000 AND min(c) = 100 AND max(c) = 100
  FROM (SELECT k, count(*) AS c FROM t GROUP BY k);
INSERT INTO checks
  SELECT count(*) = 1000000 AND sum(b.i % 7) = 3000000
  FROM t AS a JOIN t AS b ON a.k = b.k WHERE a.i <= 10000;
INSERT INTO checks
  SELECT max(r) = 100 AND sum(r) = 5050000
  FROM (SELECT row_number() OVER (PARTITION BY k ORDER BY s DESC) AS r FROM t);
INSERT INTO checks
  SELECT json_array_length(json_group_array(json_object('i', i, 's', s))) = 100
  FROM (SELECT i, s FROM t WHERE k = 7);
INSERT INTO checks
  SELECT count(*) = 100000 AND sum(length(x)) = 6000000
  FROM (SELECT printf('%060d', (i * 7919) % 100003) AS x FROM t ORDER BY x);
SELECT CASE WHEN min(ok) = 1 AND count(*) = 6 THEN 'OK' ELSE 'FAIL' END FROM checks;
