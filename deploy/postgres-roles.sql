-- Least-privilege PostgreSQL roles for Yiwang (docs/operations.md, decision 0016).
--
-- yiwang_owner   owns the tables: `yiwang migrate` runs as this role, nothing else does.
-- yiwang_web     the web processes (gunicorn): read and write the data, but the audit
--                log only INSERT and SELECT — no UPDATE, DELETE or TRUNCATE of its rows.
-- yiwang_worker  `yiwang worker` (and `yiwang audit verify/seal`): as the web, plus the
--                sealer's UPDATE of the four seal columns and of the chain head row.
-- A trigger makes a sealed audit event final for every role, and refuses a change of an
-- unsealed event's content: the sealer only ever fills in its seal.
--
-- Run as a superuser, connected to the Yiwang database, after `yiwang migrate` ran as
-- yiwang_owner; run it again after every release that adds tables (it is idempotent).
-- Give the LOGIN roles their passwords separately (ALTER ROLE ... PASSWORD ...).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yiwang_owner') THEN
    CREATE ROLE yiwang_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yiwang_web') THEN
    CREATE ROLE yiwang_web LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yiwang_worker') THEN
    CREATE ROLE yiwang_worker LOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO yiwang_web, yiwang_worker;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO yiwang_web, yiwang_worker;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO yiwang_web, yiwang_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE yiwang_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO yiwang_web, yiwang_worker;
ALTER DEFAULT PRIVILEGES FOR ROLE yiwang_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO yiwang_web, yiwang_worker;

-- The audit log: append and read only.
REVOKE UPDATE, DELETE, TRUNCATE ON common_auditevent FROM yiwang_web, yiwang_worker;
REVOKE UPDATE, DELETE, TRUNCATE ON common_auditchainhead FROM yiwang_web;
REVOKE DELETE, TRUNCATE ON common_auditchainhead FROM yiwang_worker;
GRANT UPDATE (chain_seq, prev_hash, hash, sealed_at) ON common_auditevent TO yiwang_worker;

CREATE OR REPLACE FUNCTION yiwang_audit_event_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.chain_seq IS NOT NULL THEN
    RAISE EXCEPTION 'audit event % is sealed and cannot change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.occurred_at, NEW.actor_id, NEW.actor, NEW.action, NEW.object_type, NEW.object_id,
      NEW.before::text, NEW.after::text)
     IS DISTINCT FROM
     (OLD.occurred_at, OLD.actor_id, OLD.actor, OLD.action, OLD.object_type, OLD.object_id,
      OLD.before::text, OLD.after::text) THEN
    RAISE EXCEPTION 'audit event % content cannot change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS yiwang_audit_event_final ON common_auditevent;
CREATE TRIGGER yiwang_audit_event_final BEFORE UPDATE ON common_auditevent
  FOR EACH ROW EXECUTE FUNCTION yiwang_audit_event_final();
