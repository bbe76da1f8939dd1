-- Everything the usage_value extension defines, one line per object and property, for
-- test/shell/upgrade.t to diff a fresh install against an updated one: a line that differs names
-- its object. Long texts (function bodies, view definitions) appear as md5 and length.
-- Run with psql -At; the caller sorts the output.
SET search_path = pg_catalog;
SET client_min_messages = warning;

CREATE TEMP VIEW members AS
SELECT d.classid, d.objid FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'usage_value');

CREATE TEMP VIEW member_relations AS
SELECT c.oid, c.oid::regclass::text AS name FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid;

CREATE FUNCTION pg_temp.text_digest(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN t IS NULL THEN 'NULL' ELSE 'md5 ' || md5(t) || ', ' || length(t) || ' characters' END;

-- Every member object.
SELECT 'member: ' || pg_describe_object(classid, objid, 0) FROM members;

-- The extension itself: configuration tables (pg_dump copies their rows) and their conditions.
SELECT 'extension: schema ' || extnamespace::regnamespace || ', relocatable ' || extrelocatable
       || ', extconfig ' || coalesce((SELECT string_agg(c::regclass::text, ', ' ORDER BY c::regclass::text) FROM unnest(extconfig) c), 'NULL')
       || ', extcondition ' || coalesce(array_to_string(extcondition, ', ', 'NULL'), 'NULL')
FROM pg_extension WHERE extname = 'usage_value';

-- Every comment on a member object or on a column or attribute of one.
SELECT 'comment on ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description
FROM pg_description d JOIN members m ON m.classid = d.classoid AND m.objid = d.objoid;

-- Initial privileges recorded for the extension's objects (pg_dump restores ACLs from them).
SELECT 'init privileges of ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ': ' || i.privtype::text || ' ' || i.initprivs::text
FROM pg_init_privs i JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid;

-- Schemas (the extension's own schema too, which CREATE EXTENSION makes without a member link).
SELECT 'schema ' || n.nspname || ': acl ' || coalesce(n.nspacl::text, 'default') || ', comment ' || coalesce(obj_description(n.oid, 'pg_namespace'), 'NULL')
FROM pg_namespace n
WHERE n.oid IN (SELECT objid FROM members WHERE classid = 'pg_namespace'::regclass)
   OR n.oid = (SELECT extnamespace FROM pg_extension WHERE extname = 'usage_value');

-- Functions, procedures, aggregates and window functions.
SELECT 'function ' || p.oid::regprocedure || ': ' || x.property || ' ' || coalesce(x.value, 'NULL')
FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
CROSS JOIN LATERAL (VALUES
    ('kind', p.prokind::text),
    ('language', (SELECT lanname::text FROM pg_language WHERE oid = p.prolang)),
    ('arguments', pg_get_function_arguments(p.oid)),
    ('result', pg_get_function_result(p.oid)),
    ('source', pg_temp.text_digest(p.prosrc)),
    ('sql body', pg_temp.text_digest(pg_get_function_sqlbody(p.oid))),
    ('library', p.probin),
    ('volatility', p.provolatile::text),
    ('parallel', p.proparallel::text),
    ('strict', p.proisstrict::text),
    ('security definer', p.prosecdef::text),
    ('leakproof', p.proleakproof::text),
    ('returns set', p.proretset::text || ', cost ' || p.procost || ', rows ' || p.prorows),
    ('support', p.prosupport::regproc::text),
    ('config', p.proconfig::text),
    ('acl', p.proacl::text)) x(property, value);

SELECT 'aggregate ' || a.aggfnoid::regprocedure || ': ' || x.property || ' ' || coalesce(x.value, 'NULL')
FROM pg_aggregate a JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = a.aggfnoid
CROSS JOIN LATERAL (VALUES
    ('kind', a.aggkind::text || ', direct arguments ' || a.aggnumdirectargs),
    ('transfn', a.aggtransfn::oid::regprocedure::text),
    ('finalfn', nullif(a.aggfinalfn::oid, 0)::regprocedure::text || ', extra ' || a.aggfinalextra || ', modify ' || a.aggfinalmodify::text),
    ('combinefn', nullif(a.aggcombinefn::oid, 0)::regprocedure::text),
    ('serialfn', nullif(a.aggserialfn::oid, 0)::regprocedure::text),
    ('deserialfn', nullif(a.aggdeserialfn::oid, 0)::regprocedure::text),
    ('mtransfn', nullif(a.aggmtransfn::oid, 0)::regprocedure::text),
    ('minvtransfn', nullif(a.aggminvtransfn::oid, 0)::regprocedure::text),
    ('mfinalfn', nullif(a.aggmfinalfn::oid, 0)::regprocedure::text || ', extra ' || a.aggmfinalextra || ', modify ' || a.aggmfinalmodify::text),
    ('sortop', nullif(a.aggsortop, 0)::regoperator::text),
    ('stype', a.aggtranstype::regtype || ', space ' || a.aggtransspace),
    ('mstype', nullif(a.aggmtranstype, 0)::regtype || ', space ' || a.aggmtransspace),
    ('initcond', a.agginitval),
    ('minitcond', a.aggminitval)) x(property, value);

-- Types: base types with their I/O, composite types with their attributes in order.
SELECT 'type ' || t.oid::regtype || ': ' || x.property || ' ' || coalesce(x.value, 'NULL')
FROM pg_type t JOIN members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
CROSS JOIN LATERAL (VALUES
    ('kind', t.typtype::text || ', category ' || t.typcategory::text || ', preferred ' || t.typispreferred),
    ('length', t.typlen || ', by value ' || t.typbyval || ', align ' || t.typalign::text || ', storage ' || t.typstorage::text),
    ('input', nullif(t.typinput::oid, 0)::regprocedure::text),
    ('output', nullif(t.typoutput::oid, 0)::regprocedure::text),
    ('receive', nullif(t.typreceive::oid, 0)::regprocedure::text),
    ('send', nullif(t.typsend::oid, 0)::regprocedure::text),
    ('typmod', nullif(t.typmodin::oid, 0)::regprocedure || ' ' || nullif(t.typmodout::oid, 0)::regprocedure),
    ('analyze', nullif(t.typanalyze::oid, 0)::regprocedure::text),
    ('subscript', nullif(t.typsubscript::oid, 0)::regprocedure::text),
    ('element', nullif(t.typelem, 0)::regtype || ', array ' || nullif(t.typarray, 0)::regtype || ', delimiter ' || t.typdelim::text),
    ('domain', nullif(t.typbasetype, 0)::regtype || ', not null ' || t.typnotnull || ', default ' || t.typdefault),
    ('collation', nullif(t.typcollation, 0)::regcollation::text),
    ('acl', t.typacl::text),
    ('attributes', (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                    FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))) x(property, value);

-- Operators, operator classes and families with their members, casts.
SELECT 'operator ' || o.oid::regoperator || ': ' || x.property || ' ' || coalesce(x.value, 'NULL')
FROM pg_operator o JOIN members m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
CROSS JOIN LATERAL (VALUES
    ('kind', o.oprkind::text || ', result ' || o.oprresult::regtype),
    ('function', o.oprcode::oid::regprocedure::text),
    ('commutator', nullif(o.oprcom, 0)::regoperator || ', negator ' || nullif(o.oprnegate, 0)::regoperator),
    ('selectivity', o.oprrest::text || ', ' || o.oprjoin::text),
    ('merges', o.oprcanmerge || ', hashes ' || o.oprcanhash)) x(property, value);

SELECT 'operator class ' || (SELECT amname FROM pg_am WHERE oid = c.opcmethod) || ' ' || c.opcnamespace::regnamespace || '.' || c.opcname
       || ': type ' || c.opcintype::regtype || ', default ' || c.opcdefault || ', key type ' || coalesce(nullif(c.opckeytype, 0)::regtype::text, 'NULL')
       || ', family ' || (SELECT f.opfnamespace::regnamespace || '.' || f.opfname FROM pg_opfamily f WHERE f.oid = c.opcfamily)
FROM pg_opclass c JOIN members m ON m.classid = 'pg_opclass'::regclass AND m.objid = c.oid;

SELECT 'operator family ' || (SELECT amname FROM pg_am WHERE oid = f.opfmethod) || ' ' || f.opfnamespace::regnamespace || '.' || f.opfname || ': ' || x.member
FROM pg_opfamily f
CROSS JOIN LATERAL (
    SELECT 'operator ' || o.amopstrategy || ' ' || o.amopopr::regoperator || ' (' || o.amoplefttype::regtype || ', ' || o.amoprighttype::regtype
           || ') purpose ' || o.amoppurpose::text || ' sort family ' || coalesce(nullif(o.amopsortfamily, 0)::text, 'NULL')
    FROM pg_amop o WHERE o.amopfamily = f.oid
    UNION ALL
    SELECT 'function ' || p.amprocnum || ' ' || p.amproc::oid::regprocedure || ' (' || p.amproclefttype::regtype || ', ' || p.amprocrighttype::regtype || ')'
    FROM pg_amproc p WHERE p.amprocfamily = f.oid
    UNION ALL
    SELECT 'exists') x(member)
WHERE f.oid IN (SELECT objid FROM members WHERE classid = 'pg_opfamily'::regclass)
   OR f.oid IN (SELECT c.opcfamily FROM pg_opclass c JOIN members m ON m.classid = 'pg_opclass'::regclass AND m.objid = c.oid);

SELECT 'cast (' || c.castsource::regtype || ' AS ' || c.casttarget::regtype || '): function '
       || coalesce(nullif(c.castfunc, 0)::regprocedure::text, 'NULL') || ', context ' || c.castcontext::text || ', method ' || c.castmethod::text
FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid;

-- Tables, views, materialized views, sequences: kind, options, ACL, columns, constraints,
-- indexes, triggers, row-level security and its policies, view definitions.
SELECT 'relation ' || r.name || ': ' || x.property || ' ' || coalesce(x.value, 'NULL')
FROM member_relations r JOIN pg_class c ON c.oid = r.oid
CROSS JOIN LATERAL (VALUES
    ('kind', c.relkind::text || ', persistence ' || c.relpersistence::text || ', options ' || coalesce(c.reloptions::text, 'none')),
    ('row level security', c.relrowsecurity || ', forced ' || c.relforcerowsecurity),
    ('acl', c.relacl::text),
    ('view definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_temp.text_digest(pg_get_viewdef(c.oid)) END),
    ('of type', nullif(c.reloftype, 0)::regtype::text)) x(property, value);

SELECT 'relation ' || r.name || ': column ' || row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum) || ' ' || a.attname
       || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity::text <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
       || CASE WHEN a.attgenerated::text <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
       || coalesce(' collate ' || nullif(a.attcollation, 0)::regcollation, '')
       || coalesce(' acl ' || a.attacl::text, '')
FROM member_relations r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum;

SELECT 'relation ' || r.name || ': constraint ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
FROM member_relations r JOIN pg_constraint c ON c.conrelid = r.oid;

SELECT 'relation ' || r.name || ': index ' || pg_get_indexdef(i.indexrelid)
FROM member_relations r JOIN pg_index i ON i.indrelid = r.oid;

SELECT 'relation ' || r.name || ': trigger ' || pg_get_triggerdef(t.oid)
FROM member_relations r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal;

SELECT 'relation ' || r.name || ': policy ' || p.polname || ' for ' || p.polcmd::text || ', permissive ' || p.polpermissive
       || ', roles ' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::regrole::text END, ', ' ORDER BY x) FROM unnest(p.polroles) x)
       || ', using ' || regexp_replace(coalesce(pg_get_expr(p.polqual, p.polrelid), 'NULL'), '\s*\n\s*', ' ', 'g')
       || ', with check ' || regexp_replace(coalesce(pg_get_expr(p.polwithcheck, p.polrelid), 'NULL'), '\s*\n\s*', ' ', 'g')
FROM member_relations r JOIN pg_policy p ON p.polrelid = r.oid;

-- Rows the extension's scripts put in its own tables (the comment texts of the binding);
-- the configuration table's rows are the user's and are compared by the tests that make them.
SELECT 'row of ' || r.name || ': ' || regexp_replace(x.row::text, '\s*\n\s*', ' ', 'g')
FROM member_relations r JOIN pg_class c ON c.oid = r.oid AND c.relkind = 'r'
CROSS JOIN LATERAL unnest(xpath('/table/row', query_to_xml(format('SELECT * FROM %s', r.name), true, false, ''))) x(row)
WHERE r.oid <> ALL (SELECT unnest(extconfig) FROM pg_extension WHERE extname = 'usage_value');
